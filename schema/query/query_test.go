package query

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/access-as-code/access/schema"
)

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func at(d time.Duration) *time.Time { t := now.Add(d); return &t }

const day = 24 * time.Hour

func user(id string) schema.Member   { return schema.Member{Ref: schema.Ref{User: id}} }
func role(name string) schema.Member { return schema.Member{Ref: schema.Ref{Role: name}} }
func temp(id string, until *time.Time, reason string) schema.Member {
	return schema.Member{Ref: schema.Ref{User: id}, Until: until, Reason: reason}
}

// testConfig is a small org whose every rule the tests below lean on:
// carol reaches backend twice (directly for 5 days, through a role for 10),
// dave's ops entry ends exactly at now, alice reaches platform/backend as
// developer and reporter, bob as maintainer, dave has no GitLab account.
func testConfig() (*schema.Config, *schema.Desired) {
	cfg := &schema.Config{
		Settings: schema.Settings{Admins: []string{"erin"}},
		Users: []*schema.User{
			{ID: "alice", Name: "Alice Example", Email: "alice@example.com", GitLab: "alice", GitHub: "alice-gh"},
			{ID: "bob", Email: "bob@example.com", GitLab: "bob", GitHub: "bobby"},
			{ID: "carol", Email: "carol@example.com", GitLab: "carol"},
			{ID: "dave", Email: "dave@example.com", Okta: "dave.okta@example.com"},
			{ID: "erin", Email: "erin@example.com", GitLab: "erin"},
		},
		Roles: map[string]*schema.Role{
			"backend-engineers": {Name: "backend-engineers", Owners: []schema.Ref{{User: "bob"}},
				Members: []schema.Member{user("alice"), temp("carol", at(10*day), "contract")}},
			"eng-leads": {Name: "eng-leads", Owners: []schema.Ref{{User: "erin"}}, Members: []schema.Member{user("bob")}},
		},
		Apps: map[string]*schema.App{
			"gitlab": {Name: "gitlab", Description: "Source code", Owners: []schema.Ref{{Role: "eng-leads"}}},
		},
		Groups: map[string]*schema.Group{
			"backend": {Name: "backend", Description: "Backend engineers", App: "gitlab",
				Owners:  []schema.Ref{{User: "bob"}},
				Okta:    &schema.OktaTarget{Group: "Eng-Backend"},
				GitLab:  []schema.GitLabTarget{{Group: "platform/backend", Access: schema.Developer}},
				Members: []schema.Member{user("alice"), temp("carol", at(5*day), "INC-1234"), role("backend-engineers")}},
			"backend-admins": {Name: "backend-admins", Owners: []schema.Ref{{User: "bob"}},
				GitLab:  []schema.GitLabTarget{{Group: "platform/backend", Access: schema.Maintainer}},
				Members: []schema.Member{user("bob")}},
			"ops": {Name: "ops", Owners: []schema.Ref{{User: "erin"}},
				Okta:    &schema.OktaTarget{Group: "Ops"},
				GitLab:  []schema.GitLabTarget{{Group: "platform/ops", Access: schema.Reporter}},
				Members: []schema.Member{temp("dave", at(0), "on call"), temp("carol", at(time.Hour), "handover")}},
			"readers": {Name: "readers", Owners: []schema.Ref{{User: "erin"}},
				GitLab:  []schema.GitLabTarget{{Group: "platform/backend", Access: schema.Reporter}},
				Members: []schema.Member{user("alice"), user("dave")}},
		},
	}
	return cfg, schema.Compile(cfg, now)
}

func userIDs(hs []Holder) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.User.ID)
	}
	return out
}

func TestWhoHasShowsDirectAndRolePathsWithLatestExpiry(t *testing.T) {
	cfg, d := testConfig()
	res, err := WhoHas(cfg, d, "backend")
	if err != nil {
		t.Fatal(err)
	}
	if res.Kind != "group" || !reflect.DeepEqual(userIDs(res.Members), []string{"alice", "carol"}) {
		t.Fatalf("kind %q members %v, want group [alice carol]", res.Kind, userIDs(res.Members))
	}
	alice, carol := res.Members[0], res.Members[1]
	if alice.Until != nil || len(alice.Via) != 2 || alice.Via[0].Role != "" || alice.Via[1].Role != "backend-engineers" {
		t.Errorf("alice: until %v via %+v, want permanent, direct then role", alice.Until, alice.Via)
	}
	if carol.Until == nil || !carol.Until.Equal(*at(10 * day)) {
		t.Errorf("carol until %v, want the role path's %v (latest of both)", carol.Until, at(10*day))
	}
	if carol.Via[0].Reason != "INC-1234" || carol.Via[1].Reason != "contract" {
		t.Errorf("carol reasons %+v", carol.Via)
	}
}

func TestWhoHasDropsEntryEndingExactlyNow(t *testing.T) {
	cfg, d := testConfig()
	res, err := WhoHas(cfg, d, "ops")
	if err != nil {
		t.Fatal(err)
	}
	if got := userIDs(res.Members); !reflect.DeepEqual(got, []string{"carol"}) {
		t.Fatalf("ops members %v, want [carol]: dave's until equals now", got)
	}
	d2 := schema.Compile(cfg, now.Add(-time.Nanosecond))
	res, _ = WhoHas(cfg, d2, "ops")
	if got := userIDs(res.Members); !reflect.DeepEqual(got, []string{"carol", "dave"}) {
		t.Fatalf("a nanosecond earlier, members %v, want [carol dave]", got)
	}
}

func TestWhoHasAcceptsAppRoleOktaAndGitLabNames(t *testing.T) {
	cfg, d := testConfig()
	cases := []struct {
		name, kind string
		groups     []string
		members    []string
	}{
		{"gitlab", "app", []string{"backend"}, []string{"alice", "carol"}},
		{"backend-engineers", "role", []string{"backend"}, []string{"alice", "carol"}},
		{"Ops", "okta", []string{"ops"}, []string{"carol"}},
		{"platform/backend", "gitlab", []string{"backend", "backend-admins", "readers"}, []string{"alice", "bob", "carol"}},
	}
	for _, c := range cases {
		res, err := WhoHas(cfg, d, c.name)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if res.Kind != c.kind || !reflect.DeepEqual(res.Groups, c.groups) || !reflect.DeepEqual(userIDs(res.Members), c.members) {
			t.Errorf("%s: kind %q groups %v members %v; want %q %v %v", c.name, res.Kind, res.Groups, userIDs(res.Members), c.kind, c.groups, c.members)
		}
	}
	res, _ := WhoHas(cfg, d, "platform/backend")
	levels := map[string]string{}
	for _, h := range res.Members {
		levels[h.User.ID] = h.Level
	}
	want := map[string]string{"alice": "developer", "bob": "maintainer", "carol": "developer"}
	if !reflect.DeepEqual(levels, want) {
		t.Errorf("levels %v, want %v (dave has no GitLab account)", levels, want)
	}
}

func TestUnknownNamesSuggestTheClosest(t *testing.T) {
	cfg, d := testConfig()
	_, err := AccessOf(cfg, d, "alcie")
	var ue *UnknownError
	if !errors.As(err, &ue) || err.Error() != `unknown user "alcie"; did you mean "alice"?` {
		t.Fatalf("got %v", err)
	}
	_, err = WhoHas(cfg, d, "bakend")
	if err == nil || err.Error() != `unknown group "bakend"; did you mean "backend"?` {
		t.Fatalf("got %v", err)
	}
	_, err = WhoHas(cfg, d, "zzzzzzzzzz")
	if err == nil || strings.Contains(err.Error(), "did you mean") {
		t.Fatalf("a far name must not get a suggestion: %v", err)
	}
	if _, err := List(cfg, d, "grups"); err == nil || !strings.Contains(err.Error(), `did you mean "groups"`) {
		t.Fatalf("list kind: %v", err)
	}
}

func TestFindUserAcceptsEveryIdentifier(t *testing.T) {
	cfg, _ := testConfig()
	for name, want := range map[string]string{
		"alice": "alice", "ALICE@example.com": "alice", "alice-gh": "alice", "bobby": "bob",
		"dave.okta@example.com": "dave", "carol": "carol",
	} {
		u, err := FindUser(cfg, name)
		if err != nil || u.ID != want {
			t.Errorf("FindUser(%q) = %v, %v; want %s", name, u, err, want)
		}
	}
	cfg.Users = append(cfg.Users, &schema.User{ID: "frank", Email: "f@example.com", GitHub: "carol-x"},
		&schema.User{ID: "gina", Email: "g@example.com", GitLab: "carol-x"})
	if _, err := FindUser(cfg, "carol-x"); err == nil || !strings.Contains(err.Error(), "ambiguous") {
		t.Errorf("a login two people share must be ambiguous, got %v", err)
	}
}

func TestAccessOfListsGroupsTargetsAndHighestLevel(t *testing.T) {
	cfg, d := testConfig()
	res, err := AccessOf(cfg, d, "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	var groups []string
	for _, g := range res.Groups {
		groups = append(groups, g.Group)
	}
	if !reflect.DeepEqual(groups, []string{"backend", "readers"}) {
		t.Errorf("groups %v", groups)
	}
	if len(res.Roles) != 1 || res.Roles[0].Role != "backend-engineers" {
		t.Errorf("roles %+v", res.Roles)
	}
	if len(res.Apps) != 1 || res.Apps[0].App != "gitlab" {
		t.Errorf("apps %+v", res.Apps)
	}
	if len(res.Okta) != 1 || res.Okta[0] != (OktaAccess{Group: "Eng-Backend", ConfigGroup: "backend"}) {
		t.Errorf("okta %+v", res.Okta)
	}
	if len(res.GitLab) != 1 || res.GitLab[0].Level != "developer" || res.GitLab[0].ConfigGroup != "backend" || len(res.GitLab[0].Via) != 2 {
		t.Errorf("gitlab %+v, want platform/backend as developer from backend (readers gives reporter)", res.GitLab)
	}

	dave, _ := AccessOf(cfg, d, "dave")
	if len(dave.GitLab) != 0 || len(dave.Notes) != 1 {
		t.Errorf("dave (no GitLab account): gitlab %+v notes %v", dave.GitLab, dave.Notes)
	}
}

func TestCompareShowsBothDirectionsAndLevelDifferences(t *testing.T) {
	cfg, d := testConfig()
	res, err := Compare(cfg, d, "alice", "bob")
	if err != nil {
		t.Fatal(err)
	}
	wantOther := Difference{Groups: []string{"backend-admins"}, Roles: []string{"eng-leads"}, Apps: []string{}, Okta: []string{},
		GitLab: []LevelDiff{{Group: "platform/backend", Level: "maintainer", ComparedLevel: "developer"}}, GitHub: []LevelDiff{}}
	if !reflect.DeepEqual(res.OtherOnly, wantOther) {
		t.Errorf("other_only %+v\nwant %+v", res.OtherOnly, wantOther)
	}
	wantUser := Difference{Groups: []string{"backend", "readers"}, Roles: []string{"backend-engineers"}, Apps: []string{"gitlab"},
		Okta: []string{"Eng-Backend"}, GitLab: []LevelDiff{}, GitHub: []LevelDiff{}}
	if !reflect.DeepEqual(res.UserOnly, wantUser) {
		t.Errorf("user_only %+v\nwant %+v", res.UserOnly, wantUser)
	}
	same, _ := Compare(cfg, d, "alice", "alice")
	if !same.OtherOnly.Empty() || !same.UserOnly.Empty() {
		t.Errorf("a person compared with themselves differs: %+v", same)
	}
	carol, _ := Compare(cfg, d, "carol", "alice")
	if want := []LevelDiff{}; !reflect.DeepEqual(carol.OtherOnly.GitLab, want) {
		t.Errorf("same level must not differ: %+v", carol.OtherOnly.GitLab)
	}
	if want := []LevelDiff{{Group: "platform/ops", Level: "reporter"}}; !reflect.DeepEqual(carol.UserOnly.GitLab, want) {
		t.Errorf("carol only: %+v want %+v", carol.UserOnly.GitLab, want)
	}
}

func TestOwnedByFollowsRolesAndApps(t *testing.T) {
	cfg, d := testConfig()
	res, err := OwnedBy(cfg, d, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if res.Admin {
		t.Error("bob is not an admin")
	}
	want := &OwnedResult{User: UserRef{ID: "bob", Email: "bob@example.com"}, At: now,
		Groups: []OwnedItem{
			{Name: "backend", Via: []OwnerVia{{Kind: "direct"}, {Kind: "app", App: "gitlab", Role: "eng-leads"}}},
			{Name: "backend-admins", Via: []OwnerVia{{Kind: "direct"}}},
		},
		Roles: []OwnedItem{{Name: "backend-engineers", Via: []OwnerVia{{Kind: "direct"}}}},
		Apps:  []OwnedItem{{Name: "gitlab", Via: []OwnerVia{{Kind: "role", Role: "eng-leads"}}}},
	}
	if !reflect.DeepEqual(res, want) {
		t.Errorf("got  %+v\nwant %+v", res, want)
	}
	erin, _ := OwnedBy(cfg, d, "erin")
	if !erin.Admin || len(erin.Groups) != 2 || len(erin.Roles) != 1 {
		t.Errorf("erin: admin %v groups %+v roles %+v", erin.Admin, erin.Groups, erin.Roles)
	}
	// An expired role membership owns nothing.
	cfg.Roles["eng-leads"].Members = []schema.Member{temp("bob", at(-time.Hour), "left")}
	res, _ = OwnedBy(cfg, schema.Compile(cfg, now), "bob")
	if len(res.Apps) != 0 || len(res.Groups[0].Via) != 1 {
		t.Errorf("after eng-leads ended: apps %+v backend via %+v", res.Apps, res.Groups[0].Via)
	}
}

func TestExpiringReportsOnlyAccessThatIsLost(t *testing.T) {
	cfg, d := testConfig()
	got := Expiring(cfg, d, now, 7*day)
	// carol's backend entry ends in 5 days, but the role keeps her for 10:
	// only ops (in one hour) is lost within the week.
	if len(got) != 1 || got[0].Name != "ops" || got[0].User.ID != "carol" || got[0].Reason != "handover" ||
		!reflect.DeepEqual(got[0].Owners, []string{"erin"}) {
		t.Fatalf("within 7 days: %+v", got)
	}
	got = Expiring(cfg, d, now, 10*day) // the end of the window is inclusive
	var keys []string
	for _, e := range got {
		keys = append(keys, e.Kind+"/"+e.Name+"/"+e.User.ID+"/"+e.Role)
	}
	want := []string{"group/ops/carol/", "group/backend/carol/backend-engineers", "role/backend-engineers/carol/"}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("within 10 days: %v, want %v", keys, want)
	}
	if got[2].Owners[0] != "bob" {
		t.Errorf("role owners %v", got[2].Owners)
	}
}

func TestListGroupsCountsEffectiveMembers(t *testing.T) {
	cfg, d := testConfig()
	res, err := List(cfg, d, "groups")
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, g := range res.Groups {
		counts[g.Name] = g.Members
	}
	if want := map[string]int{"backend": 2, "backend-admins": 1, "ops": 1, "readers": 2}; !reflect.DeepEqual(counts, want) {
		t.Errorf("counts %v want %v", counts, want)
	}
	if g := res.Groups[0]; g.App != "gitlab" || g.Okta != "Eng-Backend" || !reflect.DeepEqual(g.Roles, []string{"backend-engineers"}) {
		t.Errorf("backend %+v", g)
	}
	roles, _ := List(cfg, d, "roles")
	if r := roles.Roles[0]; r.Name != "backend-engineers" || r.Members != 2 || !reflect.DeepEqual(r.Groups, []string{"backend"}) {
		t.Errorf("roles %+v", roles.Roles)
	}
	apps, _ := List(cfg, d, "apps")
	b, _ := json.Marshal(apps)
	if want := `{"kind":"apps","apps":[{"name":"gitlab","description":"Source code","owners":[{"role":"eng-leads"}],"groups":["backend"]}]}`; string(b) != want {
		t.Errorf("apps JSON\n%s\nwant\n%s", b, want)
	}
}
