package schema

import (
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// The keys each kind of mapping accepts. These tables are the loader's
// definition of the format; schema_test.go checks the JSON Schema files in
// jsonschema/ against them in both directions.
var (
	settingsKeys       = []string{"okta", "gitlab", "github", "admins", "protected", "limits", "policies"}
	oktaSettingsKeys   = []string{"org_url"}
	gitlabSettingsKeys = []string{"url"}
	githubSettingsKeys = []string{"api_url", "graphql_url", "repo", "orgs", "min_admins", "team_sync"}
	protectedKeys      = []string{"okta", "gitlab", "github"}
	limitsKeys         = []string{"max_removals", "max_removal_ratio"}
	policiesKeys       = []string{"default", "auto_approve"}
	policyKeys         = []string{"max_duration", "require_reason"}
	autoApproveKeys    = []string{"role", "groups", "max_duration", "require_reason"}

	usersFileKeys = []string{"users"}
	userKeys      = []string{"id", "name", "email", "okta", "gitlab", "github", "gitlab_id", "github_id", "okta_id"}

	groupKeys        = []string{"description", "app", "owners", "policy", "okta", "gitlab", "github", "members"}
	oktaTargetKeys   = []string{"group"}
	gitlabTargetKeys = []string{"group", "access"}
	githubTargetKeys = []string{"org", "team", "role", "parent"}
	memberKeys       = []string{"user", "role", "until", "reason"}
	ownerKeys        = []string{"user", "role"}

	roleKeys       = []string{"description", "owners", "members"}
	roleMemberKeys = []string{"user", "until", "reason"}

	appKeys = []string{"description", "owners"}
)

// Keys that are known elsewhere but not allowed where they appear.
var (
	ownerHints = map[string]string{
		"until":  "owners cannot expire: give temporary access as a member entry with until instead",
		"reason": "owners take no reason; write it as a comment",
	}
	roleMemberHints = map[string]string{
		"role": "a role cannot contain a role: list the people here, or list both roles in the group file",
	}
)

func (d *dec) settings(root *yaml.Node, s *Settings) {
	s.Pos = Pos{File: d.file, Line: 1, Col: 1}
	fields, _ := d.mapping(root, "", settingsKeys, nil)
	for _, f := range fields {
		switch f.name {
		case "okta":
			for _, g := range d.fields(f, oktaSettingsKeys) {
				s.Okta.OrgURL, _ = d.str(g.val, g.path)
			}
		case "gitlab":
			for _, g := range d.fields(f, gitlabSettingsKeys) {
				s.GitLab.URL, _ = d.str(g.val, g.path)
			}
		case "github":
			d.githubSettings(f, &s.GitHub)
		case "admins":
			items, _ := d.list(f.val, f.path, "user ids")
			for i, it := range items {
				if id, ok := d.reqStr(it, idx(f.path, i)); ok {
					s.Admins = append(s.Admins, id)
					d.adminPos = append(d.adminPos, d.at(it))
				}
			}
		case "protected":
			for _, g := range d.fields(f, protectedKeys) {
				switch g.name {
				case "okta":
					s.Protected.Okta = d.strList(g.val, g.path, "Okta logins")
				case "gitlab":
					s.Protected.GitLab = d.strList(g.val, g.path, "GitLab usernames")
				case "github":
					s.Protected.GitHub = d.strList(g.val, g.path, "GitHub logins")
				}
			}
		case "limits":
			d.limits(f, &s.Limits)
		case "policies":
			for _, g := range d.fields(f, policiesKeys) {
				switch g.name {
				case "default":
					s.Policies.Default = d.policy(g)
				case "auto_approve":
					items, _ := d.list(g.val, g.path, "rules {role, groups, max_duration, require_reason}")
					for i, it := range items {
						s.Policies.AutoApprove = append(s.Policies.AutoApprove, d.autoApprove(it, idx(g.path, i)))
					}
				}
			}
		}
	}
}

func (d *dec) fields(f field, keys []string) []field {
	if isNull(f.val) {
		return nil
	}
	out, _ := d.mapping(f.val, f.path, keys, nil)
	return out
}

func (d *dec) limits(f field, l *Limits) {
	for _, g := range d.fields(f, limitsKeys) {
		switch g.name {
		case "max_removals":
			if v, ok := d.integer(g.val, g.path); ok {
				if v < 0 {
					d.errorf(g.val, g.path, "must be 0 or more, got %d", v)
				} else {
					l.MaxRemovals = v
				}
			}
		case "max_removal_ratio":
			if v, ok := d.number(g.val, g.path); ok {
				if v < 0 || v > 1 {
					d.errorf(g.val, g.path, "must be between 0 and 1 (a fraction of a group's members), got %v", v)
				} else {
					l.MaxRemovalRatio = v
				}
			}
		}
	}
}

func (d *dec) policy(f field) *Policy {
	p := &Policy{}
	for _, g := range d.fields(f, policyKeys) {
		switch g.name {
		case "max_duration":
			if v, ok := d.duration(g.val, g.path); ok {
				if v <= 0 {
					d.errorf(g.val, g.path, "must be longer than 0")
				}
				p.MaxDuration = v
			}
		case "require_reason":
			p.RequireReason, _ = d.boolean(g.val, g.path)
		}
	}
	return p
}

func (d *dec) autoApprove(n *yaml.Node, path string) AutoApprove {
	a := AutoApprove{Pos: d.at(n)}
	fields, ok := d.mapping(n, path, autoApproveKeys, nil)
	if !ok {
		return a
	}
	for _, g := range fields {
		switch g.name {
		case "role":
			a.Role, _ = d.reqStr(g.val, g.path)
		case "groups":
			a.Groups = d.strList(g.val, g.path, "group names")
		case "max_duration":
			a.MaxDuration, _ = d.duration(g.val, g.path)
		case "require_reason":
			a.RequireReason, _ = d.boolean(g.val, g.path)
		}
	}
	if a.MaxDuration <= 0 {
		d.errorf(n, sub(path, "max_duration"), "an auto_approve rule needs a max_duration (e.g. 7d): self-service access must end")
	}
	if a.Role == "" {
		d.errorf(n, sub(path, "role"), "an auto_approve rule needs the role whose members may add themselves")
	}
	return a
}

var userIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@+-]*$`)

func (d *dec) users(root *yaml.Node) []*User {
	fields, _ := d.mapping(root, "", usersFileKeys, nil)
	var out []*User
	for _, f := range fields {
		items, _ := d.list(f.val, f.path, "people {id, name, email, ...}")
		if len(items) == 0 {
			d.errorf(f.key, f.path, "lists nobody: add one entry per person")
		}
		out = make([]*User, 0, len(items))
		for i, it := range items {
			if u := d.user(it, idx(f.path, i)); u != nil {
				u.index = i + 1
				out = append(out, u)
			}
		}
	}
	return out
}

func (d *dec) user(n *yaml.Node, path string) *User {
	fields, ok := d.mapping(n, path, userKeys, nil)
	if !ok {
		return nil
	}
	u := &User{Pos: d.at(n), at: make(map[string]Pos, len(fields))}
	for _, f := range fields {
		u.at[f.name] = d.at(f.val)
		switch f.name {
		case "id":
			u.ID, _ = d.reqStr(f.val, f.path)
			if u.ID != "" && !userIDRE.MatchString(u.ID) {
				d.errorf(f.val, f.path, "user id %q may hold only letters, digits and . _ @ + - (and must start with a letter or digit)", u.ID)
			}
		case "name":
			u.Name, _ = d.str(f.val, f.path)
		case "email":
			u.Email, _ = d.reqStr(f.val, f.path)
			if u.Email != "" && !validEmail(u.Email) {
				d.errorf(f.val, f.path, "%q is not an email address", u.Email)
			}
		case "okta":
			u.Okta, _ = d.reqStr(f.val, f.path)
		case "gitlab":
			u.GitLab, _ = d.reqStr(f.val, f.path)
			if u.GitLab != "" && !validGitLabName(u.GitLab) {
				d.errorf(f.val, f.path, "%q is not a GitLab username (letters, digits, '_', '-', '.'; not starting with '-')", u.GitLab)
			}
		case "github":
			u.GitHub, _ = d.reqStr(f.val, f.path)
			if u.GitHub != "" && !validGitHubLogin(u.GitHub) {
				d.errorf(f.val, f.path, "%q is not a GitHub login (letters, digits and '-', not starting with '-')", u.GitHub)
			}
		case "github_id":
			if v, ok := d.integer64(f.val, f.path); ok {
				if v <= 0 {
					d.errorf(f.val, f.path, "must be a positive GitHub user id, got %d", v)
				} else {
					u.GitHubID = v
				}
			}
		case "gitlab_id":
			if v, ok := d.integer(f.val, f.path); ok {
				if v <= 0 {
					d.errorf(f.val, f.path, "must be a positive GitLab user id, got %d", v)
				} else {
					u.GitLabID = v
				}
			}
		case "okta_id":
			u.OktaID, _ = d.reqStr(f.val, f.path)
		}
	}
	if u.ID == "" && !hasField(fields, "id") {
		d.errorf(n, sub(path, "id"), "missing id: every person needs a stable id used in group files")
	}
	// A person without Okta access needs no email, but needs some account.
	if u.Email == "" && !hasField(fields, "email") && !hasField(fields, "okta") && !hasField(fields, "gitlab") && !hasField(fields, "github") {
		d.errorf(n, sub(path, "email"), "missing email: give the person's email (also their Okta login), or at least a gitlab or github login")
	}
	return u
}

func hasField(fs []field, name string) bool {
	for _, f := range fs {
		if f.name == name {
			return true
		}
	}
	return false
}

func validEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	return at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " \t<>,") && strings.Count(s, "@") == 1
}

var gitlabNameRE = regexp.MustCompile(`^[A-Za-z0-9_.][A-Za-z0-9_.-]*$`)

func validGitLabName(s string) bool { return gitlabNameRE.MatchString(s) }

// owners decodes an owners list: user ids or {user: id} / {role: name}.
func (d *dec) owners(f field) []Ref {
	items, _ := d.list(f.val, f.path, "user ids or {role: NAME}")
	out := make([]Ref, 0, len(items))
	for i, it := range items {
		p := idx(f.path, i)
		r := resolve(it)
		if r != nil && r.Kind == yaml.ScalarNode {
			if s, ok := d.reqStr(it, p); ok {
				out = append(out, Ref{User: s, Pos: d.at(it), index: i + 1})
			}
			continue
		}
		fields, ok := d.mapping(it, p, ownerKeys, ownerHints)
		if !ok {
			continue
		}
		if ref, ok := d.ref(it, p, fields); ok {
			ref.index = i + 1
			out = append(out, ref)
		}
	}
	return out
}

// ref reads the user/role pair of an owner or member mapping.
func (d *dec) ref(n *yaml.Node, path string, fields []field) (Ref, bool) {
	ref := Ref{Pos: d.at(n)}
	var haveUser, haveRole bool
	ok := true
	for _, f := range fields {
		switch f.name {
		case "user":
			haveUser = true
			ref.User, ok = d.reqStr(f.val, f.path)
		case "role":
			haveRole = true
			ref.Role, ok = d.reqStr(f.val, f.path)
		}
		if !ok {
			return ref, false
		}
	}
	switch {
	case haveUser && haveRole:
		d.errorf(n, path, "set either user or role, not both")
		return ref, false
	case !haveUser && !haveRole:
		d.errorf(n, path, "needs user: ID or role: NAME")
		return ref, false
	}
	return ref, true
}

// members decodes a members list. In a role file, role entries are refused.
func (d *dec) members(f field, inRole bool) []Member {
	items, _ := d.list(f.val, f.path, "user ids or {user|role, until, reason}")
	keys, hints := memberKeys, map[string]string(nil)
	if inRole {
		keys, hints = roleMemberKeys, roleMemberHints
	}
	out := make([]Member, 0, len(items))
	for i, it := range items {
		p := idx(f.path, i)
		r := resolve(it)
		if r != nil && r.Kind == yaml.ScalarNode {
			if s, ok := d.reqStr(it, p); ok {
				out = append(out, Member{Ref: Ref{User: s, Pos: d.at(it), index: i + 1}})
			}
			continue
		}
		fields, ok := d.mapping(it, p, keys, hints)
		if !ok {
			continue
		}
		if inRole && rawHasKey(it, "role") {
			continue // already reported as role-in-role
		}
		ref, ok := d.ref(it, p, fields)
		ref.index = i + 1
		m := Member{Ref: ref}
		for _, g := range fields {
			switch g.name {
			case "until":
				s, sok := d.reqStr(g.val, g.path)
				if !sok {
					ok = false
					continue
				}
				t, err := ParseTime(s)
				if err != nil {
					d.errorf(g.val, g.path, "%v", err)
					ok = false
					continue
				}
				m.Until = &t
				m.untilPos = d.at(g.val)
			case "reason":
				m.Reason, _ = d.str(g.val, g.path)
			}
		}
		if ok {
			out = append(out, m)
		}
	}
	return out
}

// rawHasKey reports whether mapping n writes key itself (merges aside).
func rawHasKey(n *yaml.Node, key string) bool {
	r := resolve(n)
	if r == nil || r.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(r.Content); i += 2 {
		if k := resolve(r.Content[i]); k != nil && k.Kind == yaml.ScalarNode && k.Value == key {
			return true
		}
	}
	return false
}
