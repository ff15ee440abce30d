package schema

import (
	"strings"

	"gopkg.in/yaml.v3"
)

func (d *dec) group(root *yaml.Node, g *Group) {
	fields, _ := d.mapping(root, "", groupKeys, nil)
	for _, f := range fields {
		switch f.name {
		case "description":
			g.Description, _ = d.str(f.val, f.path)
		case "app":
			g.App, _ = d.reqStr(f.val, f.path)
			g.appPos = d.at(f.val)
		case "owners":
			g.Owners = d.owners(f)
			g.ownersPos = d.at(f.key)
		case "policy":
			if !isNull(f.val) {
				g.Policy = d.policy(f)
			}
		case "okta":
			g.Okta = d.oktaTarget(f)
		case "gitlab":
			g.GitLab = d.gitlabTargets(f)
		case "github":
			g.GitHub = d.githubTargets(f)
		case "members":
			g.Members = d.members(f, false)
		}
	}
}

func (d *dec) oktaTarget(f field) *OktaTarget {
	fields, ok := d.mapping(f.val, f.path, oktaTargetKeys, nil)
	if !ok {
		return nil
	}
	for _, g := range fields {
		name, ok := d.reqStr(g.val, g.path)
		if !ok {
			return nil
		}
		if len(name) > 255 {
			d.errorf(g.val, g.path, "an Okta group name has at most 255 characters, got %d", len(name))
			return nil
		}
		return &OktaTarget{Group: name, Pos: d.at(g.val)}
	}
	d.errorf(f.val, sub(f.path, "group"), "missing group: the name of the Okta group to manage")
	return nil
}

func (d *dec) gitlabTargets(f field) []GitLabTarget {
	items, _ := d.list(f.val, f.path, "{group: PATH, access: LEVEL}")
	out := make([]GitLabTarget, 0, len(items))
	for i, it := range items {
		p := idx(f.path, i)
		fields, ok := d.mapping(it, p, gitlabTargetKeys, nil)
		if !ok {
			continue
		}
		t := GitLabTarget{Pos: d.at(it)}
		good := true
		for _, g := range fields {
			switch g.name {
			case "group":
				path, ok := d.reqStr(g.val, g.path)
				if ok {
					if msg := gitlabPathProblem(path); msg != "" {
						d.errorf(g.val, g.path, "invalid GitLab group path %q: %s", path, msg)
						ok = false
					}
				}
				t.Group, good = path, good && ok
			case "access":
				s, ok := d.reqStr(g.val, g.path)
				if ok && !AccessLevel(s).Valid() {
					d.errorf(g.val, g.path, "unknown access level %q%s; one of %s", s, suggest(s, levelNames()), strings.Join(levelNames(), ", "))
					ok = false
				}
				t.Access, good = AccessLevel(s), good && ok
			}
		}
		if !hasField(fields, "group") {
			d.errorf(it, sub(p, "group"), "missing group: the full path of the GitLab group, e.g. platform/backend")
			good = false
		}
		if !hasField(fields, "access") {
			d.errorf(it, sub(p, "access"), "missing access: one of %s", strings.Join(levelNames(), ", "))
			good = false
		}
		if good {
			out = append(out, t)
		}
	}
	return out
}

func levelNames() []string {
	var out []string
	for _, l := range AccessLevels() {
		out = append(out, string(l))
	}
	return out
}

// gitlabPathProblem checks a full group path against GitLab's rules for
// group paths (docs: user/reserved_names, "path can contain only letters,
// digits, '_', '-' and '.'. Cannot start with '-', end in '.', '.git' or
// '.atom'"); "" when it is valid.
func gitlabPathProblem(p string) string {
	if strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") {
		return "no leading or trailing '/': write the full path such as platform/backend"
	}
	segs := strings.Split(p, "/")
	if len(segs) > 21 {
		return "GitLab nests groups at most 20 levels deep"
	}
	for _, s := range segs {
		if s == "" {
			return "empty path segment ('//')"
		}
		for _, r := range s {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
				return "segment " + quote(s) + " may hold only letters, digits, '_', '-' and '.'"
			}
		}
		switch {
		case strings.HasPrefix(s, "-"):
			return "segment " + quote(s) + " cannot start with '-'"
		case strings.HasSuffix(s, ".git"), strings.HasSuffix(s, ".atom"):
			return "segment " + quote(s) + " cannot end in .git or .atom"
		case strings.HasSuffix(s, "."):
			return "segment " + quote(s) + " cannot end in '.'"
		}
	}
	return ""
}

func quote(s string) string { return "\"" + s + "\"" }

func (d *dec) role(root *yaml.Node, r *Role) {
	fields, _ := d.mapping(root, "", roleKeys, nil)
	for _, f := range fields {
		switch f.name {
		case "description":
			r.Description, _ = d.str(f.val, f.path)
		case "owners":
			r.Owners = d.owners(f)
		case "members":
			r.Members = d.members(f, true)
		}
	}
}

func (d *dec) app(root *yaml.Node, a *App) {
	fields, _ := d.mapping(root, "", appKeys, nil)
	for _, f := range fields {
		switch f.name {
		case "description":
			a.Description, _ = d.str(f.val, f.path)
		case "owners":
			a.Owners = d.owners(f)
		}
	}
}
