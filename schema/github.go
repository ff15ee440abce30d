package schema

import (
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// The roles each kind of GitHub entry takes, the default first.
var (
	githubOrgRoles  = []string{string(GitHubMember), string(GitHubAdmin)}
	githubTeamRoles = []string{string(GitHubMember), string(GitHubMaintainer)}
)

func (d *dec) githubSettings(f field, s *GitHubSettings) {
	for _, g := range d.fields(f, githubSettingsKeys) {
		switch g.name {
		case "api_url":
			s.APIURL, _ = d.str(g.val, g.path)
		case "graphql_url":
			s.GraphQLURL, _ = d.str(g.val, g.path)
		case "repo":
			s.Repo, _ = d.str(g.val, g.path)
		case "orgs":
			items, _ := d.list(g.val, g.path, "GitHub organization names")
			for i, it := range items {
				p := idx(g.path, i)
				name, ok := d.reqStr(it, p)
				if !ok {
					continue
				}
				if !validGitHubOrg(name) {
					d.errorf(it, p, "%q is not a GitHub organization name (letters, digits and single '-', at most 39)", name)
					continue
				}
				s.Orgs = append(s.Orgs, name)
				s.orgPos = append(s.orgPos, d.at(it))
			}
		case "team_sync":
			s.TeamSync, _ = d.boolean(g.val, g.path)
		case "min_admins":
			if v, ok := d.integer(g.val, g.path); ok {
				if v < 1 {
					d.errorf(g.val, g.path, "must be 1 or more (the admins an org always keeps), got %d", v)
				} else {
					s.MinAdmins = v
				}
			}
		}
	}
}

// githubTargets decodes a group's github list: {org, team, role, parent}.
func (d *dec) githubTargets(f field) []GitHubTarget {
	items, _ := d.list(f.val, f.path, "{org: NAME, team: SLUG, role: ROLE}")
	out := make([]GitHubTarget, 0, len(items))
	for i, it := range items {
		p := idx(f.path, i)
		fields, ok := d.mapping(it, p, githubTargetKeys, nil)
		if !ok {
			continue
		}
		t := GitHubTarget{Pos: d.at(it), at: make(map[string]Pos, len(fields))}
		good := true
		var roleNode *yaml.Node
		var rolePath string
		for _, g := range fields {
			t.at[g.name] = d.at(g.val)
			switch g.name {
			case "org":
				name, ok := d.reqStr(g.val, g.path)
				if ok && !validGitHubOrg(name) {
					d.errorf(g.val, g.path, "%q is not a GitHub organization name (letters, digits and single '-', at most 39)", name)
					ok = false
				}
				t.Org, good = name, good && ok
			case "team":
				slug, ok := d.reqStr(g.val, g.path)
				if ok && !validTeamSlug(slug) {
					d.errorf(g.val, g.path, "%q is not a team slug (lowercase letters, digits, '-' and '_'): write the slug GitHub shows in the team's URL, e.g. %q", slug, TeamSlug(slug))
					ok = false
				}
				t.Team, good = slug, good && ok
			case "parent":
				slug, ok := d.reqStr(g.val, g.path)
				if ok && !validTeamSlug(slug) {
					d.errorf(g.val, g.path, "%q is not a team slug (lowercase letters, digits, '-' and '_'), e.g. %q", slug, TeamSlug(slug))
					ok = false
				}
				t.Parent, good = slug, good && ok
			case "role":
				s, ok := d.reqStr(g.val, g.path)
				t.Role, good, roleNode, rolePath = GitHubRole(s), good && ok, g.val, g.path
			}
		}
		if !hasField(fields, "org") {
			d.errorf(it, sub(p, "org"), "missing org: the GitHub organization, one of github.orgs in access.yaml")
			good = false
		}
		roles := githubOrgRoles
		if t.Team != "" || hasField(fields, "team") {
			roles = githubTeamRoles
		}
		switch {
		case t.Role == "" && roleNode == nil:
			t.Role = GitHubMember
		case roleNode != nil && t.Role != "" && !contains(roles, string(t.Role)):
			what := "an org entry (no team)"
			if t.Team != "" {
				what = "a team entry"
			}
			d.errorf(roleNode, rolePath, "unknown role %q for %s%s; one of %s", t.Role, what, suggest(string(t.Role), roles), strings.Join(roles, ", "))
			good = false
		}
		if t.Parent != "" && !hasField(fields, "team") {
			d.errorf(it, sub(p, "parent"), "parent is only for a team entry: add team: SLUG, or remove parent")
			good = false
		}
		if t.Parent != "" && t.Team != "" && strings.EqualFold(t.Parent, t.Team) {
			d.errorf(resolveKeyVal(it, "parent"), sub(p, "parent"), "team %q cannot be its own parent", t.Team)
			good = false
		}
		if good {
			out = append(out, t)
		}
	}
	return out
}

// resolveKeyVal is the value node of key in mapping n, else n.
func resolveKeyVal(n *yaml.Node, key string) *yaml.Node {
	r := resolve(n)
	if r != nil && r.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(r.Content); i += 2 {
			if k := resolve(r.Content[i]); k != nil && k.Value == key {
				return r.Content[i+1]
			}
		}
	}
	return n
}

// integer64 is integer for ids that may exceed 32 bits.
func (d *dec) integer64(n *yaml.Node, path string) (int64, bool) {
	return wholeNumber[int64](d, n, path)
}

// GitHub's username and organization rules (the sign-up form: "may only
// contain alphanumeric characters or single hyphens, and cannot begin or end
// with a hyphen", at most 39 characters). Logins are checked more loosely:
// accounts from before those rules and Enterprise Managed Users ("_short"
// suffix) exist.
var (
	githubOrgRE   = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9]|-[A-Za-z0-9])*$`)
	githubLoginRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)
	teamSlugRE    = regexp.MustCompile(`^[a-z0-9_][a-z0-9_-]*$`)
)

func validGitHubOrg(s string) bool { return len(s) <= 39 && githubOrgRE.MatchString(s) }

func validGitHubLogin(s string) bool { return len(s) <= 100 && githubLoginRE.MatchString(s) }

func validTeamSlug(s string) bool { return len(s) <= 255 && teamSlugRE.MatchString(s) }

// TeamSlug is the slug GitHub gives a team name: lower case, every run of
// other characters than letters, digits and '_' turned into one '-', no
// leading or trailing '-'. "SIG Release" becomes "sig-release".
func TeamSlug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	return b.String()
}

// ValidTeamSlug reports whether s is written as a team slug.
func ValidTeamSlug(s string) bool { return validTeamSlug(s) }

// ValidGitHubLogin reports whether s is accepted as a users.yaml github login.
func ValidGitHubLogin(s string) bool { return validGitHubLogin(s) }
