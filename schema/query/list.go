package query

import (
	"github.com/access-as-code/access/schema"
	"maps"
	"slices"
)

// ListKinds are the things `list` can show.
var ListKinds = []string{"groups", "roles", "apps"}

// ListResult answers "what groups and roles are available"; only the slice
// of Kind is set.
type ListResult struct {
	Kind   string      `json:"kind"`
	Groups []GroupInfo `json:"groups,omitempty"`
	Roles  []RoleInfo  `json:"roles,omitempty"`
	Apps   []AppInfo   `json:"apps,omitempty"`
}

// GroupInfo describes one config group.
type GroupInfo struct {
	Name        string         `json:"name"`
	Description string         `json:"description,omitempty"`
	App         string         `json:"app,omitempty"`
	Owners      []schema.Ref   `json:"owners"`
	Approvers   []string       `json:"approvers"` // user ids who may approve changes (compiled owners)
	Members     int            `json:"members"`   // effective members now
	Roles       []string       `json:"roles"`     // roles granted this group
	Okta        string         `json:"okta,omitempty"`
	GitLab      []GitLabTarget `json:"gitlab"`
	GitHub      []GitHubTarget `json:"github"`
	Policy      *schema.Policy `json:"policy,omitempty"`
}

// GitLabTarget is a GitLab group and the level a config group grants there.
type GitLabTarget struct {
	Group  string `json:"group"`
	Access string `json:"access"`
}

// RoleInfo describes one role.
type RoleInfo struct {
	Name        string       `json:"name"`
	Description string       `json:"description,omitempty"`
	Owners      []schema.Ref `json:"owners"`
	Members     int          `json:"members"` // active members now
	Groups      []string     `json:"groups"`  // config groups that grant this role
}

// AppInfo describes one app.
type AppInfo struct {
	Name        string       `json:"name"`
	Description string       `json:"description,omitempty"`
	Owners      []schema.Ref `json:"owners"`
	Groups      []string     `json:"groups"` // config groups with app: NAME
}

// List shows every group, role or app (kind "groups", "roles", "apps"; the
// singular is accepted too), sorted by name.
func List(cfg *schema.Config, d *schema.Desired, kind string) (*ListResult, error) {
	switch kind {
	case "groups", "group":
		return &ListResult{Kind: "groups", Groups: ListGroups(cfg, d)}, nil
	case "roles", "role":
		return &ListResult{Kind: "roles", Roles: ListRoles(cfg, d)}, nil
	case "apps", "app":
		return &ListResult{Kind: "apps", Apps: ListApps(cfg)}, nil
	}
	return nil, &UnknownError{Kind: "list kind", Name: kind, Suggestion: schema.Suggest(kind, ListKinds)}
}

// ListGroups describes every config group.
func ListGroups(cfg *schema.Config, d *schema.Desired) []GroupInfo {
	out := make([]GroupInfo, 0, len(cfg.Groups))
	for _, name := range slices.Sorted(maps.Keys(cfg.Groups)) {
		g := cfg.Groups[name]
		gi := GroupInfo{Name: name, Description: g.Description, App: g.App, Owners: nonNil(g.Owners),
			Approvers: nonNilS(d.Owners["group/"+name]), Members: len(d.Groups[name]),
			Roles: []string{}, GitLab: []GitLabTarget{}, GitHub: githubTargets(g), Policy: g.Policy}
		for _, m := range g.Members {
			if m.Role != "" {
				gi.Roles = append(gi.Roles, m.Role)
			}
		}
		if g.Okta != nil {
			gi.Okta = g.Okta.Group
		}
		for _, t := range g.GitLab {
			gi.GitLab = append(gi.GitLab, GitLabTarget{Group: t.Group, Access: string(t.Access)})
		}
		out = append(out, gi)
	}
	return out
}

// ListRoles describes every role.
func ListRoles(cfg *schema.Config, d *schema.Desired) []RoleInfo {
	grants := map[string][]string{}
	for _, g := range slices.Sorted(maps.Keys(cfg.Groups)) {
		for _, m := range cfg.Groups[g].Members {
			if m.Role != "" {
				grants[m.Role] = append(grants[m.Role], g)
			}
		}
	}
	out := make([]RoleInfo, 0, len(cfg.Roles))
	for _, name := range slices.Sorted(maps.Keys(cfg.Roles)) {
		r := cfg.Roles[name]
		active := map[string]bool{}
		for _, m := range r.Members {
			if m.User != "" && !m.Expired(d.Now) {
				active[m.User] = true
			}
		}
		out = append(out, RoleInfo{Name: name, Description: r.Description, Owners: nonNil(r.Owners),
			Members: len(active), Groups: nonNilS(grants[name])})
	}
	return out
}

// ListApps describes every app.
func ListApps(cfg *schema.Config) []AppInfo {
	groups := map[string][]string{}
	for _, g := range slices.Sorted(maps.Keys(cfg.Groups)) {
		if a := cfg.Groups[g].App; a != "" {
			groups[a] = append(groups[a], g)
		}
	}
	out := make([]AppInfo, 0, len(cfg.Apps))
	for _, name := range slices.Sorted(maps.Keys(cfg.Apps)) {
		a := cfg.Apps[name]
		out = append(out, AppInfo{Name: name, Description: a.Description, Owners: nonNil(a.Owners), Groups: nonNilS(groups[name])})
	}
	return out
}

func nonNil(r []schema.Ref) []schema.Ref {
	if r == nil {
		return []schema.Ref{}
	}
	return r
}

func nonNilS(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
