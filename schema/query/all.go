package query

import (
	"maps"
	"slices"

	"github.com/access-as-code/access/schema"
)

// The functions here answer one question for every person or item at once,
// with the same results as calling the single-item function per name. They
// exist for the catalog site, which shows every answer: asking per person
// costs O(people × groups); inverting the compiled state once costs
// O(memberships).

// AccessOfAll is AccessOf for every person of users.yaml, by user id.
func AccessOfAll(cfg *schema.Config, d *schema.Desired) map[string]*AccessResult {
	roles := map[string][]RoleAccess{}
	for _, name := range slices.Sorted(maps.Keys(cfg.Roles)) {
		best := map[string]schema.Member{}
		for _, m := range cfg.Roles[name].Members {
			if m.User == "" || m.Expired(d.Now) {
				continue
			}
			if b, ok := best[m.User]; !ok || latest(b.Until, m.Until) == m.Until {
				best[m.User] = m
			}
		}
		for id, m := range best {
			roles[id] = append(roles[id], RoleAccess{Role: name, Until: m.Until, Reason: m.Reason})
		}
	}
	groups := map[string][]string{}
	for _, name := range slices.Sorted(maps.Keys(d.Groups)) {
		for id := range d.Groups[name] {
			groups[id] = append(groups[id], name)
		}
	}
	out := make(map[string]*AccessResult, len(cfg.Users))
	for _, u := range cfg.Users {
		if _, seen := out[u.ID]; !seen {
			out[u.ID] = accessOf(cfg, d, u, roles[u.ID], groups[u.ID])
		}
	}
	return out
}

// OwnedByAll is OwnedBy for every person of users.yaml, by user id.
func OwnedByAll(cfg *schema.Config, d *schema.Desired) map[string]*OwnedResult {
	active := map[string][]string{} // role -> its active members, sorted, once each
	for name, r := range cfg.Roles {
		seen := map[string]bool{}
		for _, m := range r.Members {
			if m.User != "" && !m.Expired(d.Now) && !seen[m.User] {
				seen[m.User] = true
				active[name] = append(active[name], m.User)
			}
		}
		slices.Sort(active[name])
	}
	out := make(map[string]*OwnedResult, len(cfg.Users))
	for _, u := range cfg.Users {
		if _, seen := out[u.ID]; !seen {
			out[u.ID] = &OwnedResult{User: refOf(u), At: d.Now, Admin: slices.Contains(cfg.Settings.Admins, u.ID),
				Groups: []OwnedItem{}, Roles: []OwnedItem{}, Apps: []OwnedItem{}}
		}
	}
	// owns gives, per user, the reasons refs make them an owner, in refs order.
	owns := func(refs []schema.Ref) map[string][]OwnerVia {
		vias := map[string][]OwnerVia{}
		for _, r := range refs {
			switch {
			case r.User != "":
				vias[r.User] = append(vias[r.User], OwnerVia{Kind: "direct"})
			case r.Role != "":
				for _, id := range active[r.Role] {
					vias[id] = append(vias[id], OwnerVia{Kind: "role", Role: r.Role})
				}
			}
		}
		return vias
	}
	add := func(list func(*OwnedResult) *[]OwnedItem, name string, vias map[string][]OwnerVia) {
		for _, id := range slices.Sorted(maps.Keys(vias)) {
			if res, ok := out[id]; ok {
				l := list(res)
				*l = append(*l, OwnedItem{Name: name, Via: vias[id]})
			}
		}
	}
	appVia := map[string]map[string][]OwnerVia{}
	for _, name := range slices.Sorted(maps.Keys(cfg.Apps)) {
		appVia[name] = owns(cfg.Apps[name].Owners)
		add(func(r *OwnedResult) *[]OwnedItem { return &r.Apps }, name, appVia[name])
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.Roles)) {
		add(func(r *OwnedResult) *[]OwnedItem { return &r.Roles }, name, owns(cfg.Roles[name].Owners))
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.Groups)) {
		g := cfg.Groups[name]
		vias := owns(g.Owners)
		for id, avs := range appVia[g.App] {
			for _, av := range avs {
				vias[id] = append(vias[id], OwnerVia{Kind: "app", App: g.App, Role: av.Role})
			}
		}
		add(func(r *OwnedResult) *[]OwnedItem { return &r.Groups }, name, vias)
	}
	return out
}

// WhoHasEach is WhoHas for each name, sharing the work every call repeats.
func WhoHasEach(cfg *schema.Config, d *schema.Desired, names []string) ([]*WhoHasResult, error) {
	users := userIndex(cfg)
	out := make([]*WhoHasResult, 0, len(names))
	for _, n := range names {
		res, err := whoHas(cfg, d, users, n)
		if err != nil {
			return nil, err
		}
		out = append(out, res)
	}
	return out, nil
}
