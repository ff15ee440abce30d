package accessdiff

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/access-as-code/access/schema"
)

func githubBase() *schema.Config {
	us := users("alice", "bob", "carol")
	for _, x := range us {
		x.GitHub = x.ID + "-gh"
	}
	org := func(role schema.GitHubRole) schema.GitHubTarget {
		return schema.GitHubTarget{Org: "acme", Role: role}
	}
	team := func(o, t string, role schema.GitHubRole) schema.GitHubTarget {
		return schema.GitHubTarget{Org: o, Team: t, Role: role}
	}
	return &schema.Config{
		Settings: schema.Settings{GitHub: schema.GitHubSettings{Orgs: []string{"acme", "labs"}}},
		Users:    us,
		Roles:    map[string]*schema.Role{},
		Apps:     map[string]*schema.App{},
		Groups: map[string]*schema.Group{
			"admins":   {Name: "admins", Owners: []schema.Ref{owner("alice")}, GitHub: []schema.GitHubTarget{org(schema.GitHubAdmin)}, Members: []schema.Member{u("alice")}},
			"members":  {Name: "members", Owners: []schema.Ref{owner("alice")}, GitHub: []schema.GitHubTarget{org(schema.GitHubMember)}, Members: []schema.Member{u("bob")}},
			"platform": {Name: "platform", Owners: []schema.Ref{owner("alice")}, GitHub: []schema.GitHubTarget{team("acme", "platform", schema.GitHubMember), team("labs", "lab", schema.GitHubMember)}, Members: []schema.Member{u("bob"), u("carol")}},
		},
	}
}

// TestGitHubChangesPerPerson: bob is promoted to org admin and leaves the
// platform group; carol's only grant of acme is the team, so she loses the
// org (it is managed); nobody loses labs, whose membership is not managed.
func TestGitHubChangesPerPerson(t *testing.T) {
	base := githubBase()
	head := clone(base)
	head.Groups["admins"].Members = append(head.Groups["admins"].Members, u("bob"))
	head.Groups["platform"].Members = []schema.Member{}
	bs, hs := CompileChanged(base, head, now)
	rep := Compute(bs, hs)
	got := map[string][]string{}
	for _, p := range rep.People {
		for _, c := range p.Changes {
			if c.Kind == KindGitHub {
				got[p.User] = append(got[p.User], changeWords(c))
			}
		}
	}
	want := map[string][]string{
		"bob":   {"lose acme/platform (member)", "change acme (member → admin)", "lose labs/lab (member)"},
		"carol": {"lose acme/platform (member)", "lose labs/lab (member)", "lose acme (member)"},
	}
	for k := range want {
		sortStrings(want[k])
		sortStrings(got[k])
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("github changes:\n got %v\nwant %v", got, want)
	}
	if len(rep.Items) != 2 {
		t.Errorf("items: %+v", rep.Items)
	}
}

func changeWords(c Change) string {
	lvl := c.Level
	switch c.Op {
	case OpLose:
		lvl = c.OldLevel
	case OpChange:
		lvl = c.OldLevel + " → " + c.Level
	}
	return c.Op + " " + c.Name + " (" + lvl + ")"
}

func sortStrings(s []string) { sort.Strings(s) }

// TestDeletedGroupLeavesGitHubTeamUnmanaged: a deleted group file's team is
// no longer managed; its members keep it.
func TestDeletedGroupLeavesGitHubTeamUnmanaged(t *testing.T) {
	base := githubBase()
	head := clone(base)
	delete(head.Groups, "platform")
	rep := Compute(side(base), side(head))
	var names []string
	for _, x := range rep.Unmanaged {
		names = append(names, x.Name+" "+strings.Join(x.Members, ","))
	}
	if !reflect.DeepEqual(names, []string{"acme/platform bob,carol", "labs/lab bob,carol"}) {
		t.Errorf("unmanaged: %v", names)
	}
}
