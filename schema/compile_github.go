package schema

import (
	"sort"
	"strings"
)

// githubCompiler builds Desired.GitHub group by group.
type githubCompiler struct {
	d    *GitHubDesired
	orgs map[string]string // lower case -> as written in github.orgs
}

func newGitHubCompiler(cfg *Config, d *Desired) *githubCompiler {
	d.GitHub = GitHubDesired{Orgs: map[string]*GitHubOrg{}, Teams: map[string]*GitHubTeam{}, NoLogin: map[string][]string{}}
	c := &githubCompiler{d: &d.GitHub, orgs: make(map[string]string, len(cfg.Settings.GitHub.Orgs))}
	for _, o := range cfg.Settings.GitHub.Orgs {
		if _, ok := c.orgs[strings.ToLower(o)]; !ok {
			c.orgs[strings.ToLower(o)] = o
			c.org(o)
		}
	}
	return c
}

// org returns the org's entry, creating it.
func (c *githubCompiler) org(name string) *GitHubOrg {
	o := c.d.Orgs[name]
	if o == nil {
		o = &GitHubOrg{Members: map[string]GitHubGrant{}}
		c.d.Orgs[name] = o
	}
	return o
}

// add grants target t of group g to the group's current members. A team
// grant also makes the person an org member (implied, role member).
func (c *githubCompiler) add(g *Group, t GitHubTarget, ids []string, grants map[string]*Grant, users map[string]*User) {
	orgName, ok := c.orgs[strings.ToLower(t.Org)]
	if !ok {
		orgName = t.Org // not governed: validation rejects it; kept visible here
		c.orgs[strings.ToLower(t.Org)] = orgName
	}
	org := c.org(orgName)
	var team *GitHubTeam
	if t.Team == "" {
		org.Managed = true
	} else {
		key := orgName + "/" + t.Team
		team = c.d.Teams[key]
		if team == nil {
			team = &GitHubTeam{Org: orgName, Slug: t.Team, Members: make(map[string]GitHubGrant, len(ids))}
			c.d.Teams[key] = team
		}
		if team.Parent == "" {
			team.Parent = t.Parent
		}
		if n := len(team.Groups); n == 0 || team.Groups[n-1] != g.Name {
			team.Groups = append(team.Groups, g.Name) // groups come in name order
		}
	}
	for _, id := range ids {
		u := users[id]
		if u.GitHub == "" {
			if l := c.d.NoLogin[id]; len(l) == 0 || l[len(l)-1] != g.Name {
				c.d.NoLogin[id] = append(l, g.Name)
			}
			continue
		}
		gr := GitHubGrant{User: id, Login: u.GitHub, GitHubID: u.GitHubID, Role: t.Role,
			ConfigGroup: g.Name, Until: grants[id].Until, Reason: grants[id].Reason}
		if team == nil {
			putGitHub(org.Members, gr)
			continue
		}
		putGitHub(team.Members, gr)
		gr.Role, gr.Implied = GitHubMember, true
		putGitHub(org.Members, gr)
	}
}

// putGitHub keeps the highest role; at the same role an explicit org grant
// beats an implied one, else the first (group by name) stays.
// At the same role the membership lasts as long as the latest of the grants.
func putGitHub(m map[string]GitHubGrant, gr GitHubGrant) {
	cur, ok := m[gr.User]
	if ok && cur.Role.Rank() == gr.Role.Rank() && endsLater(cur.Until, gr.Until) {
		gr.Until = cur.Until
	}
	if ok && (cur.Role.Rank() > gr.Role.Rank() || cur.Role.Rank() == gr.Role.Rank() && (!cur.Implied || gr.Implied)) {
		if cur.Role.Rank() == gr.Role.Rank() {
			cur.Until = gr.Until // the latest of the two
			m[gr.User] = cur
		}
		return
	}
	m[gr.User] = gr
}

// finish sorts what was collected in group order.
func (c *githubCompiler) finish() {
	for _, t := range c.d.Teams {
		sort.Strings(t.Groups)
	}
}
