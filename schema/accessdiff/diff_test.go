package accessdiff

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/access-as-code/access/schema"
)

var now = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

func users(ids ...string) []*schema.User {
	var out []*schema.User
	for _, id := range ids {
		out = append(out, &schema.User{ID: id, Email: id + "@example.com", GitLab: id})
	}
	return out
}

func u(id string) schema.Member  { return schema.Member{Ref: schema.Ref{User: id}} }
func r(id string) schema.Member  { return schema.Member{Ref: schema.Ref{Role: id}} }
func owner(id string) schema.Ref { return schema.Ref{User: id} }

func side(cfg *schema.Config) Side { return Side{Config: cfg, Desired: schema.Compile(cfg, now)} }

func baseConfig() *schema.Config {
	return &schema.Config{
		Users: users("alice", "bob", "carol", "dave"),
		Roles: map[string]*schema.Role{
			"eng": {Name: "eng", Owners: []schema.Ref{owner("alice")}, Members: []schema.Member{u("bob"), u("carol")}},
		},
		Groups: map[string]*schema.Group{
			"backend": {Name: "backend", Owners: []schema.Ref{owner("alice")}, Okta: &schema.OktaTarget{Group: "Eng-Backend"},
				GitLab:  []schema.GitLabTarget{{Group: "platform/backend", Access: schema.Developer}},
				Members: []schema.Member{r("eng")}},
			"ops": {Name: "ops", Owners: []schema.Ref{owner("dave")}, Okta: &schema.OktaTarget{Group: "Ops"},
				Members: []schema.Member{u("dave"), u("bob")}},
		},
		Apps: map[string]*schema.App{},
	}
}

func clone(c *schema.Config) *schema.Config {
	out := *c
	out.Groups, out.Roles = map[string]*schema.Group{}, map[string]*schema.Role{}
	for k, g := range c.Groups {
		cp := *g
		cp.Members = append([]schema.Member(nil), g.Members...)
		out.Groups[k] = &cp
	}
	for k, r := range c.Roles {
		cp := *r
		cp.Members = append([]schema.Member(nil), r.Members...)
		out.Roles[k] = &cp
	}
	return &out
}

func TestRoleSplitShowsOnlyNetEffectPerPerson(t *testing.T) {
	base := baseConfig()
	head := clone(base)
	// eng is split into eng (bob) and eng-new (carol); backend lists both,
	// so nobody gains or loses backend: only carol's path changes.
	head.Roles["eng"].Members = []schema.Member{u("bob")}
	head.Roles["eng-new"] = &schema.Role{Name: "eng-new", Owners: []schema.Ref{owner("alice")}, Members: []schema.Member{u("carol")}}
	head.Groups["backend"].Members = []schema.Member{r("eng"), r("eng-new")}

	rep := Compute(side(base), side(head))
	if len(rep.People) != 1 || rep.People[0].User != "carol" {
		t.Fatalf("people = %+v, want only carol", rep.People)
	}
	c := rep.People[0].Changes
	if len(c) != 1 || c[0].Op != OpChange || c[0].Name != "backend" || c[0].Via[0].Role != "eng-new" || c[0].OldVia[0].Role != "eng" {
		t.Errorf("carol's changes = %+v, want backend via eng → eng-new only", c)
	}
}

func TestAddingRoleToGroupGainsEveryRoleMemberAllTargets(t *testing.T) {
	base := baseConfig()
	head := clone(base)
	until := now.AddDate(0, 1, 0)
	head.Groups["ops"].Members = append(head.Groups["ops"].Members, schema.Member{Ref: schema.Ref{Role: "eng"}, Until: &until, Reason: "INC-1"})
	rep := Compute(side(base), side(head))
	var got []string
	for _, p := range rep.People {
		for _, c := range p.Changes {
			got = append(got, p.User+":"+c.Op+":"+c.Kind+":"+c.Name)
		}
	}
	// bob already had ops directly; his grant gains a path but keeps no end.
	want := "bob:change:group:ops carol:gain:group:ops carol:gain:okta:Ops"
	if strings.Join(got, " ") != want {
		t.Errorf("changes = %v\nwant %s", got, want)
	}
	if len(rep.Items) != 1 || rep.Items[0].Name != "ops" || rep.Items[0].Members[0].Role != "eng" {
		t.Errorf("items = %+v", rep.Items)
	}
}

func TestDeletedGroupFileIsUnmanagedAndMembersKeepAccess(t *testing.T) {
	base := baseConfig()
	head := clone(base)
	delete(head.Groups, "ops")
	rep := Compute(side(base), side(head))
	if len(rep.Unmanaged) != 1 || rep.Unmanaged[0].Name != "Ops" || strings.Join(rep.Unmanaged[0].Members, ",") != "bob,dave" {
		t.Fatalf("unmanaged = %+v", rep.Unmanaged)
	}
	for _, p := range rep.People {
		for _, c := range p.Changes {
			if c.Kind == KindOkta {
				t.Errorf("%s: Okta change %+v reported for a group that is only unmanaged", p.User, c)
			}
		}
	}
	var buf bytes.Buffer
	_ = WriteText(&buf, rep)
	if !strings.Contains(buf.String(), "no longer managed; these 2 members keep access: bob, dave") {
		t.Errorf("text = %s", buf.String())
	}
}

func TestRenamedGroupFileChangesNobodysAccess(t *testing.T) {
	base := baseConfig()
	head := clone(base)
	g := head.Groups["ops"]
	delete(head.Groups, "ops")
	cp := *g
	cp.Name = "operations"
	head.Groups["operations"] = &cp
	rep := Compute(side(base), side(head))
	if len(rep.People) != 0 || len(rep.Unmanaged) != 0 {
		t.Errorf("rename: people = %+v unmanaged = %+v, want none", rep.People, rep.Unmanaged)
	}
	if len(rep.Items) != 1 || rep.Items[0].Op != ItemRenamed || rep.Items[0].From != "ops" {
		t.Errorf("items = %+v, want ops renamed to operations", rep.Items)
	}
}

func TestGitLabLevelChangeAndOwnerChangeAreReported(t *testing.T) {
	base := baseConfig()
	head := clone(base)
	head.Groups["backend"].GitLab = []schema.GitLabTarget{{Group: "platform/backend", Access: schema.Maintainer}}
	head.Groups["backend"].Owners = []schema.Ref{owner("alice"), {Role: "eng"}}
	rep := Compute(side(base), side(head))
	var levels []string
	for _, p := range rep.People {
		for _, c := range p.Changes {
			if c.Kind == KindGitLab {
				levels = append(levels, p.User+":"+c.OldLevel+"→"+c.Level)
			}
		}
	}
	if strings.Join(levels, " ") != "bob:developer→maintainer carol:developer→maintainer" {
		t.Errorf("gitlab changes = %v", levels)
	}
	it := rep.Items[0]
	if list(it.OldOwners) != "alice" || list(it.Owners) != "alice, role:eng" || strings.Join(it.Fields, ",") != "gitlab" {
		t.Errorf("item = %+v", it)
	}
	var md bytes.Buffer
	_ = WriteMarkdown(&md, rep)
	if !strings.Contains(md.String(), "GitLab platform/backend (developer → maintainer)") {
		t.Errorf("markdown = %s", md.String())
	}
}

func TestUnchangedConfigIsEmpty(t *testing.T) {
	rep := Compute(side(baseConfig()), side(baseConfig()))
	if !rep.Empty() {
		t.Errorf("report = %+v, want empty", rep)
	}
}

// Every row derived from an expiring grant carries its end: the Okta and
// GitLab rows of a temporary member, and for GitLab the latest end among
// the groups giving that level (the level lasts while any of them does).
func TestOktaAndGitLabRowsCarryTheGrantsEnd(t *testing.T) {
	end := time.Date(2027, 1, 10, 0, 0, 0, 0, time.UTC)
	later := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	base := baseConfig()
	head := clone(base)
	head.Groups["ops"].Members = append(head.Groups["ops"].Members, schema.Member{Ref: schema.Ref{User: "carol"}, Until: &end, Reason: "INC-9"})
	head.Groups["backend-oncall"] = &schema.Group{Name: "backend-oncall", Owners: []schema.Ref{owner("alice")},
		GitLab:  []schema.GitLabTarget{{Group: "platform/backend", Access: schema.Developer}},
		Members: []schema.Member{{Ref: schema.Ref{User: "dave"}, Until: &end, Reason: "INC-9"}}}
	head.Groups["backend-pager"] = &schema.Group{Name: "backend-pager", Owners: []schema.Ref{owner("alice")},
		GitLab:  []schema.GitLabTarget{{Group: "platform/backend", Access: schema.Developer}},
		Members: []schema.Member{{Ref: schema.Ref{User: "dave"}, Until: &later, Reason: "INC-10"}}}
	rep := Compute(side(base), side(head))
	found := map[string]*time.Time{}
	for _, p := range rep.People {
		for _, c := range p.Changes {
			if c.Kind != KindGroup {
				found[p.User+" "+c.Kind+" "+c.Name] = c.Until
			}
		}
	}
	for row, want := range map[string]time.Time{"carol okta Ops": end, "dave gitlab platform/backend": later} {
		got, ok := found[row]
		if !ok || got == nil || !got.Equal(want) {
			t.Errorf("%s: until %v (row present: %v), want %s", row, got, ok, want.Format(time.DateOnly))
		}
	}
	var md bytes.Buffer
	if err := WriteMarkdown(&md, rep); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(md.String(), "\n") {
		if strings.Contains(line, "Okta group Ops") && !strings.Contains(line, "10 Jan 2027") {
			t.Errorf("Okta row without the end: %s", line)
		}
	}
}

// Editing only a reason, or only a GitHub login, is a change a reviewer
// sees: the fast paths of equal.go must not skip it.
func TestReasonOrGitHubLoginAloneIsAChange(t *testing.T) {
	until := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	base := baseConfig()
	base.Groups["ops"].Members = append(base.Groups["ops"].Members, schema.Member{Ref: schema.Ref{User: "carol"}, Until: &until, Reason: "INC-1"})
	head := clone(base)
	head.Groups["ops"].Members[2].Reason = "INC-2"
	head.Users = users("alice", "bob", "carol", "dave")
	head.Users[1].GitHub = "bob-gh"
	rep := Compute(side(base), side(head))

	var reasonItem, githubItem, reasonChange bool
	for _, it := range rep.Items {
		if it.Kind == ItemGroup && it.Name == "ops" && len(it.Members) == 1 && it.Members[0].Op == EntryChanged && it.Members[0].Reason == "INC-2" {
			reasonItem = true
		}
		if it.Kind == ItemUser && it.Name == "bob" && strings.Join(it.Fields, ",") == "github" {
			githubItem = true
		}
	}
	for _, p := range rep.People {
		for _, c := range p.Changes {
			if p.User == "carol" && c.Kind == KindGroup && c.Name == "ops" && c.Op == OpChange && c.Reason == "INC-2" {
				reasonChange = true
			}
		}
	}
	if !reasonItem || !githubItem || !reasonChange {
		t.Errorf("reason edit as an item %v, as carol's change %v; github login edit as an item %v; want all\nitems %+v\npeople %+v",
			reasonItem, reasonChange, githubItem, rep.Items, rep.People)
	}
}

func TestOwnerIsAUserOrARoleNeverBoth(t *testing.T) {
	if r, ok := RoleOwner("eng").Role(); !ok || r != "eng" {
		t.Errorf("RoleOwner(eng).Role() = %q, %v", r, ok)
	}
	if _, ok := RoleOwner("eng").User(); ok {
		t.Error("a role owner reads as a person")
	}
	if u, ok := UserOwner("bob").User(); !ok || u != "bob" {
		t.Errorf("UserOwner(bob).User() = %q, %v", u, ok)
	}
	if _, ok := UserOwner("bob").Role(); ok {
		t.Error("a person reads as a role")
	}
}

func TestEntryOpsAndOwnersReadBackFromJSON(t *testing.T) {
	in := Item{Kind: ItemGroup, Name: "ops", Op: ItemChanged, Owners: []Owner{UserOwner("bob"), RoleOwner("eng")},
		Members: []Entry{{Op: EntryAdded, User: "bob"}, {Op: EntryRemoved, Role: "eng"}, {Op: EntryChanged, User: "carol"}}}
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"owners":["bob","role:eng"]`, `"op":"added"`, `"op":"removed"`, `"op":"changed"`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("JSON %s lacks %s", data, want)
		}
	}
	var out Item
	if err := json.Unmarshal(data, &out); err != nil || !reflect.DeepEqual(in, out) {
		t.Errorf("read back %+v, %v; want %+v", out, err, in)
	}
	if err := json.Unmarshal([]byte(`{"members":[{"op":"adedd"}]}`), &out); err == nil {
		t.Error("a misspelt op reads without error")
	}
}
