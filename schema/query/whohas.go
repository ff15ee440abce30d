package query

import (
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/access-as-code/access/schema"
)

// WhoHasResult answers "who has access to X". X may be a config group, an
// app (all of its groups), a role (its members), an Okta group name, a
// GitLab group path or a GitHub org or ORG/TEAM; Kind says which one matched.
type WhoHasResult struct {
	Name    string    `json:"name"`
	Kind    string    `json:"kind"`   // group, app, role, okta, gitlab, github
	Groups  []string  `json:"groups"` // config groups that grant it
	Members []Holder  `json:"members"`
	At      time.Time `json:"at"`
}

// Holder is one person who has it, and every way they do.
type Holder struct {
	User  UserRef    `json:"user"`
	Level string     `json:"level,omitempty"` // effective GitLab level or GitHub role (kinds gitlab, github)
	Until *time.Time `json:"until,omitempty"` // when the last path ends; nil = no end
	Via   []Via      `json:"via"`
}

// WhoHas lists everyone who holds name at d.Now. Config groups are looked up
// first, then apps, roles, Okta groups, GitLab paths and GitHub orgs/teams.
func WhoHas(cfg *schema.Config, d *schema.Desired, name string) (*WhoHasResult, error) {
	return whoHas(cfg, d, userIndex(cfg), name)
}

func whoHas(cfg *schema.Config, d *schema.Desired, users map[string]*schema.User, name string) (*WhoHasResult, error) {
	kind, groups, err := resolveHeld(cfg, name)
	if err != nil {
		return nil, err
	}
	res := &WhoHasResult{Name: name, Kind: kind, At: d.Now, Groups: nonNilS(groups), Members: []Holder{}}
	switch kind {
	case "group", "app":
		res.Members = holdersOf(d, users, groups, nil)
	case "role":
		res.Members = roleHolders(cfg.Roles[name], users, d.Now)
	case "okta":
		keep := map[string]bool{}
		for _, gr := range d.Okta[name] {
			keep[gr.User] = true
		}
		res.Members = holdersOf(d, users, groups, func(id string) (bool, string) { return keep[id], "" })
	case "gitlab":
		levels := map[string]string{} // config group -> level it grants here
		for _, g := range groups {
			for _, t := range cfg.Groups[g].GitLab {
				if t.Group == name {
					levels[g] = string(t.Access)
				}
			}
		}
		eff := map[string]string{}
		for _, gr := range d.GitLab[name] {
			eff[gr.User] = string(gr.Level)
		}
		res.Members = holdersOf(d, users, groups, func(id string) (bool, string) {
			l, ok := eff[id]
			return ok, l
		})
		for i := range res.Members {
			for j := range res.Members[i].Via {
				res.Members[i].Via[j].Level = levels[res.Members[i].Via[j].Group]
			}
		}
	case "github":
		githubHolders(cfg, d, users, res)
	}
	return res, nil
}

// ForWhoHas returns a view of cfg holding only the groups that grant name
// (as WhoHas resolves it), so that who-has compiles only those groups; the
// answer is the same as over the whole config.
func ForWhoHas(cfg *schema.Config, name string) (*schema.Config, error) {
	_, groups, err := resolveHeld(cfg, name)
	if err != nil {
		return nil, err
	}
	view := *cfg
	view.Groups = make(map[string]*schema.Group, len(groups))
	for _, g := range groups {
		view.Groups[g] = cfg.Groups[g]
	}
	return &view, nil
}

// resolveHeld says what name is (group, app, role, okta, gitlab, github) and which
// config groups grant it, sorted.
func resolveHeld(cfg *schema.Config, name string) (string, []string, error) {
	if _, ok := cfg.Groups[name]; ok {
		return "group", []string{name}, nil
	}
	var groups []string
	match := func(f func(*schema.Group) bool) {
		for _, g := range slices.Sorted(maps.Keys(cfg.Groups)) {
			if f(cfg.Groups[g]) {
				groups = append(groups, g)
			}
		}
	}
	if _, ok := cfg.Apps[name]; ok {
		match(func(g *schema.Group) bool { return g.App == name })
		return "app", groups, nil
	}
	if _, ok := cfg.Roles[name]; ok {
		match(func(g *schema.Group) bool {
			for _, m := range g.Members {
				if m.Role == name {
					return true
				}
			}
			return false
		})
		return "role", groups, nil
	}
	okta, gitlab := map[string]bool{}, map[string]bool{}
	for _, g := range cfg.Groups {
		if g.Okta != nil {
			okta[g.Okta.Group] = true
		}
		for _, t := range g.GitLab {
			gitlab[t.Group] = true
		}
	}
	if okta[name] {
		match(func(g *schema.Group) bool { return g.Okta != nil && g.Okta.Group == name })
		return "okta", groups, nil
	}
	if gitlab[name] {
		match(func(g *schema.Group) bool {
			for _, t := range g.GitLab {
				if t.Group == name {
					return true
				}
			}
			return false
		})
		return "gitlab", groups, nil
	}
	if gh := githubHeld(cfg, name); len(gh) > 0 {
		return "github", gh, nil
	}
	cands := append(append(append(slices.Sorted(maps.Keys(cfg.Groups)), slices.Sorted(maps.Keys(cfg.Apps))...), slices.Sorted(maps.Keys(cfg.Roles))...), slices.Sorted(maps.Keys(okta))...)
	cands = append(append(cands, slices.Sorted(maps.Keys(gitlab))...), slices.Sorted(maps.Keys(githubNames(cfg)))...)
	return "", nil, &UnknownError{Kind: "group", Name: name, Suggestion: schema.Suggest(name, cands)}
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
	for _, id := range slices.Sorted(maps.Keys(byUser)) {
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
	for _, id := range slices.Sorted(maps.Keys(byUser)) {
		out = append(out, *byUser[id])
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].User.ID < out[j].User.ID })
	return out
}
