// Package peribolos reads a peribolos org configuration (the format of
// sigs.k8s.io/prow's pkg/config/org, as kubernetes/org keeps it) and turns
// its membership part into an access-config: people with GitHub logins, and
// one group per org role and per team role. It has its own small strict
// types, so that a field it does not know is an error with file and line
// rather than something silently dropped.
package peribolos

import (
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/access-as-code/access/schema"
)

// Login is a GitHub login as written, with where.
type Login struct {
	Name string
	Pos  schema.Pos
}

// Org is one organization's configuration.
type Org struct {
	Name    string // the org's login: the key under orgs:, or the directory name
	Admins  []Login
	Members []Login
	Teams   map[string]*Team
	// Settings are the org metadata fields that are set (billing_email,
	// description, ...), with where: not membership, so not imported.
	Settings []Field
	Repos    []Field // repos: NAME entries, not imported
	Pos      schema.Pos
}

// Team is one team and its child teams.
type Team struct {
	Name        string // the key: GitHub's team name
	Description string
	Privacy     string // closed, secret or "" (unset)
	Members     []Login
	Maintainers []Login
	Children    map[string]*Team
	Previously  []Login // former names: peribolos renames teams with them
	Repos       []Field // repo permissions: not imported
	Pos         schema.Pos
}

// Field is a key that was read but is not imported, with where.
type Field struct {
	Name string
	Pos  schema.Pos
}

// The keys of each kind of mapping, from prow's pkg/config/org (Config,
// Metadata, TeamMetadata, Team, Repo, RepoCreateOptions JSON tags).
var (
	fullKeys     = []string{"orgs"}
	orgKeys      = []string{"billing_email", "company", "email", "name", "description", "location", "has_organization_projects", "has_repository_projects", "default_repository_permission", "members_can_create_repositories", "teams", "members", "admins", "repos"}
	teamKeys     = []string{"description", "privacy", "members", "maintainers", "teams", "previously", "repos"}
	repoKeys     = []string{"description", "homepage", "visibility", "private", "has_issues", "has_projects", "has_wiki", "allow_squash_merge", "allow_merge_commit", "allow_rebase_merge", "squash_merge_commit_title", "squash_merge_commit_message", "default_branch", "archived", "previously", "collaborators", "on_create"}
	onCreateKeys = []string{"auto_init", "gitignore_template", "license_template"}
	repoLevels   = []string{"read", "triage", "write", "maintain", "admin"}
	privacies    = []string{"closed", "secret"}
)

// parser reads the nodes of one file, collecting errors.
type parser struct {
	file string
	errs []error
}

func (p *parser) at(n *yaml.Node) schema.Pos {
	return schema.Pos{File: p.file, Line: n.Line, Col: n.Column}
}

func (p *parser) errorf(n *yaml.Node, field, format string, args ...any) {
	p.errs = append(p.errs, schema.Errorf(p.at(n), field, format, args...))
}

func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	n = resolve(n)
	return n == nil || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

type pair struct {
	name     string
	key, val *yaml.Node
	path     string
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// mapping returns the pairs of a mapping; unknown keys (with a suggestion)
// and repeated keys are errors. An empty value is an empty mapping.
func (p *parser) mapping(n *yaml.Node, path string, keys []string) []pair {
	r := resolve(n)
	if isNull(r) {
		return nil
	}
	if r.Kind != yaml.MappingNode {
		p.errorf(n, path, "must be a mapping, got %s", kind(r))
		return nil
	}
	seen := map[string]int{}
	var out []pair
	for i := 0; i+1 < len(r.Content); i += 2 {
		k, v := resolve(r.Content[i]), r.Content[i+1]
		if k == nil || k.Kind != yaml.ScalarNode {
			p.errorf(r.Content[i], path, "a key must be a plain word, got %s", kind(k))
			continue
		}
		fp := join(path, k.Value)
		if line, dup := seen[k.Value]; dup {
			p.errorf(k, fp, "duplicate key %q (first at line %d)", k.Value, line)
			continue
		}
		seen[k.Value] = k.Line
		if keys != nil && !contains(keys, k.Value) {
			hint := ""
			if s := schema.Suggest(k.Value, keys); s != "" {
				hint = " (did you mean \"" + s + "\"?)"
			}
			p.errorf(k, fp, "unknown key %q%s; allowed: %s", k.Value, hint, strings.Join(keys, ", "))
			continue
		}
		out = append(out, pair{name: k.Value, key: k, val: v, path: fp})
	}
	return out
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func kind(n *yaml.Node) string {
	switch {
	case n == nil:
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.ShortTag() == "!!null":
		return "an empty value"
	case n.ShortTag() == "!!bool":
		return "true/false"
	case n.ShortTag() == "!!int", n.ShortTag() == "!!float":
		return "a number"
	}
	return "text"
}

// scalar checks that n is a scalar (peribolos's fields are strings and
// booleans) and returns its text.
func (p *parser) scalar(n *yaml.Node, path string) (string, bool) {
	r := resolve(n)
	if isNull(r) {
		return "", true
	}
	if r.Kind != yaml.ScalarNode {
		p.errorf(n, path, "must be a single value, got %s", kind(r))
		return "", false
	}
	return r.Value, true
}

// logins reads a list of GitHub logins.
func (p *parser) logins(n *yaml.Node, path string) []Login {
	r := resolve(n)
	if isNull(r) {
		return nil
	}
	if r.Kind != yaml.SequenceNode {
		p.errorf(n, path, "must be a list of GitHub logins, got %s", kind(r))
		return nil
	}
	out := make([]Login, 0, len(r.Content))
	for i, it := range r.Content {
		ip := path + "[" + strconv.Itoa(i) + "]"
		s, ok := p.scalar(it, ip)
		if !ok {
			continue
		}
		if !schema.ValidGitHubLogin(s) {
			p.errorf(it, ip, "%q is not a GitHub login", s)
			continue
		}
		out = append(out, Login{Name: s, Pos: p.at(resolve(it))})
	}
	return out
}

// org reads one org's mapping: org.yaml, or an entry under orgs:.
func (p *parser) org(n *yaml.Node, path, name string) *Org {
	o := &Org{Name: name, Teams: map[string]*Team{}, Pos: p.at(n)}
	for _, f := range p.mapping(n, path, orgKeys) {
		switch f.name {
		case "admins":
			o.Admins = p.logins(f.val, f.path)
		case "members":
			o.Members = p.logins(f.val, f.path)
		case "teams":
			p.teams(f.val, f.path, o.Teams)
		case "repos":
			for _, r := range p.mapping(f.val, f.path, nil) {
				p.repo(r)
				o.Repos = append(o.Repos, Field{Name: r.name, Pos: p.at(r.key)})
			}
		default:
			if _, ok := p.scalar(f.val, f.path); ok && !isNull(f.val) {
				o.Settings = append(o.Settings, Field{Name: f.name, Pos: p.at(f.key)})
			}
		}
	}
	return o
}

// repo checks a repos: entry's keys; its content is not imported.
func (p *parser) repo(r pair) {
	for _, f := range p.mapping(r.val, r.path, repoKeys) {
		switch f.name {
		case "on_create":
			for _, g := range p.mapping(f.val, f.path, onCreateKeys) {
				p.scalar(g.val, g.path)
			}
		case "collaborators":
			for _, g := range p.mapping(f.val, f.path, nil) {
				p.level(g)
			}
		case "previously":
			p.logins(f.val, f.path)
		default:
			p.scalar(f.val, f.path)
		}
	}
}

func (p *parser) level(f pair) {
	if s, ok := p.scalar(f.val, f.path); ok && !contains(repoLevels, s) {
		p.errorf(f.val, f.path, "unknown permission %q; one of %s", s, strings.Join(repoLevels, ", "))
	}
}

// teams reads a teams: mapping (name -> team) into into.
func (p *parser) teams(n *yaml.Node, path string, into map[string]*Team) {
	for _, f := range p.mapping(n, path, nil) {
		if f.name == "" {
			p.errorf(f.key, f.path, "a team needs a name")
			continue
		}
		into[f.name] = p.team(f)
	}
}

func (p *parser) team(f pair) *Team {
	t := &Team{Name: f.name, Children: map[string]*Team{}, Pos: p.at(f.key)}
	for _, g := range p.mapping(f.val, f.path, teamKeys) {
		switch g.name {
		case "description":
			t.Description, _ = p.scalar(g.val, g.path)
		case "privacy":
			s, ok := p.scalar(g.val, g.path)
			if ok && s != "" && !contains(privacies, s) {
				p.errorf(g.val, g.path, "unknown privacy %q; one of closed, secret", s)
				ok = false
			}
			if ok {
				t.Privacy = s
			}
		case "members":
			t.Members = p.logins(g.val, g.path)
		case "maintainers":
			t.Maintainers = p.logins(g.val, g.path)
		case "teams":
			p.teams(g.val, g.path, t.Children)
		case "previously":
			t.Previously = p.names(g.val, g.path)
		case "repos":
			for _, r := range p.mapping(g.val, g.path, nil) {
				p.level(r)
				t.Repos = append(t.Repos, Field{Name: r.name, Pos: p.at(r.key)})
			}
		}
	}
	return t
}

// names reads a list of team names (previously:).
func (p *parser) names(n *yaml.Node, path string) []Login {
	r := resolve(n)
	if isNull(r) {
		return nil
	}
	if r.Kind != yaml.SequenceNode {
		p.errorf(n, path, "must be a list of former team names, got %s", kind(r))
		return nil
	}
	var out []Login
	for i, it := range r.Content {
		if s, ok := p.scalar(it, path+"["+strconv.Itoa(i)+"]"); ok {
			out = append(out, Login{Name: s, Pos: p.at(resolve(it))})
		}
	}
	return out
}
