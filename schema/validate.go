package schema

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Validate checks the rules that span files: unique people, references to
// users, roles, apps and groups, owners, Okta groups claimed once, lists
// without repeats and group policies at now. It reports every problem, joined
// and sorted; nil means the config is valid (given Load returned no error).
func (c *Config) Validate(now time.Time) error {
	v := &validator{c: c, now: now, info: c.load, ids: make(map[string]*User, len(c.Users))}
	if v.info == nil {
		v.info = &loadInfo{}
	}
	v.users()
	v.githubIDs()
	v.settings()
	for _, name := range c.AppNames() {
		a := c.Apps[name]
		v.refs(a.Owners, "owners", true)
	}
	for _, name := range c.RoleNames() {
		v.role(c.Roles[name])
	}
	okta := map[string]*Group{}
	for _, name := range c.GroupNames() {
		v.group(c.Groups[name], okta)
	}
	v.github()
	return joinSorted(dedupe(v.errs))
}

type validator struct {
	c      *Config
	now    time.Time
	info   *loadInfo
	errs   []*Error
	ids    map[string]*User
	idList []string
	// roleLimit caches, per role and latest allowed end, the members that
	// would hold a group longer; it keeps policy checks through roles linear.
	roleLimit map[roleAt]string
	first     map[Ref]Pos // scratch for refs, reused between lists
	// suggestions already made, and how many more may be searched: a
	// config whose every reference is wrong must not take minutes.
	suggested map[string]string
	budget    int
}

// maxSuggestions bounds the "did you mean" searches of one validation.
const maxSuggestions = 200

func (v *validator) suggest(kind, name string, candidates func() []string) string {
	k := kind + "/" + name
	if s, ok := v.suggested[k]; ok {
		return s
	}
	if v.budget >= maxSuggestions {
		return ""
	}
	v.budget++
	if v.suggested == nil {
		v.suggested = map[string]string{}
	}
	s := suggest(name, candidates())
	v.suggested[k] = s
	return s
}

type roleAt struct {
	role  string
	limit time.Time
}

func (v *validator) add(pos Pos, field, format string, args ...any) {
	v.errs = append(v.errs, Errorf(pos, field, format, args...))
}

func fieldPath(list string, i, index int, key string) string {
	if index > 0 {
		i = index - 1
	}
	f := list + "[" + strconv.Itoa(i) + "]"
	if key != "" {
		f += "." + key
	}
	return f
}

// users checks that ids and every login are unique, ignoring case.
func (v *validator) users() {
	type seen struct{ ids, emails, okta, gitlab, github, oktaID map[string]*User }
	s := seen{map[string]*User{}, map[string]*User{}, map[string]*User{}, map[string]*User{}, map[string]*User{}, map[string]*User{}}
	gitlabIDs := map[int]*User{}
	check := func(m map[string]*User, key string, u *User, i int, fieldName, what string) bool {
		if key == "" {
			return false
		}
		k := strings.ToLower(key)
		if prev, dup := m[k]; dup {
			v.add(u.posOf(fieldName), fieldPath("users", i, u.index, fieldName), "%s %q is already used by user %q (line %d)", what, key, prev.ID, prev.Pos.Line)
			return true
		}
		m[k] = u
		return false
	}
	for i, u := range v.c.Users {
		if u.ID != "" {
			if _, ok := v.ids[u.ID]; !ok {
				v.ids[u.ID] = u
				v.idList = append(v.idList, u.ID)
			}
			if prev, dup := s.ids[strings.ToLower(u.ID)]; dup {
				v.add(u.posOf("id"), fieldPath("users", i, u.index, "id"), "duplicate user id %q (first at line %d)", u.ID, prev.Pos.Line)
			} else {
				s.ids[strings.ToLower(u.ID)] = u
			}
		}
		emailDup := check(s.emails, u.Email, u, i, "email", "email")
		if u.Okta != "" {
			check(s.okta, u.Okta, u, i, "okta", "Okta login")
		} else if !emailDup {
			// The email is the Okta login; it may clash with another's okta.
			check(s.okta, u.Email, u, i, "email", "Okta login (the email, as okta is not set)")
		}
		check(s.gitlab, u.GitLab, u, i, "gitlab", "GitLab username")
		check(s.github, u.GitHub, u, i, "github", "GitHub login")
		check(s.oktaID, u.OktaID, u, i, "okta_id", "Okta user id")
		if u.GitLabID != 0 {
			if prev, dup := gitlabIDs[u.GitLabID]; dup {
				v.add(u.posOf("gitlab_id"), fieldPath("users", i, u.index, "gitlab_id"), "GitLab user id %d is already used by user %q (line %d)", u.GitLabID, prev.ID, prev.Pos.Line)
			} else {
				gitlabIDs[u.GitLabID] = u
			}
			if u.GitLab == "" {
				v.add(u.posOf("gitlab_id"), fieldPath("users", i, u.index, "gitlab_id"), "gitlab_id is set but gitlab is not: add the GitLab username of account %d", u.GitLabID)
			}
		}
	}
}

func (v *validator) settings() {
	s := v.c.Settings
	seen := map[string]bool{}
	for i, id := range s.Admins {
		pos := s.Pos
		if i < len(v.info.adminPos) {
			pos = v.info.adminPos[i]
		}
		f := "admins[" + strconv.Itoa(i) + "]"
		if seen[id] {
			v.add(pos, f, "%q is listed twice", id)
		}
		seen[id] = true
		v.user(id, pos, f)
	}
	for i, a := range s.Policies.AutoApprove {
		pos := a.Pos
		if pos.File == "" {
			pos = s.Pos
		}
		f := "policies.auto_approve[" + strconv.Itoa(i) + "]"
		if a.Role != "" {
			v.roleRef(a.Role, pos, f+".role")
		}
		for j, g := range a.Groups {
			if _, ok := v.c.Groups[g]; !ok && !v.info.unparsed["group/"+g] {
				v.add(pos, f+".groups["+strconv.Itoa(j)+"]", "unknown group %q%s", g, v.suggest("group", g, v.c.GroupNames))
			}
		}
	}
}

// user reports an unknown user id; false when unknown.
func (v *validator) user(id string, pos Pos, f string) bool {
	if _, ok := v.ids[id]; ok || v.info.usersBroken {
		return true
	}
	v.add(pos, f, "unknown user %q%s", id, v.suggest("user", id, func() []string { return v.idList }))
	return false
}

func (v *validator) roleRef(name string, pos Pos, f string) bool {
	if _, ok := v.c.Roles[name]; ok || v.info.unparsed["role/"+name] {
		return true
	}
	v.add(pos, f, "unknown role %q%s", name, v.suggest("role", name, v.c.RoleNames))
	return false
}

// refs checks the references of an owners or members list and that nobody is
// listed twice; it reports whether every reference resolved.
func (v *validator) refs(refs []Ref, list string, _ bool) bool {
	all := true
	if v.first == nil {
		v.first = map[Ref]Pos{}
	}
	first := v.first
	clear(first)
	for i, r := range refs {
		f := fieldPath(list, i, r.index, "")
		key := Ref{User: r.User, Role: r.Role}
		if p, dup := first[key]; dup {
			v.add(r.Pos, f, "%s is already listed at line %d", refName(r), p.Line)
			continue
		}
		first[key] = r.Pos
		if r.Role != "" {
			all = v.roleRef(r.Role, r.Pos, f) && all
		} else {
			all = v.user(r.User, r.Pos, f) && all
		}
	}
	return all
}

func refName(r Ref) string {
	if r.Role != "" {
		return "role " + strconv.Quote(r.Role)
	}
	return strconv.Quote(r.User)
}

func memberRefs(ms []Member) []Ref {
	out := make([]Ref, len(ms))
	for i, m := range ms {
		out[i] = m.Ref
	}
	return out
}

func (v *validator) role(r *Role) {
	v.refs(r.Owners, "owners", true)
	v.refs(memberRefs(r.Members), "members", false)
}

// hasOwner reports whether a reference names at least one current person.
func (v *validator) hasOwner(r Ref) bool {
	if r.Role == "" {
		_, ok := v.ids[r.User]
		return ok || v.info.usersBroken
	}
	if v.info.unparsed["role/"+r.Role] {
		return true
	}
	role := v.c.Roles[r.Role]
	if role == nil {
		return false
	}
	for _, m := range role.Members {
		if !m.Expired(v.now) {
			return true
		}
	}
	return false
}

func (v *validator) group(g *Group, okta map[string]*Group) {
	ownersOK := v.refs(g.Owners, "owners", true)
	appOK := true
	if g.App != "" {
		if _, ok := v.c.Apps[g.App]; !ok && !v.info.unparsed["app/"+g.App] {
			pos := g.appPos
			if pos.File == "" {
				pos = g.Pos
			}
			v.add(pos, "app", "unknown app %q%s", g.App, v.suggest("app", g.App, v.c.AppNames))
			appOK = false
		}
	}
	if ownersOK && appOK && !v.info.broken[g.Pos.File] && !v.groupHasOwner(g) {
		pos := g.Pos
		if g.ownersPos.File != "" {
			pos = g.ownersPos
		}
		v.add(pos, "owners", "the group has no owners: list at least one user id or a role with current members under owners (or set app: to an app with owners)")
	}
	if g.Okta != nil && g.Okta.Group != "" {
		k := strings.ToLower(g.Okta.Group)
		if prev, dup := okta[k]; dup {
			v.add(g.Okta.Pos, "okta.group", "Okta group %q is already managed by %s; one group file per Okta group", g.Okta.Group, prev.Pos.File)
		} else {
			okta[k] = g
		}
	}
	paths := map[string]bool{}
	for i, t := range g.GitLab {
		if paths[strings.ToLower(t.Group)] {
			v.add(t.Pos, fieldPath("gitlab", i, 0, "group"), "GitLab group %q is listed twice in this file", t.Group)
		}
		paths[strings.ToLower(t.Group)] = true
	}
	v.refs(memberRefs(g.Members), "members", false)
	if g.Okta != nil && !v.info.broken["users.yaml"] {
		v.oktaLogins(g)
	}
	v.policy(g)
}

func (v *validator) groupHasOwner(g *Group) bool {
	for _, r := range g.Owners {
		if v.hasOwner(r) {
			return true
		}
	}
	if a := v.c.Apps[g.App]; a != nil {
		for _, r := range a.Owners {
			if v.hasOwner(r) {
				return true
			}
		}
	}
	return g.App != "" && v.info.unparsed["app/"+g.App]
}

// policy checks the group's member entries against its policy, or the
// default policy of access.yaml; limits hold through roles.
func (v *validator) policy(g *Group) {
	p, from := g.Policy, "the group's policy"
	if p == nil {
		p, from = v.c.Settings.Policies.Default, "policies.default in access.yaml"
	}
	if p == nil {
		return
	}
	var limit time.Time
	if p.MaxDuration > 0 {
		limit = v.now.Add(time.Duration(p.MaxDuration))
	}
	for i, m := range g.Members {
		if m.Expired(v.now) {
			continue
		}
		f := fieldPath("members", i, m.index, "")
		if p.RequireReason && strings.TrimSpace(m.Reason) == "" {
			v.add(m.Pos, f+".reason", "%s needs a reason: %s requires one (require_reason)", refName(m.Ref), from)
		}
		if limit.IsZero() {
			continue
		}
		switch {
		case m.Until != nil && m.Until.After(limit):
			pos := m.Pos
			if m.untilPos.File != "" {
				pos = m.untilPos
			}
			v.add(pos, f+".until", "%s is beyond %s max_duration of %s: at most %s", fmtTime(*m.Until), possessive(from), p.MaxDuration, fmtTime(limit))
		case m.Until != nil:
		case m.Role == "":
			v.add(m.Pos, f+".until", "%s has no until, but %s allows at most %s: add until: %s or earlier", refName(m.Ref), from, p.MaxDuration, fmtTime(limit))
		default:
			if who := v.roleBeyond(m.Role, limit); who != "" {
				v.add(m.Pos, f+".until", "role %q has no until, so %s would hold this group beyond %s max_duration of %s (%s): give the role entry an until", m.Role, who, possessive(from), p.MaxDuration, fmtTime(limit))
			}
		}
	}
}

func possessive(from string) string {
	if from == "the group's policy" {
		return "the group policy's"
	}
	return "the default policy's"
}

// roleBeyond lists the role's current members whose access would outlast
// limit, "" when none would.
func (v *validator) roleBeyond(role string, limit time.Time) string {
	k := roleAt{role, limit}
	if s, ok := v.roleLimit[k]; ok {
		return s
	}
	var names []string
	if r := v.c.Roles[role]; r != nil {
		for _, m := range r.Members {
			switch {
			case m.Expired(v.now):
			case m.Until == nil:
				names = append(names, m.User+" (no until)")
			case m.Until.After(limit):
				names = append(names, m.User+" (until "+fmtTime(*m.Until)+")")
			}
		}
	}
	sort.Strings(names)
	s := ""
	if len(names) > 10 {
		s = strings.Join(names[:10], ", ") + fmt.Sprintf(" and %d more", len(names)-10)
	} else {
		s = strings.Join(names, ", ")
	}
	if v.roleLimit == nil {
		v.roleLimit = map[roleAt]string{}
	}
	v.roleLimit[k] = s
	return s
}

// fmtTime writes a time as the config would: a date when it is midnight UTC.
func fmtTime(t time.Time) string {
	t = t.UTC()
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format("2006-01-02")
	}
	return t.Format(time.RFC3339)
}
