package github

import (
	"sort"
	"strconv"
	"strings"

	"github.com/access-as-code/access/reconcile"
	"github.com/access-as-code/access/schema"
)

// Capabilities is what the plan must know of GitHub: logins ignore case
// (GitHub treats them so), missing teams are created, roles are levels
// (member below maintainer and admin), the token's own account and the
// admins min_admins keeps are never removed, and removing someone from an
// org ends their team memberships in it ("Remove organization membership
// for a user"), so those are not changes of their own.
func Capabilities() reconcile.Capabilities {
	return reconcile.Capabilities{
		System:        "GitHub",
		GroupTitle:    "GitHub org or team",
		FoldCase:      true,
		CreatesGroups: true,
		Levels: []reconcile.Level{
			{Name: RoleMember, Value: LevelMember},
			{Name: RoleMaintainer, Value: LevelMaintainer},
			{Name: RoleAdmin, Value: LevelAdmin},
		},
		ReadOnly: map[string]reconcile.ReadOnlyKind{
			ReadOnlyTokenAccount: {Why: "the token reconcile runs with (its own account is never removed or demoted)"},
			ReadOnlyMinAdmins:    {Why: "an admin role that min_admins keeps (the org has no admin to spare)"},
		},
		RemovalEndsSubgroups: true,
	}
}

// Want extracts the GitHub part of a desired state: "ORG" for each org
// whose membership is managed (some group grants the org itself), and
// "ORG/TEAM" for each team a group names, keyed by GitHub login. A person
// granted only teams of an org that is not managed gets no org entry: the
// team write invites them to the org.
func Want(d *schema.Desired) reconcile.Want {
	w := reconcile.Want{}
	add := func(group string, members map[string]schema.GitHubGrant) {
		m := make(map[string]reconcile.Wanted, len(members))
		for _, g := range members {
			if g.Login == "" {
				continue
			}
			pin := ""
			if g.GitHubID != 0 {
				pin = strconv.FormatInt(g.GitHubID, 10)
			}
			m[g.Login] = reconcile.Wanted{User: g.User, Login: g.Login, PinnedID: pin, Level: string(g.Role),
				ConfigGroup: g.ConfigGroup, Reason: g.Reason}
		}
		w[group] = m
	}
	for org, o := range d.GitHub.Orgs {
		if o.Managed {
			add(org, o.Members)
		}
	}
	for key, t := range d.GitHub.Teams {
		add(key, t.Members)
	}
	return w
}

// Known maps every user's GitHub login (lower case: logins ignore case) to
// the user id.
func Known(cfg *schema.Config) map[string]string {
	m := make(map[string]string, len(cfg.Users))
	for _, u := range cfg.Users {
		if u.GitHub != "" {
			m[strings.ToLower(u.GitHub)] = u.ID
		}
	}
	return m
}

// TeamsOf is how each managed team is created: "org/slug" (lower case) ->
// its parent.
func TeamsOf(d *schema.Desired) map[string]Team {
	out := map[string]Team{}
	if d == nil {
		return out
	}
	keys := make([]string, 0, len(d.GitHub.Teams))
	for k := range d.GitHub.Teams {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t := d.GitHub.Teams[k]
		out[strings.ToLower(t.Org)+"/"+strings.ToLower(t.Slug)] = Team{Parent: t.Parent}
	}
	return out
}

// Notes warns about people granted GitHub access who have no github login
// in users.yaml: they get nothing in GitHub.
func Notes(d *schema.Desired) []reconcile.Warning {
	var out []reconcile.Warning
	ids := make([]string, 0, len(d.GitHub.NoLogin))
	for id := range d.GitHub.NoLogin {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		groups := d.GitHub.NoLogin[id]
		out = append(out, reconcile.Warning{Kind: reconcile.WarnPendingUser, Target: Name, User: id,
			Message: id + " is granted GitHub access by " + strings.Join(groups, ", ") + " but has no github login in users.yaml; nothing is granted in GitHub"})
	}
	return out
}
