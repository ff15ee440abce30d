package reconcile

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/access-as-code/access/schema"
)

// githubEntry is one entry of a group file's github list.
type githubEntry struct {
	org, team, role, parent string
}

// dumpGitHub turns live GitHub orgs ("ORG") and teams ("ORG/TEAM") into
// group files: per org one granting admin and one granting member; per team
// one granting member and, where it has maintainers, one granting
// maintainer. Protected logins are left out; everyone else is dumped,
// guarded members included (they are real admins).
func dumpGitHub(pp *people, obs *Observed, o DumpOptions) ([]dumpGroup, []Warning) {
	var groups []dumpGroup
	var warns []Warning
	for _, name := range slices.Sorted(maps.Keys(obs.Groups)) {
		og := obs.Groups[name]
		org, team, isTeam := strings.Cut(name, "/")
		if !og.Exists {
			warns = append(warns, Warning{Kind: "not_found", Target: "github", Group: name, Message: "GitHub " + name + " does not exist; not dumped"})
			continue
		}
		if og.Unmanageable != "" {
			warns = append(warns, Warning{Kind: "unmanageable", Target: "github", Group: name, Message: "GitHub team " + name + " is not dumped: " + og.Unmanageable})
			continue
		}
		byRole := map[string][]string{}
		for _, id := range slices.Sorted(maps.Keys(og.Members)) {
			m := og.Members[id]
			if isProtected(o.Protected["github"], m.Login) {
				continue
			}
			role := o.GitHubCaps.name(m.Level)
			if role == "" {
				role = "member"
			}
			byRole[role] = append(byRole[role], pp.github(m.Login, m.AccountID))
		}
		roles := []string{"admin", "member"}
		if isTeam {
			roles = []string{"maintainer", "member"}
		}
		for _, role := range roles {
			if len(byRole[role]) == 0 && (role != "member" || isTeam && len(byRole["maintainer"]) > 0) {
				continue // an empty team still gets its member file, so it stays managed
			}
			file := slug(name) + "-" + role + "s"
			desc := fmt.Sprintf("Imported from GitHub org %s (%s)", org, role)
			if isTeam {
				file = slug(name)
				if role == "maintainer" {
					file += "-maintainers"
				}
				desc = fmt.Sprintf("Imported from GitHub team %s (%s)", name, role)
			}
			groups = append(groups, dumpGroup{file: file, description: desc, members: byRole[role],
				github: []githubEntry{{org: org, team: team, role: role, parent: o.GitHubParents[name]}}})
		}
	}
	return groups, warns
}

func (g dumpGroup) githubNode() *yaml.Node {
	seq := &yaml.Node{Kind: yaml.SequenceNode}
	for _, e := range g.github {
		t := mapNode()
		addKV(t, "org", strNode(e.org))
		if e.team != "" {
			addKV(t, "team", strNode(e.team))
		}
		if e.role != "" && e.role != "member" {
			addKV(t, "role", strNode(e.role))
		}
		if e.parent != "" {
			addKV(t, "parent", strNode(e.parent))
		}
		seq.Content = append(seq.Content, t)
	}
	return seq
}

// github returns the user id of a GitHub account, matching existing users
// by github_id, then by login; a new person gets an entry with no email
// (none is needed without Okta access).
func (pp *people) github(login, id string) string {
	n, _ := strconv.ParseInt(id, 10, 64)
	for _, u := range pp.list {
		if n != 0 && u.GitHubID == n || strings.EqualFold(u.GitHub, login) {
			if u.GitHubID == 0 {
				u.GitHubID = n
			}
			if u.GitHub == "" {
				u.GitHub = login
			}
			return u.ID
		}
	}
	u := &schema.User{ID: pp.newID(login), GitHub: login, GitHubID: n}
	pp.add(u)
	return u.ID
}

// githubOrgs are the orgs of the dumped GitHub groups, for access.yaml.
func githubOrgs(obs *Observed) []string {
	set := map[string]bool{}
	for name, og := range obs.Groups {
		if og.Exists {
			org, _, _ := strings.Cut(name, "/")
			set[org] = true
		}
	}
	out := make([]string, 0, len(set))
	for o := range set {
		out = append(out, o)
	}
	sort.Strings(out)
	return out
}
