package query

import (
	"maps"
	"slices"
	"time"

	"github.com/access-as-code/access/schema"
)

// AccessResult answers "what do I have access to": every config group, role,
// app and target a person holds at At, and through what.
type AccessResult struct {
	User   UserRef        `json:"user"`
	At     time.Time      `json:"at"`
	Roles  []RoleAccess   `json:"roles"`
	Groups []GroupAccess  `json:"groups"`
	Apps   []AppAccess    `json:"apps"`
	Okta   []OktaAccess   `json:"okta"`
	GitLab []GitLabAccess `json:"gitlab"`
	GitHub []GitHubAccess `json:"github"`
	// Notes explain gaps, such as GitLab groups not granted because the
	// person has no GitLab username in users.yaml.
	Notes []string `json:"notes,omitempty"`
}

// RoleAccess is an active role membership.
type RoleAccess struct {
	Role   string     `json:"role"`
	Until  *time.Time `json:"until,omitempty"`
	Reason string     `json:"reason,omitempty"`
}

// GroupAccess is one config group held.
type GroupAccess struct {
	Group       string     `json:"group"`
	Description string     `json:"description,omitempty"`
	App         string     `json:"app,omitempty"`
	Until       *time.Time `json:"until,omitempty"`
	Via         []Via      `json:"via"`
}

// AppAccess is an app reached through some of its groups.
type AppAccess struct {
	App    string   `json:"app"`
	Groups []string `json:"groups"`
}

// OktaAccess is one Okta group the person is to be in.
type OktaAccess struct {
	Group       string `json:"group"`
	ConfigGroup string `json:"config_group"`
}

// GitLabAccess is one GitLab group with the effective (highest) level, and
// every config group that contributes a level there.
type GitLabAccess struct {
	Group       string `json:"group"`
	Level       string `json:"level"`
	ConfigGroup string `json:"config_group"` // the one giving the highest level
	Via         []Via  `json:"via"`          // each contributing config group and its level
}

// AccessOf lists everything user (any identifier of users.yaml) holds at d.Now.
func AccessOf(cfg *schema.Config, d *schema.Desired, user string) (*AccessResult, error) {
	u, err := FindUser(cfg, user)
	if err != nil {
		return nil, err
	}
	var roles []RoleAccess
	for _, name := range slices.Sorted(maps.Keys(cfg.Roles)) {
		if m, ok := roleEntry(cfg.Roles[name], u.ID, d.Now); ok {
			roles = append(roles, RoleAccess{Role: name, Until: m.Until, Reason: m.Reason})
		}
	}
	var groups []string
	for _, name := range slices.Sorted(maps.Keys(d.Groups)) {
		if _, ok := d.Groups[name][u.ID]; ok {
			groups = append(groups, name)
		}
	}
	return accessOf(cfg, d, u, roles, groups), nil
}

// accessOf builds u's answer from their active roles (sorted) and the
// config groups they hold (sorted).
func accessOf(cfg *schema.Config, d *schema.Desired, u *schema.User, roles []RoleAccess, groups []string) *AccessResult {
	res := &AccessResult{User: refOf(u), At: d.Now, Roles: []RoleAccess{}, Groups: []GroupAccess{},
		Apps: []AppAccess{}, Okta: []OktaAccess{}, GitLab: []GitLabAccess{}, GitHub: []GitHubAccess{}}
	res.Roles = append(res.Roles, roles...)
	apps := map[string][]string{}
	gitlab := map[string][]Via{}
	for _, name := range groups {
		gr := d.Groups[name][u.ID]
		g := cfg.Groups[name]
		ga := GroupAccess{Group: name, Until: gr.Until, Via: vias(name, gr, "")}
		if g != nil {
			ga.Description, ga.App = g.Description, g.App
			if g.App != "" {
				apps[g.App] = append(apps[g.App], name)
			}
			if g.Okta != nil {
				if _, ok := d.Okta[g.Okta.Group][u.OktaLogin()]; ok {
					res.Okta = append(res.Okta, OktaAccess{Group: g.Okta.Group, ConfigGroup: name})
				}
			}
			for _, t := range g.GitLab {
				gitlab[t.Group] = append(gitlab[t.Group], Via{Group: name, Level: string(t.Access), Until: gr.Until})
			}
		}
		res.Groups = append(res.Groups, ga)
	}
	for _, a := range slices.Sorted(maps.Keys(apps)) {
		res.Apps = append(res.Apps, AppAccess{App: a, Groups: apps[a]})
	}
	for _, path := range slices.Sorted(maps.Keys(gitlab)) {
		gg, ok := d.GitLab[path][u.GitLab]
		if u.GitLab == "" || !ok {
			continue
		}
		res.GitLab = append(res.GitLab, GitLabAccess{Group: path, Level: string(gg.Level), ConfigGroup: gg.ConfigGroup, Via: gitlab[path]})
	}
	if u.GitLab == "" && len(gitlab) > 0 {
		res.Notes = append(res.Notes, "no GitLab username in users.yaml: the GitLab groups of these config groups are not granted")
	}
	res.GitHub = githubAccess(cfg, d, u, res.Groups)
	if u.GitHub == "" && len(d.GitHub.NoLogin[u.ID]) > 0 {
		res.Notes = append(res.Notes, "no GitHub login in users.yaml: the GitHub orgs and teams of these config groups are not granted")
	}
	return res
}
