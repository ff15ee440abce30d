package reconcile

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/access-as-code/access/schema"
)

// DumpOptions steer Dump.
type DumpOptions struct {
	// Existing is the config people are matched against (by okta login,
	// gitlab username, pinned ids); may be nil. Matched people keep their id.
	Existing *schema.Config
	// Owners are the user ids that own every dumped group file.
	Owners []string
	// Protected logins (per target) are never managed, so never dumped.
	Protected map[string][]string
	// GitHub is the live state of GitHub orgs ("ORG") and teams
	// ("ORG/TEAM"), nil when not dumped; GitHubCaps names its levels and
	// GitHubParents gives each team's parent slug.
	GitHub        *Observed
	GitHubCaps    Capabilities
	GitHubParents map[string]string
}

// DumpFile is one file of the generated access-config, relative to its root.
type DumpFile struct {
	Path    string
	Content []byte
}

// Dump turns live state into access-config files: users.yaml and one group
// file per Okta group and per (GitLab group, access level), so that the dump
// validates and a plan against the same live state is empty. Okta logins and
// GitLab usernames are joined into one person when an existing user has both,
// or when the GitLab username equals the Okta login's local part. Ids are
// pinned (okta_id, gitlab_id) so later renames are seen as renames.
// Inherited and rule-made members are not dumped: they are not managed here.
func Dump(oktaObs, gitlabObs *Observed, o DumpOptions) ([]DumpFile, []Warning, error) {
	if len(o.Owners) == 0 {
		return nil, nil, fmt.Errorf("name at least one owner for the dumped groups (--owner ID): a group file needs owners")
	}
	pp := newPeople(o.Existing)
	var groups []dumpGroup
	var warns []Warning
	if oktaObs != nil {
		for _, name := range slices.Sorted(maps.Keys(oktaObs.Groups)) {
			og := oktaObs.Groups[name]
			if !og.Exists {
				warns = append(warns, Warning{Kind: "not_found", Target: "okta", Group: name, Message: "Okta group " + name + " does not exist; not dumped"})
				continue
			}
			g := dumpGroup{file: slug(name), description: "Imported from Okta group " + name, okta: name}
			for _, id := range slices.Sorted(maps.Keys(og.Members)) {
				m := og.Members[id]
				if m.ReadOnly != "" || isProtected(o.Protected["okta"], m.Login) {
					continue
				}
				g.members = append(g.members, pp.okta(m.Login, m.AccountID))
			}
			groups = append(groups, g)
		}
	}
	if gitlabObs != nil {
		for _, path := range slices.Sorted(maps.Keys(gitlabObs.Groups)) {
			og := gitlabObs.Groups[path]
			if !og.Exists {
				warns = append(warns, Warning{Kind: "not_found", Target: "gitlab", Group: path, Message: "GitLab group " + path + " does not exist; not dumped"})
				continue
			}
			byLevel := map[schema.AccessLevel][]string{}
			for _, id := range slices.Sorted(maps.Keys(og.Members)) {
				m := og.Members[id]
				lvl := schema.LevelFromValue(m.Level)
				if m.ReadOnly != "" || isProtected(o.Protected["gitlab"], m.Login) {
					continue
				}
				if lvl.Value() != m.Level {
					warns = append(warns, Warning{Kind: "unsupported_level", Target: "gitlab", Group: path, User: m.Login,
						Message: fmt.Sprintf("%s has access level %d in %s, which a group file cannot name; not dumped", m.Login, m.Level, path)})
					continue
				}
				byLevel[lvl] = append(byLevel[lvl], pp.gitlab(m.Login, m.AccountID))
			}
			for _, lvl := range schema.AccessLevels() {
				if len(byLevel[lvl]) == 0 {
					continue
				}
				groups = append(groups, dumpGroup{file: slug(path) + "-" + string(lvl),
					description: fmt.Sprintf("Imported from GitLab group %s (%s)", path, lvl),
					gitlabPath:  path, gitlabLevel: lvl, members: byLevel[lvl]})
			}
		}
	}
	if o.GitHub != nil {
		gs, ws := dumpGitHub(pp, o.GitHub, o)
		groups, warns = append(groups, gs...), append(warns, ws...)
	}
	files := []DumpFile{{Path: "users.yaml", Content: pp.render()}}
	if o.Existing != nil || o.GitHub != nil {
		var st schema.Settings
		if o.Existing != nil {
			st = o.Existing.Settings
		}
		if o.GitHub != nil {
			st.GitHub.Orgs = slices.Compact(slices.Sorted(slices.Values(append(append([]string(nil), st.GitHub.Orgs...), githubOrgs(o.GitHub)...))))
		}
		files = append(files, DumpFile{Path: "access.yaml", Content: renderSettings(st)})
	}
	used := map[string]bool{}
	for _, g := range groups {
		name := g.file
		for i := 2; used[name]; i++ {
			name = g.file + "-" + strconv.Itoa(i)
		}
		used[name] = true
		files = append(files, DumpFile{Path: "groups/" + name + ".yaml", Content: g.render(o.Owners)})
	}
	return files, warns, nil
}

type dumpGroup struct {
	file, description, okta string
	gitlabPath              string
	gitlabLevel             schema.AccessLevel
	github                  []githubEntry
	members                 []string
}

func (g dumpGroup) render(owners []string) []byte {
	doc := mapNode()
	addKV(doc, "description", strNode(g.description))
	addKV(doc, "owners", flowSeq(owners))
	if g.okta != "" {
		t := mapNode()
		addKV(t, "group", strNode(g.okta))
		addKV(doc, "okta", t)
	}
	if g.gitlabPath != "" {
		t := mapNode()
		addKV(t, "group", strNode(g.gitlabPath))
		addKV(t, "access", strNode(string(g.gitlabLevel)))
		addKV(doc, "gitlab", &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{t}})
	}
	if len(g.github) > 0 {
		addKV(doc, "github", g.githubNode())
	}
	ms := slices.Compact(slices.Sorted(slices.Values(g.members)))
	seq := &yaml.Node{Kind: yaml.SequenceNode}
	for _, m := range ms {
		seq.Content = append(seq.Content, strNode(m))
	}
	addKV(doc, "members", seq)
	return encodeDoc("# yaml-language-server: $schema=../../schema/jsonschema/group.schema.json\n", doc)
}

// people collects users.yaml: existing entries first, then imported ones.
type people struct {
	list     []*schema.User
	byOkta   map[string]*schema.User
	byGitLab map[string]*schema.User
	byLocal  map[string]*schema.User // Okta login's local part, lower case
	ids      map[string]bool
	guessed  map[*schema.User]bool // email is a placeholder
}

func newPeople(existing *schema.Config) *people {
	pp := &people{byOkta: map[string]*schema.User{}, byGitLab: map[string]*schema.User{}, byLocal: map[string]*schema.User{}, ids: map[string]bool{}, guessed: map[*schema.User]bool{}}
	if existing != nil {
		for _, u := range existing.Users {
			c := *u
			pp.add(&c)
		}
	}
	return pp
}

func (pp *people) add(u *schema.User) {
	pp.list = append(pp.list, u)
	pp.ids[u.ID] = true
	if l := u.OktaLogin(); l != "" {
		pp.byOkta[strings.ToLower(l)] = u
		if _, taken := pp.byLocal[localPart(l)]; !taken {
			pp.byLocal[localPart(l)] = u
		}
	}
	if u.GitLab != "" {
		pp.byGitLab[strings.ToLower(u.GitLab)] = u
	}
}

func (pp *people) okta(login, id string) string {
	if u := pp.byOkta[strings.ToLower(login)]; u != nil {
		if u.OktaID == "" {
			u.OktaID = id
		}
		return u.ID
	}
	local := localPart(login)
	if u := pp.byGitLab[local]; u != nil && pp.guessed[u] {
		u.Email, u.OktaID = login, id // the GitLab-only entry was this person
		delete(pp.guessed, u)
		pp.byOkta[strings.ToLower(login)] = u
		return u.ID
	}
	u := &schema.User{ID: pp.newID(local), Email: login, OktaID: id}
	pp.add(u)
	return u.ID
}

func (pp *people) gitlab(username, id string) string {
	n, _ := strconv.Atoi(id)
	if u := pp.byGitLab[strings.ToLower(username)]; u != nil {
		if u.GitLabID == 0 {
			u.GitLabID = n
		}
		return u.ID
	}
	if u := pp.byLocal[strings.ToLower(username)]; u != nil && u.GitLab == "" {
		u.GitLab, u.GitLabID = username, n
		pp.byGitLab[strings.ToLower(username)] = u
		return u.ID
	}
	u := &schema.User{ID: pp.newID(username), Email: username + "@gitlab.invalid", GitLab: username, GitLabID: n}
	pp.guessed[u] = true
	pp.add(u)
	return u.ID
}

func localPart(login string) string { return strings.ToLower(strings.SplitN(login, "@", 2)[0]) }

var nonID = regexp.MustCompile(`[^a-z0-9._-]+`)

func (pp *people) newID(base string) string {
	id := strings.Trim(nonID.ReplaceAllString(strings.ToLower(base), "-"), "-.")
	if id == "" {
		id = "user"
	}
	out := id
	for i := 2; pp.ids[out]; i++ {
		out = id + "-" + strconv.Itoa(i)
	}
	return out
}

func (pp *people) render() []byte {
	seq := &yaml.Node{Kind: yaml.SequenceNode}
	for _, u := range pp.list {
		m := mapNode()
		addKV(m, "id", strNode(u.ID))
		if u.Name != "" {
			addKV(m, "name", strNode(u.Name))
		}
		email := strNode(u.Email)
		if pp.guessed[u] {
			email.LineComment = "placeholder: GitLab did not say; put the real address"
		}
		if u.Email != "" {
			addKV(m, "email", email)
		}
		if u.Okta != "" {
			addKV(m, "okta", strNode(u.Okta))
		}
		for _, kv := range [][2]string{{"gitlab", u.GitLab}, {"github", u.GitHub}, {"okta_id", u.OktaID}} {
			if kv[1] != "" {
				addKV(m, kv[0], strNode(kv[1]))
			}
		}
		if u.GitLabID != 0 {
			addKV(m, "gitlab_id", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(u.GitLabID)})
		}
		if u.GitHubID != 0 {
			addKV(m, "github_id", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(u.GitHubID, 10)})
		}
		seq.Content = append(seq.Content, m)
	}
	doc := mapNode()
	addKV(doc, "users", seq)
	return encodeDoc("# yaml-language-server: $schema=../schema/jsonschema/users.schema.json\n", doc)
}

// renderSettings keeps the settings that hold for any set of groups (URLs,
// admins, protected principals, limits). Policies are left out: they name
// roles and groups that an import does not have.
func renderSettings(st schema.Settings) []byte {
	doc := mapNode()
	for _, kv := range [][3]string{{"okta", "org_url", st.Okta.OrgURL}, {"gitlab", "url", st.GitLab.URL}} {
		if kv[2] != "" {
			m := mapNode()
			addKV(m, kv[1], strNode(kv[2]))
			addKV(doc, kv[0], m)
		}
	}
	if gh := st.GitHub; gh.Repo != "" || gh.APIURL != "" || len(gh.Orgs) > 0 {
		m := mapNode()
		for _, kv := range [][2]string{{"api_url", gh.APIURL}, {"graphql_url", gh.GraphQLURL}, {"repo", gh.Repo}} {
			if kv[1] != "" {
				addKV(m, kv[0], strNode(kv[1]))
			}
		}
		if len(gh.Orgs) > 0 {
			addKV(m, "orgs", flowSeq(gh.Orgs))
		}
		if gh.MinAdmins != 0 && gh.MinAdmins != schema.DefaultMinAdmins {
			addKV(m, "min_admins", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(gh.MinAdmins)})
		}
		addKV(doc, "github", m)
	}
	if len(st.Admins) > 0 {
		addKV(doc, "admins", flowSeq(st.Admins))
	}
	if len(st.Protected.Okta)+len(st.Protected.GitLab)+len(st.Protected.GitHub) > 0 {
		m := mapNode()
		if len(st.Protected.Okta) > 0 {
			addKV(m, "okta", flowSeq(st.Protected.Okta))
		}
		if len(st.Protected.GitLab) > 0 {
			addKV(m, "gitlab", flowSeq(st.Protected.GitLab))
		}
		if len(st.Protected.GitHub) > 0 {
			addKV(m, "github", flowSeq(st.Protected.GitHub))
		}
		addKV(doc, "protected", m)
	}
	if st.Limits.MaxRemovals > 0 || st.Limits.MaxRemovalRatio > 0 {
		m := mapNode()
		if st.Limits.MaxRemovals > 0 {
			addKV(m, "max_removals", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(st.Limits.MaxRemovals)})
		}
		if st.Limits.MaxRemovalRatio > 0 {
			addKV(m, "max_removal_ratio", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: strconv.FormatFloat(st.Limits.MaxRemovalRatio, 'g', -1, 64)})
		}
		addKV(doc, "limits", m)
	}
	if len(doc.Content) == 0 {
		return []byte("# yaml-language-server: $schema=../schema/jsonschema/access.schema.json\n{}\n")
	}
	return encodeDoc("# yaml-language-server: $schema=../schema/jsonschema/access.schema.json\n", doc)
}

func isProtected(list []string, login string) bool {
	for _, p := range list {
		if strings.EqualFold(p, login) {
			return true
		}
	}
	return false
}

func mapNode() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode} }

func strNode(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func addKV(m *yaml.Node, k string, v *yaml.Node) { m.Content = append(m.Content, strNode(k), v) }

func flowSeq(items []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, s := range items {
		n.Content = append(n.Content, strNode(s))
	}
	return n
}

func encodeDoc(header string, doc *yaml.Node) []byte {
	var b strings.Builder
	b.WriteString(header)
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		panic(err) // nodes built above are always encodable
	}
	return []byte(b.String())
}

func slug(s string) string {
	out := strings.Trim(nonID.ReplaceAllString(strings.ToLower(strings.ReplaceAll(s, "/", "-")), "-"), "-.")
	if out == "" {
		return "group"
	}
	return out
}
