package reconcile

import (
	"strings"
	"testing"

	"github.com/access-as-code/access/schema"
)

// oktaLike and gitlabLike are the Capabilities of the Okta and GitLab
// providers (those packages import this one, so these tests cannot; the
// e2e tests plan with the real ones).
var (
	oktaLike = Capabilities{System: "Okta", GroupTitle: "Okta group", FoldCase: true, CreatesGroups: true,
		ReadOnly: map[string]ReadOnlyKind{"group_rule": {Why: "an Okta group rule"}}}
	gitlabLike = Capabilities{System: "GitLab", GroupTitle: "GitLab group", BelowLowest: "minimal access",
		Levels:   []Level{{"guest", 10}, {"reporter", 20}, {"developer", 30}, {"maintainer", 40}, {"owner", 50}},
		ReadOnly: map[string]ReadOnlyKind{"inherited": {Why: "a parent group (inherited)", FromParentPath: true}}}
)

// obs builds an observed state: group -> id -> "login:level[:readonly]".
func obs(groups map[string]map[string]string, accounts ...*Account) *Observed {
	o := &Observed{Groups: map[string]*ObservedGroup{}, Accounts: map[string]*Account{}}
	for g, ms := range groups {
		og := &ObservedGroup{Name: g, ID: "g-" + g, Exists: ms != nil, Members: map[string]*ObservedMember{}}
		for id, spec := range ms {
			parts := strings.Split(spec, ":")
			m := &ObservedMember{AccountID: id, Login: parts[0]}
			if len(parts) > 1 {
				m.Level = schema.AccessLevel(parts[1]).Value()
			}
			if len(parts) > 2 {
				m.ReadOnly = parts[2]
			}
			og.Members[id] = m
		}
		o.Groups[g] = og
	}
	for _, a := range accounts {
		o.Accounts[a.Login] = a
	}
	return o
}

func active(id, login string) *Account {
	return &Account{ID: id, Login: login, Active: true, Status: "ACTIVE"}
}

func want(group string, ws ...Wanted) Want {
	m := map[string]Wanted{}
	for _, w := range ws {
		if w.ConfigGroup == "" {
			w.ConfigGroup = "cfg-" + group
		}
		m[w.Login] = w
	}
	return Want{group: m}
}

func ops(p *Plan) []string {
	var out []string
	for _, c := range p.Changes {
		out = append(out, string(c.Op)+" "+c.Group+" "+c.User+" "+c.Access)
	}
	return out
}

func hasWarning(p *Plan, kind, user string) bool {
	for _, w := range p.Warnings {
		if w.Kind == kind && w.User == user {
			return true
		}
	}
	return false
}

func TestPlanAddsMissingAndRemovesStrayMembers(t *testing.T) {
	p := MakePlan(Input{Target: "okta", Caps: oktaLike,
		Want:     want("Eng", Wanted{User: "alice", Login: "alice@x"}, Wanted{User: "bob", Login: "bob@x"}),
		Observed: obs(map[string]map[string]string{"Eng": {"u1": "alice@x", "u9": "mallory@x"}}, active("u1", "alice@x"), active("u2", "bob@x")),
	})
	got := strings.Join(ops(p), "|")
	if got != "remove Eng mallory@x |add Eng bob " {
		t.Fatalf("changes = %q", got)
	}
	if p.Summary.Add != 1 || p.Summary.Remove != 1 {
		t.Errorf("summary = %+v", p.Summary)
	}
}

func TestPlanComparesByAccountIDSoRenameIsNotARemoval(t *testing.T) {
	// The config still says "old"; the pinned account 7 is now "new".
	o := obs(map[string]map[string]string{"g": {"7": "new:developer"}})
	o.Accounts["old"] = &Account{ID: "7", Login: "new", Active: true} // keyed by the requested login
	p := MakePlan(Input{Target: "gitlab", Caps: gitlabLike,
		Want:     want("g", Wanted{User: "alice", Login: "old", PinnedID: "7", Level: string(schema.Developer)}),
		Observed: o,
	})
	if !p.Empty() {
		t.Fatalf("a renamed, pinned member must not be changed: %v", ops(p))
	}
	if !hasWarning(p, WarnRenamed, "alice") {
		t.Errorf("want a renamed warning, got %+v", p.Warnings)
	}
}

func TestPlanNeverRemovesAMemberWhoseLoginIsDesiredEvenIfLookupFailed(t *testing.T) {
	p := MakePlan(Input{Target: "okta", Caps: oktaLike,
		Want:     want("Eng", Wanted{User: "alice", Login: "Alice@X"}),
		Observed: obs(map[string]map[string]string{"Eng": {"u1": "alice@x"}}), // no account resolved
	})
	if !p.Empty() {
		t.Fatalf("unresolved but present member was planned: %v", ops(p))
	}
	if !hasWarning(p, WarnPendingUser, "alice") {
		t.Errorf("want pending_user, got %+v", p.Warnings)
	}
}

func TestPlanKeepsProtectedAndReadOnlyMembers(t *testing.T) {
	p := MakePlan(Input{Target: "gitlab", Caps: gitlabLike, Protected: []string{"root"},
		Want:     want("g"),
		Observed: obs(map[string]map[string]string{"g": {"1": "root:owner", "2": "parent-admin:maintainer:inherited", "3": "eve:guest"}}),
	})
	if got := strings.Join(ops(p), "|"); got != "remove g eve@x " && got != "remove g eve " {
		t.Fatalf("changes = %q, want only eve removed", got)
	}
	if !hasWarning(p, WarnProtected, "root") || !hasWarning(p, WarnReadOnly, "parent-admin") {
		t.Errorf("warnings = %+v", p.Warnings)
	}
}

func TestPlanUpdatesGitLabLevelAndAddsAboveInheritedLevel(t *testing.T) {
	p := MakePlan(Input{Target: "gitlab", Caps: gitlabLike,
		Want: Want{"g": {
			"a": {User: "a", Login: "a", Level: string(schema.Maintainer), ConfigGroup: "x"},
			"b": {User: "b", Login: "b", Level: string(schema.Maintainer), ConfigGroup: "x"},
			"c": {User: "c", Login: "c", Level: string(schema.Reporter), ConfigGroup: "x"},
		}},
		Observed: obs(map[string]map[string]string{"g": {"1": "a:developer", "2": "b:reporter:inherited", "3": "c:developer:inherited"}},
			active("1", "a"), active("2", "b"), active("3", "c")),
	})
	got := strings.Join(ops(p), "|")
	if got != "update g a maintainer|add g b maintainer" {
		t.Fatalf("changes = %q", got)
	}
	if p.Changes[0].From != "developer" {
		t.Errorf("update should record the old level, got %+v", p.Changes[0])
	}
}

func TestPlanSkipsInactiveAndPendingUsers(t *testing.T) {
	p := MakePlan(Input{Target: "okta", Caps: oktaLike,
		Want:     want("Eng", Wanted{User: "dave", Login: "dave@x"}, Wanted{User: "erin", Login: "erin@x"}),
		Observed: obs(map[string]map[string]string{"Eng": {}}, &Account{ID: "u4", Login: "dave@x", Status: "DEPROVISIONED"}),
	})
	if !p.Empty() {
		t.Fatalf("no one can be added: %v", ops(p))
	}
	if !hasWarning(p, WarnInactiveUser, "dave") || !hasWarning(p, WarnPendingUser, "erin") {
		t.Errorf("warnings = %+v", p.Warnings)
	}
}

func TestPlanCreatesMissingOktaGroupButErrorsOnMissingGitLabGroup(t *testing.T) {
	okta := MakePlan(Input{Target: "okta", Caps: oktaLike,
		Want:     want("New", Wanted{User: "alice", Login: "alice@x"}),
		Observed: obs(map[string]map[string]string{"New": nil}, active("u1", "alice@x"))})
	if got := strings.Join(ops(okta), "|"); got != "create_group New  |add New alice " {
		t.Fatalf("okta changes = %q", got)
	}
	gl := MakePlan(Input{Target: "gitlab", Caps: gitlabLike,
		Want:     want("a/b", Wanted{User: "alice", Login: "alice", Level: string(schema.Guest)}),
		Observed: obs(map[string]map[string]string{"a/b": nil}, active("1", "alice"))})
	if !gl.Empty() || len(gl.Errors) != 1 || !strings.Contains(gl.Errors[0].Error(), "groups/cfg-a/b.yaml") {
		t.Fatalf("gitlab: changes %v errors %+v", ops(gl), gl.Errors)
	}
}

func TestPlanRefusesUnmanageableGroupNamingTheFile(t *testing.T) {
	o := obs(map[string]map[string]string{"Everyone": {"u1": "x@x"}})
	o.Groups["Everyone"].Unmanageable = "type BUILT_IN"
	p := MakePlan(Input{Target: "okta", Caps: oktaLike, Want: want("Everyone", Wanted{User: "a", Login: "a@x", ConfigGroup: "all"}), Observed: o})
	if !p.Empty() || len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Error(), "groups/all.yaml") {
		t.Fatalf("changes %v errors %+v", ops(p), p.Errors)
	}
}

func TestPlanIsDeterministicAndHashTracksChanges(t *testing.T) {
	in := Input{Target: "okta", Caps: oktaLike,
		Want:     want("Eng", Wanted{User: "a", Login: "a@x"}, Wanted{User: "b", Login: "b@x"}, Wanted{User: "c", Login: "c@x"}),
		Observed: obs(map[string]map[string]string{"Eng": {"9": "z@x", "8": "y@x"}}, active("1", "a@x"), active("2", "b@x"), active("3", "c@x")),
	}
	first := MakePlan(in)
	for i := 0; i < 20; i++ {
		if again := MakePlan(in); again.Hash != first.Hash || strings.Join(ops(again), "|") != strings.Join(ops(first), "|") {
			t.Fatalf("plan differs between runs")
		}
	}
	in.Observed.Groups["Eng"].Members["7"] = &ObservedMember{AccountID: "7", Login: "w@x"}
	if MakePlan(in).Hash == first.Hash {
		t.Error("a different plan must have a different hash")
	}
	if !strings.HasPrefix(first.Hash, "sha256:") {
		t.Errorf("hash %q", first.Hash)
	}
}

func TestGuardsStopMassRemovalUnlessAllowed(t *testing.T) {
	var members = map[string]map[string]string{"big": {}, "small": {"1": "a@x", "2": "b@x"}}
	for i := 0; i < 10; i++ {
		members["big"][string(rune('a'+i))] = string(rune('a'+i)) + "@x"
	}
	p := MakePlan(Input{Target: "okta", Caps: oktaLike, Want: Want{"big": {}, "small": {}}, Observed: obs(members)})
	count := func(target, group string) int { return len(members[group]) }
	err := CheckGuards(p, Limits{MaxRemovals: 100, MaxRemovalRatio: 0.5}, count)
	if err == nil || !strings.Contains(err.Error(), `"big" would lose 10 of 10`) {
		t.Fatalf("ratio guard: %v", err)
	}
	if strings.Contains(err.Error(), "small") {
		t.Errorf("a group losing only %d members is under the floor: %v", ratioFloor, err)
	}
	if err := CheckGuards(p, Limits{MaxRemovals: 5}, count); err == nil || !strings.Contains(err.Error(), "12 removals exceed max_removals 5") {
		t.Errorf("count guard: %v", err)
	}
	if err := CheckGuards(p, Limits{MaxRemovals: 5, MaxRemovalRatio: 0.1, AllowMass: true}, count); err != nil {
		t.Errorf("--allow-mass-removal must pass: %v", err)
	}
}

func TestPlanNamesTheConfigUserWhoseGrantEnded(t *testing.T) {
	p := MakePlan(Input{Target: "okta", Caps: oktaLike, Known: map[string]string{"bob@x": "bob"},
		Want:     want("Eng"),
		Observed: obs(map[string]map[string]string{"Eng": {"u2": "Bob@X"}}),
	})
	if len(p.Changes) != 1 || p.Changes[0].User != "bob" || p.Changes[0].Reason != "no longer granted by the config" {
		t.Fatalf("changes = %+v", p.Changes)
	}
}

func TestPlanStaysQuietAboutMembersInheritedFromAManagedParent(t *testing.T) {
	p := MakePlan(Input{Target: "gitlab", Caps: gitlabLike,
		Want: Want{"platform": {"alice": {User: "alice", Login: "alice", Level: string(schema.Maintainer), ConfigGroup: "p"}},
			"platform/backend": {}, "other/sub": {}},
		Observed: obs(map[string]map[string]string{
			"platform":         {"1": "alice:maintainer"},
			"platform/backend": {"1": "alice:maintainer:inherited"},
			"other/sub":        {"2": "bob:owner:inherited"},
		}, active("1", "alice")),
	})
	if !p.Empty() {
		t.Fatalf("changes: %v", ops(p))
	}
	if hasWarning(p, WarnReadOnly, "alice") {
		t.Error("alice is granted in the managed parent; no warning needed")
	}
	if !hasWarning(p, WarnReadOnly, "bob") {
		t.Error("bob inherits from an unmanaged parent; that must be reported")
	}
}

func TestGuardZeroAllowsNoRemovalAndNegativeTurnsItOff(t *testing.T) {
	members := map[string]map[string]string{"g": {"1": "a@x", "2": "b@x", "3": "c@x", "4": "d@x"}}
	p := MakePlan(Input{Target: "okta", Caps: oktaLike, Want: Want{"g": {}}, Observed: obs(members)})
	count := func(target, group string) int { return len(members[group]) }
	var zero Limits
	if err := CheckGuards(p, zero, count); err == nil || !strings.Contains(err.Error(), "4 removals exceed max_removals 0") {
		t.Fatalf("the zero Limits must refuse every removal: %v", err)
	}
	if err := CheckGuards(p, Limits{MaxRemovals: -1, MaxRemovalRatio: -1}, count); err != nil {
		t.Errorf("negative limits are off: %v", err)
	}
}
