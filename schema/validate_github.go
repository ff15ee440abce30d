package schema

import (
	"sort"
	"strconv"
	"strings"
)

// githubIDs checks that github_id pins one account and comes with a login.
func (v *validator) githubIDs() {
	seen := map[int64]*User{}
	for i, u := range v.c.Users {
		if u.GitHubID == 0 {
			continue
		}
		f := fieldPath("users", i, u.index, "github_id")
		if prev, dup := seen[u.GitHubID]; dup {
			v.add(u.posOf("github_id"), f, "GitHub user id %d is already used by user %q (line %d)", u.GitHubID, prev.ID, prev.Pos.Line)
		} else {
			seen[u.GitHubID] = u
		}
		if u.GitHub == "" {
			v.add(u.posOf("github_id"), f, "github_id is set but github is not: add the GitHub login of account %d", u.GitHubID)
		}
	}
}

// oktaLogins rejects granting a group with an Okta target to a person who
// has no Okta login: neither email nor okta in users.yaml.
func (v *validator) oktaLogins(g *Group) {
	noLogin := func(id string) *User {
		if u := v.ids[id]; u != nil && u.OktaLogin() == "" {
			return u
		}
		return nil
	}
	for i, m := range g.Members {
		if m.Expired(v.now) {
			continue
		}
		f := fieldPath("members", i, m.index, "")
		if m.User != "" {
			if u := noLogin(m.User); u != nil {
				v.add(m.Pos, f, "user %q has no Okta login (no email or okta at users.yaml line %d), but this group manages Okta group %q: add their email or okta login, or grant the access through another group", u.ID, u.Pos.Line, g.Okta.Group)
			}
			continue
		}
		r := v.c.Roles[m.Role]
		if r == nil {
			continue
		}
		var who []string
		for _, rm := range r.Members {
			if u := noLogin(rm.User); u != nil && !rm.Expired(v.now) {
				who = append(who, u.ID+" (users.yaml line "+strconv.Itoa(u.Pos.Line)+")")
			}
		}
		if len(who) > 0 {
			v.add(m.Pos, f, "role %q includes people without an Okta login (no email or okta): %s, but this group manages Okta group %q", m.Role, strings.Join(who, ", "), g.Okta.Group)
		}
	}
}

// teamParent is where a team's parent is declared.
type teamParent struct {
	parent string
	pos    Pos
	field  string
}

// github checks the groups' GitHub entries against access.yaml's orgs, each
// entry once per file, one parent per team and no cycle of parents.
func (v *validator) github() {
	gs := v.c.Settings.GitHub
	orgs := make(map[string]string, len(gs.Orgs))
	for i, o := range gs.Orgs {
		k := strings.ToLower(o)
		if _, dup := orgs[k]; dup {
			pos := v.c.Settings.Pos
			if i < len(gs.orgPos) {
				pos = gs.orgPos[i]
			}
			v.add(pos, "github.orgs["+strconv.Itoa(i)+"]", "organization %q is listed twice", o)
		}
		orgs[k] = o
	}
	parents := map[string]teamParent{} // "org/team", lower case
	for _, name := range v.c.GroupNames() {
		g := v.c.Groups[name]
		inFile := map[string]int{}
		for i, t := range g.GitHub {
			f := fieldPath("github", i, 0, "")
			org, ok := orgs[strings.ToLower(t.Org)]
			if !ok && !v.info.broken["access.yaml"] { // a broken access.yaml already reported
				v.add(t.posOf("org"), f+".org", "GitHub organization %q is not in github.orgs of access.yaml%s: list it there to govern it", t.Org, suggest(t.Org, gs.Orgs))
			}
			if !ok {
				org = t.Org
			}
			key := strings.ToLower(org)
			if t.Team != "" {
				key += "/" + t.Team
			}
			if prev, dup := inFile[key]; dup {
				v.add(t.Pos, f, "%s is already granted by github[%d] of this file: one entry per org or team, with the highest role", githubName(org, t.Team), prev)
				continue
			}
			inFile[key] = i
			if t.Parent == "" {
				continue
			}
			if prev, ok := parents[key]; ok && prev.parent != t.Parent {
				v.add(t.posOf("parent"), f+".parent", "%s already has parent %q in %s:%d; a team has one parent", githubName(org, t.Team), prev.parent, prev.pos.File, prev.pos.Line)
				continue
			}
			if _, ok := parents[key]; !ok {
				parents[key] = teamParent{parent: t.Parent, pos: t.posOf("parent"), field: f + ".parent"}
			}
		}
	}
	v.parentCycles(parents)
}

// parentCycles reports each cycle of team parents once, at the first team
// of the cycle by name.
func (v *validator) parentCycles(parents map[string]teamParent) {
	keys := make([]string, 0, len(parents))
	for k := range parents {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	reported := map[string]bool{}
	for _, start := range keys {
		if reported[start] {
			continue
		}
		org := start[:strings.IndexByte(start, '/')]
		chain := []string{start}
		at := start
		for steps := 0; steps <= len(parents); steps++ {
			p, ok := parents[at]
			if !ok {
				break
			}
			at = org + "/" + p.parent
			if at == start {
				for _, k := range chain {
					reported[k] = true
				}
				names := make([]string, 0, len(chain)+1)
				for _, k := range chain {
					names = append(names, k[len(org)+1:])
				}
				names = append(names, start[len(org)+1:])
				v.add(parents[start].pos, parents[start].field, "teams of %s form a cycle of parents: %s", org, strings.Join(names, " -> "))
				break
			}
			if contains(chain, at) {
				break // a cycle that does not include start; reported from its own first team
			}
			chain = append(chain, at)
		}
	}
}

func githubName(org, team string) string {
	if team == "" {
		return "organization " + strconv.Quote(org)
	}
	return "team " + strconv.Quote(org+"/"+team)
}
