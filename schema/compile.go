package schema

import (
	"maps"
	"slices"
	"sort"
	"time"
)

// Compile computes the desired state of cfg at now. It is pure and total: it
// never fails and never panics, even on a config that did not validate
// (unknown references are skipped), because validation is a separate step
// and nothing is ever applied from an invalid config.
//
// Rules: effective membership of a group is its direct members
// plus the members of its listed roles, minus entries whose until has passed
// (an entry ends at the instant until). Through a role, the earlier of the
// group entry's and the role entry's until applies. A person reached twice
// keeps the latest expiry. In GitLab, a person reached through several
// groups that map to one GitLab group gets the highest level; likewise the
// highest GitHub role, and a person granted a team of an org is a member of
// the org. A person without a github login gets nothing in GitHub.
func Compile(cfg *Config, now time.Time) *Desired {
	d := &Desired{
		Now:    now,
		Groups: map[string]map[string]*Grant{},
		Okta:   map[string]map[string]OktaGrant{},
		GitLab: map[string]map[string]GitLabGrant{},
		Owners: map[string][]string{},
	}
	gh := newGitHubCompiler(cfg, d)
	users := make(map[string]*User, len(cfg.Users))
	for _, u := range cfg.Users {
		if u != nil {
			users[u.ID] = u
		}
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.Groups)) {
		g := cfg.Groups[name]
		grants := effectiveMembers(cfg, g, users, now)
		d.Groups[name] = grants
		ids := slices.Sorted(maps.Keys(grants)) // once per group, shared by its targets
		if g.Okta != nil && g.Okta.Group != "" {
			addOkta(d, g, ids, grants, users)
		}
		for _, t := range g.GitLab {
			addGitLab(d, g, t, ids, grants, users)
		}
		for _, t := range g.GitHub {
			gh.add(g, t, ids, grants, users)
		}
		d.Owners["group/"+name] = expandOwners(cfg, g.Owners, appOwners(cfg, g.App), users, now)
	}
	gh.finish()
	for _, name := range slices.Sorted(maps.Keys(cfg.Roles)) {
		d.Owners["role/"+name] = expandOwners(cfg, cfg.Roles[name].Owners, nil, users, now)
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.Apps)) {
		d.Owners["app/"+name] = expandOwners(cfg, cfg.Apps[name].Owners, nil, users, now)
	}
	return d
}

// effectiveMembers resolves a group's member entries to one grant per person.
func effectiveMembers(cfg *Config, g *Group, users map[string]*User, now time.Time) map[string]*Grant {
	grants := make(map[string]*Grant, len(g.Members))
	for _, m := range g.Members {
		if m.Expired(now) {
			continue
		}
		if m.User != "" {
			if users[m.User] != nil {
				addPath(grants, m.User, Path{Until: m.Until, Reason: m.Reason})
			}
			continue
		}
		role := cfg.Roles[m.Role]
		if role == nil {
			continue
		}
		for _, rm := range role.Members {
			if rm.User == "" || users[rm.User] == nil || rm.Expired(now) {
				continue
			}
			reason := m.Reason
			if reason == "" {
				reason = rm.Reason
			}
			addPath(grants, rm.User, Path{Role: role.Name, Until: endEarlier(m.Until, rm.Until), Reason: reason})
		}
	}
	for _, gr := range grants {
		sort.SliceStable(gr.Via, func(i, j int) bool { return gr.Via[i].Role < gr.Via[j].Role })
	}
	return grants
}

// addPath records one path and keeps the grant's until as the latest of all
// paths (nil, meaning no end, is latest), with the reason of that path.
func addPath(grants map[string]*Grant, user string, p Path) {
	gr := grants[user]
	if gr == nil {
		grants[user] = &Grant{User: user, Until: p.Until, Reason: p.Reason, Via: []Path{p}}
		return
	}
	gr.Via = append(gr.Via, p)
	if endsLater(p.Until, gr.Until) {
		gr.Until, gr.Reason = p.Until, p.Reason
	} else if gr.Reason == "" && sameEnd(p.Until, gr.Until) {
		gr.Reason = p.Reason
	}
}

func addOkta(d *Desired, g *Group, ids []string, grants map[string]*Grant, users map[string]*User) {
	target := d.Okta[g.Okta.Group]
	if target == nil {
		target = make(map[string]OktaGrant, len(ids))
		d.Okta[g.Okta.Group] = target
	}
	for _, id := range ids {
		u := users[id]
		login := u.OktaLogin()
		if login == "" {
			continue
		}
		if _, ok := target[login]; ok {
			continue // first config group by name wins; validation rejects shared Okta groups
		}
		target[login] = OktaGrant{User: id, Login: login, OktaID: u.OktaID, ConfigGroup: g.Name, Reason: grants[id].Reason, Until: grants[id].Until}
	}
}

func addGitLab(d *Desired, g *Group, t GitLabTarget, ids []string, grants map[string]*Grant, users map[string]*User) {
	target := d.GitLab[t.Group]
	if target == nil {
		target = make(map[string]GitLabGrant, len(ids))
		d.GitLab[t.Group] = target
	}
	for _, id := range ids {
		u := users[id]
		if u.GitLab == "" {
			continue // no GitLab username: no GitLab access
		}
		if cur, ok := target[u.GitLab]; ok && cur.Level.Value() >= t.Access.Value() {
			// highest level wins; on a tie the first group by name keeps it,
			// and the level lasts as long as the latest of them
			if cur.Level.Value() == t.Access.Value() && endsLater(grants[id].Until, cur.Until) {
				cur.Until = grants[id].Until
				target[u.GitLab] = cur
			}
			continue
		}
		target[u.GitLab] = GitLabGrant{User: id, Username: u.GitLab, GitLabID: u.GitLabID,
			Level: t.Access, ConfigGroup: g.Name, Reason: grants[id].Reason, Until: grants[id].Until}
	}
}

// appOwners is the owner list of the named app, nil when there is none.
func appOwners(cfg *Config, app string) []Ref {
	if a := cfg.Apps[app]; a != nil {
		return a.Owners
	}
	return nil
}

// expandOwners turns owner refs into sorted unique user ids; an owning role
// contributes its current (unexpired) members.
func expandOwners(cfg *Config, refs, more []Ref, users map[string]*User, now time.Time) []string {
	set := map[string]bool{}
	for _, r := range append(append([]Ref(nil), refs...), more...) {
		if r.User != "" {
			if users[r.User] != nil {
				set[r.User] = true
			}
			continue
		}
		if role := cfg.Roles[r.Role]; role != nil {
			for _, m := range role.Members {
				if m.User != "" && users[m.User] != nil && !m.Expired(now) {
					set[m.User] = true
				}
			}
		}
	}
	out := slices.Sorted(maps.Keys(set))
	if out == nil {
		out = []string{}
	}
	return out
}

// endsLater reports whether a ends after b, where nil means never ending.
func endsLater(a, b *time.Time) bool {
	switch {
	case a == nil:
		return b != nil
	case b == nil:
		return false
	default:
		return a.After(*b)
	}
}

// endEarlier is the earlier of two ends, nil meaning never ending.
func endEarlier(a, b *time.Time) *time.Time {
	if endsLater(a, b) {
		return b
	}
	return a
}

func sameEnd(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}
