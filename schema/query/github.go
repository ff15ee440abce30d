package query

import (
	"maps"
	"slices"
	"strings"

	"github.com/access-as-code/access/schema"
)

// GitHubAccess is one GitHub org ("ORG") or team ("ORG/TEAM") a person is to
// be in, with the effective (highest) role and every config group that
// contributes a role there.
type GitHubAccess struct {
	Name        string `json:"name"` // ORG or ORG/TEAM, as in plan JSON
	Role        string `json:"role"` // org: member|admin; team: member|maintainer
	ConfigGroup string `json:"config_group"`
	// Implied: an org membership that comes only from teams of the org.
	Implied bool  `json:"implied,omitempty"`
	Via     []Via `json:"via"` // each contributing config group and its role
}

// GitHubTarget is a GitHub org or team and the role a config group grants.
type GitHubTarget struct {
	Org    string `json:"org"`
	Team   string `json:"team,omitempty"`
	Role   string `json:"role"`
	Parent string `json:"parent,omitempty"`
}

func githubTargets(g *schema.Group) []GitHubTarget {
	out := make([]GitHubTarget, 0, len(g.GitHub))
	for _, t := range g.GitHub {
		out = append(out, GitHubTarget{Org: t.Org, Team: t.Team, Role: string(t.Role), Parent: t.Parent})
	}
	return out
}

// githubKey is the Desired.GitHub key of a group's target: the org as
// access.yaml's github.orgs writes it, then "/TEAM" for a team.
func githubKey(d *schema.Desired, t schema.GitHubTarget) (org, key string) {
	org = t.Org
	if _, ok := d.GitHub.Orgs[org]; !ok {
		for o := range d.GitHub.Orgs {
			if strings.EqualFold(o, t.Org) {
				org = o
				break
			}
		}
	}
	if t.Team == "" {
		return org, org
	}
	return org, org + "/" + t.Team
}

// githubAccess lists the GitHub orgs and teams user u is to be in; held are
// the config groups the person holds now.
func githubAccess(cfg *schema.Config, d *schema.Desired, u *schema.User, held []GroupAccess) []GitHubAccess {
	via := map[string][]Via{}
	for _, ga := range held {
		g := cfg.Groups[ga.Group]
		if g == nil {
			continue
		}
		for _, t := range g.GitHub {
			org, key := githubKey(d, t)
			via[key] = append(via[key], Via{Group: ga.Group, Level: string(t.Role), Until: ga.Until})
			if t.Team != "" {
				via[org] = append(via[org], Via{Group: ga.Group, Level: string(schema.GitHubMember) + " (team " + t.Team + ")", Until: ga.Until})
			}
		}
	}
	out := []GitHubAccess{}
	for _, key := range slices.Sorted(maps.Keys(via)) {
		var gr schema.GitHubGrant
		var ok bool
		if t := d.GitHub.Teams[key]; t != nil {
			gr, ok = t.Members[u.ID]
		} else if o := d.GitHub.Orgs[key]; o != nil {
			gr, ok = o.Members[u.ID]
		}
		if !ok {
			continue
		}
		out = append(out, GitHubAccess{Name: key, Role: string(gr.Role), ConfigGroup: gr.ConfigGroup, Implied: gr.Implied, Via: via[key]})
	}
	return out
}

// githubHeld resolves name as a GitHub org or "ORG/TEAM" some group grants;
// it returns the config groups granting it (a team's groups count for its
// org), sorted.
func githubHeld(cfg *schema.Config, name string) []string {
	var groups []string
	for _, gn := range slices.Sorted(maps.Keys(cfg.Groups)) {
		for _, t := range cfg.Groups[gn].GitHub {
			if strings.EqualFold(t.Org, name) || t.Team != "" && strings.EqualFold(t.Org+"/"+t.Team, name) {
				groups = append(groups, gn)
				break
			}
		}
	}
	return groups
}

// githubNames are every org and ORG/TEAM the groups grant, for suggestions.
func githubNames(cfg *schema.Config) map[string]bool {
	out := map[string]bool{}
	for _, g := range cfg.Groups {
		for _, t := range g.GitHub {
			out[t.Org] = true
			if t.Team != "" {
				out[t.Org+"/"+t.Team] = true
			}
		}
	}
	return out
}

// githubHolders fills res for a GitHub org or team: the people the desired
// state puts there, with their effective role and each group's role.
func githubHolders(cfg *schema.Config, d *schema.Desired, users map[string]*schema.User, res *WhoHasResult) {
	var members map[string]schema.GitHubGrant
	for key, t := range d.GitHub.Teams {
		if strings.EqualFold(key, res.Name) {
			members = t.Members
		}
	}
	if members == nil {
		for key, o := range d.GitHub.Orgs {
			if strings.EqualFold(key, res.Name) {
				members = o.Members
			}
		}
	}
	isTeam := strings.Contains(res.Name, "/")
	roles := map[string]string{} // config group -> role it grants here
	for _, g := range res.Groups {
		for _, t := range cfg.Groups[g].GitHub {
			switch {
			case isTeam && t.Team != "" && strings.EqualFold(t.Org+"/"+t.Team, res.Name):
				roles[g] = string(t.Role)
			case !isTeam && strings.EqualFold(t.Org, res.Name) && t.Team == "":
				roles[g] = string(t.Role)
			case !isTeam && strings.EqualFold(t.Org, res.Name) && roles[g] == "":
				roles[g] = string(schema.GitHubMember) + " (team " + t.Team + ")"
			}
		}
	}
	res.Members = holdersOf(d, users, res.Groups, func(id string) (bool, string) {
		gr, ok := members[id]
		return ok, string(gr.Role)
	})
	for i := range res.Members {
		for j := range res.Members[i].Via {
			res.Members[i].Via[j].Level = roles[res.Members[i].Via[j].Group]
		}
	}
}
