package query

import (
	"sort"
	"time"

	"github.com/access-as-code/access/schema"
)

// WhoHasResult answers "who has access to X". X may be a config group, an
// app (all of its groups), a role (its members), an Okta group name or a
// GitLab group path; Kind says which one matched.
type WhoHasResult struct {
	Name    string    `json:"name"`
	Kind    string    `json:"kind"`   // group, app, role, okta, gitlab
	Groups  []string  `json:"groups"` // config groups that grant it
	Members []Holder  `json:"members"`
	At      time.Time `json:"at"`
}

// Holder is one person who has it, and every way they do.
type Holder struct {
	User  UserRef    `json:"user"`
	Level string     `json:"level,omitempty"` // effective GitLab level (kind gitlab)
	Until *time.Time `json:"until,omitempty"` // when the last path ends; nil = no end
	Via   []Via      `json:"via"`
}

// WhoHas lists everyone who holds name at d.Now. Config groups are looked up
// first, then apps, roles, Okta groups and GitLab paths.
func WhoHas(cfg *schema.Config, d *schema.Desired, name string) (*WhoHasResult, error) {
	res := &WhoHasResult{Name: name, At: d.Now, Groups: []string{}, Members: []Holder{}}
	users := userIndex(cfg)
	if _, ok := cfg.Groups[name]; ok {
		res.Kind, res.Groups = "group", []string{name}
		res.Members = holdersOf(d, users, []string{name}, nil)
		return res, nil
	}
	if _, ok := cfg.Apps[name]; ok {
		res.Kind = "app"
		for _, g := range sortedKeys(cfg.Groups) {
			if cfg.Groups[g].App == name {
				res.Groups = append(res.Groups, g)
			}
		}
		res.Members = holdersOf(d, users, res.Groups, nil)
		return res, nil
	}
	if r, ok := cfg.Roles[name]; ok {
		res.Kind = "role"
		for _, g := range sortedKeys(cfg.Groups) {
			for _, m := range cfg.Groups[g].Members {
				if m.Role == name {
					res.Groups = append(res.Groups, g)
					break
				}
			}
		}
		res.Members = roleHolders(r, users, d.Now)
		return res, nil
	}
	if og, ok := d.Okta[name]; ok {
		res.Kind = "okta"
		for _, g := range sortedKeys(cfg.Groups) {
			if t := cfg.Groups[g].Okta; t != nil && t.Group == name {
				res.Groups = append(res.Groups, g)
			}
		}
		keep := map[string]bool{}
		for _, gr := range og {
			keep[gr.User] = true
		}
		res.Members = holdersOf(d, users, res.Groups, func(id string) (bool, string) { return keep[id], "" })
		return res, nil
	}
	if gl, ok := d.GitLab[name]; ok {
		res.Kind = "gitlab"
		levels := map[string]string{} // config group -> level it grants here
		for _, g := range sortedKeys(cfg.Groups) {
			for _, t := range cfg.Groups[g].GitLab {
				if t.Group == name {
					res.Groups = append(res.Groups, g)
					levels[g] = string(t.Access)
				}
			}
		}
		eff := map[string]string{}
		for _, gr := range gl {
			eff[gr.User] = string(gr.Level)
		}
		res.Members = holdersOf(d, users, res.Groups, func(id string) (bool, string) {
			l, ok := eff[id]
			return ok, l
		})
		for i := range res.Members {
			for j := range res.Members[i].Via {
				res.Members[i].Via[j].Level = levels[res.Members[i].Via[j].Group]
			}
		}
		return res, nil
	}
	cands := append(append(append(sortedKeys(cfg.Groups), sortedKeys(cfg.Apps)...), sortedKeys(cfg.Roles)...), sortedKeys(d.Okta)...)
	cands = append(cands, sortedKeys(d.GitLab)...)
	return nil, &UnknownError{Kind: "group", Name: name, Suggestion: closest(name, cands)}
}

func userIndex(cfg *schema.Config) map[string]*schema.User {
	m := make(map[string]*schema.User, len(cfg.Users))
	for _, u := range cfg.Users {
		m[u.ID] = u
	}
	return m
}

func userRef(users map[string]*schema.User, id string) UserRef {
	if u, ok := users[id]; ok {
		return refOf(u)
	}
	return UserRef{ID: id}
}

// holdersOf merges the effective members of groups into one list by user.
// filter, when set, keeps only some users and gives their effective level.
func holdersOf(d *schema.Desired, users map[string]*schema.User, groups []string, filter func(string) (bool, string)) []Holder {
	byUser := map[string]*Holder{}
	for _, g := range groups {
		for id, gr := range d.Groups[g] {
			h := byUser[id]
			if h == nil {
				level := ""
				if filter != nil {
					ok, l := filter(id)
					if !ok {
						continue
					}
					level = l
				}
				h = &Holder{User: userRef(users, id), Level: level, Until: gr.Until}
				byUser[id] = h
			} else {
				h.Until = latest(h.Until, gr.Until)
			}
			h.Via = append(h.Via, vias(g, gr, "")...)
		}
	}
	out := make([]Holder, 0, len(byUser))
	for _, id := range sortedKeys(byUser) {
		out = append(out, *byUser[id])
	}
	return out
}

func roleHolders(r *schema.Role, users map[string]*schema.User, now time.Time) []Holder {
	byUser := map[string]*Holder{}
	for _, m := range r.Members {
		if m.User == "" || m.Expired(now) {
			continue
		}
		v := Via{Role: r.Name, Until: m.Until, Reason: m.Reason}
		if h := byUser[m.User]; h != nil {
			h.Until = latest(h.Until, m.Until)
			h.Via = append(h.Via, v)
			continue
		}
		byUser[m.User] = &Holder{User: userRef(users, m.User), Until: m.Until, Via: []Via{v}}
	}
	out := make([]Holder, 0, len(byUser))
	for _, id := range sortedKeys(byUser) {
		out = append(out, *byUser[id])
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].User.ID < out[j].User.ID })
	return out
}
