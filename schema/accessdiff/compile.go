package accessdiff

import (
	"time"

	"github.com/access-as-code/access/schema"
)

// CompileChanged compiles base and head for Compute, but only the groups
// whose effective access can differ between them: a group whose file
// changed, that lists (as member or owner) a role that changed or that
// holds a person whose users.yaml entry changed, whose app changed, and
// every group sharing an Okta, GitLab or GitHub target with one of those (a target
// is the union of its groups). Every other group compiles to the same
// grants on both sides, so leaving it out changes nothing in the report and
// keeps a diff of a 2,000-group org proportional to the change. Roles and
// apps are compiled in full, so Owners is complete for approvals.
func CompileChanged(base, head *schema.Config, now time.Time) (Side, Side) {
	dirty := dirtyGroups(base, head)
	return Side{Config: base, Desired: schema.Compile(restrict(base, dirty), now)},
		Side{Config: head, Desired: schema.Compile(restrict(head, dirty), now)}
}

func restrict(c *schema.Config, keep map[string]bool) *schema.Config {
	out := *c
	out.Groups = make(map[string]*schema.Group, len(keep))
	for name := range keep {
		if g := c.Groups[name]; g != nil {
			out.Groups[name] = g
		}
	}
	return &out
}

func dirtyGroups(base, head *schema.Config) map[string]bool {
	changedUsers := map[string]bool{}
	bu, hu := usersByID(base), usersByID(head)
	for id, u := range bu {
		if v := hu[id]; v == nil || !equalUser(u, v) {
			changedUsers[id] = true
		}
	}
	for id := range hu {
		if bu[id] == nil {
			changedUsers[id] = true
		}
	}
	changedRoles := map[string]bool{}
	for _, name := range unionKeys(base.Roles, head.Roles) {
		br, hr := base.Roles[name], head.Roles[name]
		if br == nil || hr == nil || !equalRefs(br.Owners, hr.Owners) || !equalMembers(br.Members, hr.Members) {
			changedRoles[name] = true
			continue
		}
		for _, m := range hr.Members {
			if changedUsers[m.User] {
				changedRoles[name] = true // a member's existence or logins changed
				break
			}
		}
	}
	changedApps := map[string]bool{}
	for _, name := range unionKeys(base.Apps, head.Apps) {
		ba, ha := base.Apps[name], head.Apps[name]
		if ba == nil || ha == nil || !equalRefs(ba.Owners, ha.Owners) {
			changedApps[name] = true
		}
	}
	touches := func(g *schema.Group) bool {
		if changedApps[g.App] {
			return true
		}
		for _, r := range g.Owners {
			if changedRoles[r.Role] || changedUsers[r.User] {
				return true
			}
		}
		for _, m := range g.Members {
			if changedRoles[m.Role] || changedUsers[m.User] {
				return true
			}
		}
		return false
	}
	dirty := map[string]bool{}
	for _, name := range unionKeys(base.Groups, head.Groups) {
		bg, hg := base.Groups[name], head.Groups[name]
		if bg == nil || hg == nil || !equalGroup(bg, hg) || touches(bg) || touches(hg) {
			dirty[name] = true
		}
	}
	// Close over shared targets, on both sides.
	byTarget := map[string][]string{}
	for _, c := range []*schema.Config{base, head} {
		for name, g := range c.Groups {
			for _, t := range targets(g) {
				byTarget[t] = append(byTarget[t], name)
			}
		}
	}
	queue := make([]string, 0, len(dirty))
	for name := range dirty {
		queue = append(queue, name)
	}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		for _, c := range []*schema.Config{base, head} {
			g := c.Groups[name]
			if g == nil {
				continue
			}
			for _, t := range targets(g) {
				for _, other := range byTarget[t] {
					if !dirty[other] {
						dirty[other] = true
						queue = append(queue, other)
					}
				}
			}
		}
	}
	return dirty
}

func targets(g *schema.Group) []string {
	var out []string
	if g.Okta != nil && g.Okta.Group != "" {
		out = append(out, "okta:"+g.Okta.Group)
	}
	for _, t := range g.GitLab {
		out = append(out, "gitlab:"+t.Group)
	}
	return append(out, githubTargets(g)...)
}

func usersByID(c *schema.Config) map[string]*schema.User {
	out := make(map[string]*schema.User, len(c.Users))
	for _, u := range c.Users {
		if u != nil {
			out[u.ID] = u
		}
	}
	return out
}
