package query

import (
	"maps"
	"slices"
	"time"

	"github.com/access-as-code/access/schema"
)

// OwnedResult answers "which groups, roles and apps do I administer". An
// admin (access.yaml admins) may approve everything; Admin says so, and the
// lists still show only what the person owns by name or through a role or app.
type OwnedResult struct {
	User   UserRef     `json:"user"`
	At     time.Time   `json:"at"`
	Admin  bool        `json:"admin"`
	Groups []OwnedItem `json:"groups"`
	Roles  []OwnedItem `json:"roles"`
	Apps   []OwnedItem `json:"apps"`
}

// OwnedItem is one thing administered and every way the person owns it.
type OwnedItem struct {
	Name string     `json:"name"`
	Via  []OwnerVia `json:"via"`
}

// OwnerVia is one reason a person owns something: named as an owner
// (kind "direct"), member of an owning role (kind "role"), or owner of the
// group's app (kind "app", itself direct or through Role).
type OwnerVia struct {
	Kind string `json:"kind"`
	Role string `json:"role,omitempty"`
	App  string `json:"app,omitempty"`
}

// String renders a reason for tables.
func (v OwnerVia) String() string {
	switch v.Kind {
	case "role":
		return "role " + v.Role
	case "app":
		if v.Role != "" {
			return "app " + v.App + " (role " + v.Role + ")"
		}
		return "app " + v.App
	}
	return "owner"
}

// OwnedBy lists what user administers at d.Now.
func OwnedBy(cfg *schema.Config, d *schema.Desired, user string) (*OwnedResult, error) {
	u, err := FindUser(cfg, user)
	if err != nil {
		return nil, err
	}
	res := &OwnedResult{User: refOf(u), At: d.Now, Admin: slices.Contains(cfg.Settings.Admins, u.ID),
		Groups: []OwnedItem{}, Roles: []OwnedItem{}, Apps: []OwnedItem{}}
	// ownership through a reference list, direct or through an active role
	owns := func(refs []schema.Ref) []OwnerVia {
		var out []OwnerVia
		for _, r := range refs {
			switch {
			case r.User != "" && r.User == u.ID:
				out = append(out, OwnerVia{Kind: "direct"})
			case r.Role != "":
				if role, ok := cfg.Roles[r.Role]; ok {
					if _, ok := roleEntry(role, u.ID, d.Now); ok {
						out = append(out, OwnerVia{Kind: "role", Role: r.Role})
					}
				}
			}
		}
		return out
	}
	appVia := map[string][]OwnerVia{}
	for _, name := range slices.Sorted(maps.Keys(cfg.Apps)) {
		if v := owns(cfg.Apps[name].Owners); len(v) > 0 {
			appVia[name] = v
			res.Apps = append(res.Apps, OwnedItem{Name: name, Via: v})
		}
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.Roles)) {
		if v := owns(cfg.Roles[name].Owners); len(v) > 0 {
			res.Roles = append(res.Roles, OwnedItem{Name: name, Via: v})
		}
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.Groups)) {
		g := cfg.Groups[name]
		v := owns(g.Owners)
		for _, av := range appVia[g.App] {
			v = append(v, OwnerVia{Kind: "app", App: g.App, Role: av.Role})
		}
		if len(v) > 0 {
			res.Groups = append(res.Groups, OwnedItem{Name: name, Via: v})
		}
	}
	return res, nil
}
