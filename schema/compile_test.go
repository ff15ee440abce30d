package schema

import (
	"reflect"
	"testing"
	"time"
)

func day(s string) *time.Time {
	t, err := ParseTime(s)
	if err != nil {
		panic(err)
	}
	return &t
}

// compileFixture: alice direct; bob via role; carol direct until a date and
// via a role for longer; dave with no GitLab account; two groups map to one
// GitLab group at different levels.
func compileFixture() *Config {
	return &Config{
		Users: []*User{
			{ID: "alice", Email: "alice@example.com", GitLab: "alice"},
			{ID: "bob", Email: "bob@example.com", Okta: "bob.b@example.com", GitLab: "bob"},
			{ID: "carol", Email: "carol@example.com", GitLab: "carol"},
			{ID: "dave", Email: "dave@example.com"},
		},
		Roles: map[string]*Role{
			"eng": {Name: "eng", Owners: []Ref{{User: "alice"}}, Members: []Member{
				{Ref: Ref{User: "bob"}},
				{Ref: Ref{User: "carol"}, Until: day("2027-03-01"), Reason: "contractor"},
			}},
		},
		Apps: map[string]*App{"gitlab": {Name: "gitlab", Owners: []Ref{{User: "dave"}}}},
		Groups: map[string]*Group{
			"backend": {Name: "backend", App: "gitlab", Owners: []Ref{{Role: "eng"}},
				Okta:   &OktaTarget{Group: "Eng-Backend"},
				GitLab: []GitLabTarget{{Group: "platform/backend", Access: Developer}},
				Members: []Member{
					{Ref: Ref{User: "alice"}},
					{Ref: Ref{User: "carol"}, Until: day("2026-12-31"), Reason: "INC-1"},
					{Ref: Ref{Role: "eng"}},
					{Ref: Ref{User: "dave"}},
				}},
			"backend-leads": {Name: "backend-leads", Owners: []Ref{{User: "alice"}},
				GitLab:  []GitLabTarget{{Group: "platform/backend", Access: Maintainer}},
				Members: []Member{{Ref: Ref{User: "bob"}}}},
		},
	}
}

func TestCompileExpandsRolesAndKeepsLatestExpiry(t *testing.T) {
	d := Compile(compileFixture(), *day("2026-11-23"))
	g := d.Groups["backend"]
	if len(g) != 4 {
		t.Fatalf("backend has %d members, want 4 (alice, bob, carol, dave): %v", len(g), g)
	}
	if g["bob"].Via[0].Role != "eng" {
		t.Errorf("bob reached via %+v, want role eng", g["bob"].Via)
	}
	carol := g["carol"]
	if len(carol.Via) != 2 || carol.Via[0].Role != "" || carol.Via[1].Role != "eng" {
		t.Errorf("carol's paths = %+v, want direct then role eng", carol.Via)
	}
	if !carol.Until.Equal(*day("2027-03-01")) || carol.Reason != "contractor" {
		t.Errorf("carol keeps until %v reason %q, want the latest (2027-03-01, contractor)", carol.Until, carol.Reason)
	}
	if g["alice"].Until != nil {
		t.Errorf("alice has no end, got %v", g["alice"].Until)
	}
}

func TestCompileExpiryEndsExactlyAtUntil(t *testing.T) {
	cfg := compileFixture()
	before := Compile(cfg, day("2026-12-31").Add(-time.Nanosecond))
	if before.Groups["backend"]["carol"] == nil {
		t.Fatal("carol should still be a member one instant before until")
	}
	cfg.Roles["eng"].Members = cfg.Roles["eng"].Members[:1] // carol only direct now
	at := Compile(cfg, *day("2026-12-31"))
	if at.Groups["backend"]["carol"] != nil {
		t.Error("carol's entry ends at until; she is still a member at that instant")
	}
}

func TestCompileRoleEntryUntilBoundsRoleMembers(t *testing.T) {
	cfg := compileFixture()
	cfg.Groups["backend"].Members[2].Until = day("2026-12-01")
	d := Compile(cfg, *day("2026-11-23"))
	if got := d.Groups["backend"]["bob"].Until; got == nil || !got.Equal(*day("2026-12-01")) {
		t.Errorf("bob through a role entry ending 2026-12-01 has until %v", got)
	}
	after := Compile(cfg, *day("2026-12-02"))
	if after.Groups["backend"]["bob"] != nil {
		t.Error("bob's only path (the role entry) has ended, but he is still a member")
	}
}

func TestCompileGitLabHighestLevelWins(t *testing.T) {
	d := Compile(compileFixture(), *day("2026-11-23"))
	gl := d.GitLab["platform/backend"]
	if gl["bob"].Level != Maintainer || gl["bob"].ConfigGroup != "backend-leads" {
		t.Errorf("bob in platform/backend = %+v, want maintainer from backend-leads", gl["bob"])
	}
	if gl["alice"].Level != Developer {
		t.Errorf("alice = %+v, want developer", gl["alice"])
	}
	if _, ok := gl["dave"]; ok {
		t.Error("dave has no GitLab username and must not be in the GitLab target")
	}
}

func TestCompileOktaUsesLoginAndKeepsEmptyManagedGroups(t *testing.T) {
	cfg := compileFixture()
	cfg.Groups["empty"] = &Group{Name: "empty", Owners: []Ref{{User: "alice"}}, Okta: &OktaTarget{Group: "Nobody"}}
	d := Compile(cfg, *day("2026-11-23"))
	if _, ok := d.Okta["Eng-Backend"]["bob.b@example.com"]; !ok {
		t.Errorf("bob's okta login should be used: %v", d.Okta["Eng-Backend"])
	}
	if m, ok := d.Okta["Nobody"]; !ok || len(m) != 0 {
		t.Errorf("a managed Okta group with no members must be present and empty, got %v, %v", m, ok)
	}
}

func TestCompileOwnersIncludeRoleMembersAndAppOwners(t *testing.T) {
	d := Compile(compileFixture(), *day("2026-11-23"))
	want := []string{"bob", "carol", "dave"}
	if got := d.Owners["group/backend"]; !reflect.DeepEqual(got, want) {
		t.Errorf("owners of backend = %v, want %v (role eng members + app owner)", got, want)
	}
	if got := d.Owners["role/eng"]; !reflect.DeepEqual(got, []string{"alice"}) {
		t.Errorf("owners of role eng = %v", got)
	}
	later := Compile(compileFixture(), *day("2027-06-01"))
	if got := later.Owners["group/backend"]; !reflect.DeepEqual(got, []string{"bob", "dave"}) {
		t.Errorf("after carol's role entry expires, owners = %v", got)
	}
}

func TestCompileSkipsUnknownReferences(t *testing.T) {
	cfg := compileFixture()
	cfg.Groups["backend"].Members = append(cfg.Groups["backend"].Members,
		Member{Ref: Ref{User: "ghost"}}, Member{Ref: Ref{Role: "nope"}})
	d := Compile(cfg, *day("2026-11-23"))
	if d.Groups["backend"]["ghost"] != nil {
		t.Error("an unknown user must not be granted anything")
	}
}

func TestGrantEqualComparesEndsReasonsAndPaths(t *testing.T) {
	at := func(d int) *time.Time { t := time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC); return &t }
	g := func() *Grant {
		return &Grant{User: "bob", Until: at(9), Reason: "INC-1", Via: []Path{{Until: at(9), Reason: "INC-1"}, {Role: "eng"}}}
	}
	if !g().Equal(g()) || !(*Grant)(nil).Equal(nil) {
		t.Fatal("equal grants differ")
	}
	for name, edit := range map[string]func(*Grant){
		"user":        func(x *Grant) { x.User = "carol" },
		"until":       func(x *Grant) { x.Until = at(10) },
		"reason":      func(x *Grant) { x.Reason = "INC-2" },
		"path until":  func(x *Grant) { x.Via[0].Until = nil },
		"path reason": func(x *Grant) { x.Via[0].Reason = "INC-2" },
		"path role":   func(x *Grant) { x.Via[1].Role = "ops" },
		"paths":       func(x *Grant) { x.Via = x.Via[:1] },
	} {
		x := g()
		edit(x)
		if g().Equal(x) || x.Equal(g()) || g().Equal(nil) {
			t.Errorf("a grant with another %s is equal", name)
		}
	}
}
