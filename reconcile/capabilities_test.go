package reconcile

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// forge is a made-up third target: its own level names and values, logins
// that ignore case, a read-only kind of its own, and groups it can create.
// It plans through the engine with nothing in the engine naming it.
var forge = Capabilities{System: "Forge", GroupTitle: "Forge team", FoldCase: true, CreatesGroups: true,
	Levels:   []Level{{"read", 100}, {"write", 200}, {"admin", 300}},
	ReadOnly: map[string]ReadOnlyKind{"sso": {Why: "an SSO link"}}}

func forgeObserved() *Observed {
	return &Observed{
		Groups: map[string]*ObservedGroup{
			"team": {Name: "team", Exists: true, Members: map[string]*ObservedMember{
				"1": {AccountID: "1", Login: "Alice", Level: 100},                  // wanted at write: update
				"2": {AccountID: "2", Login: "bob", Level: 50},                     // below read: left alone
				"3": {AccountID: "3", Login: "carol", Level: 300, ReadOnly: "sso"}, // read-only
				"4": {AccountID: "4", Login: "dave", Level: 250},                   // stray: removed, from write
				"5": {AccountID: "5", Login: "ERIN", Level: 100},                   // wanted as erin, lookup failed: kept
				"6": {AccountID: "6", Login: "Root", Level: 300},                   // protected as root
			}},
			"new": {Name: "new"},
		},
		Accounts: map[string]*Account{"alice": active("1", "Alice"), "frank": active("7", "frank")},
	}
}

func forgeInput(c Capabilities) Input {
	return Input{Target: "forge", Caps: c, Protected: []string{"root"}, Observed: forgeObserved(),
		Want: Want{
			"team": {"alice": {User: "alice", Login: "alice", Level: "write", ConfigGroup: "t"},
				"erin": {User: "erin", Login: "erin", Level: "read", ConfigGroup: "t"}},
			"new": {"frank": {User: "frank", Login: "frank", Level: "admin", ConfigGroup: "n"}},
		}}
}

func TestPlanOfAThirdTargetFollowsItsCapabilities(t *testing.T) {
	p := MakePlan(forgeInput(forge))
	got := ops(p)
	want := []string{"create_group new  ", "add new frank admin", "remove team dave ", "update team alice write"}
	if !slices.Equal(got, want) {
		t.Fatalf("changes\n got %q\nwant %q", got, want)
	}
	for _, c := range p.Changes {
		if c.User == "alice" && c.From != "read" || c.User == "dave" && c.From != "write" {
			t.Errorf("%s: from %q: a value between levels rounds down to the level's name", c.User, c.From)
		}
	}
	var msgs []string
	for _, w := range p.Warnings {
		msgs = append(msgs, w.Kind+" "+w.User+": "+w.Message)
	}
	all := strings.Join(msgs, "\n")
	for _, s := range []string{"read_only bob: bob has access below read (level 50)", "read_only carol: carol is not granted team by the config but is a member through an SSO link",
		"protected Root:", "pending_user erin:"} {
		if !strings.Contains(all, s) {
			t.Errorf("warnings lack %q:\n%s", s, all)
		}
	}
	var b bytes.Buffer
	if err := RenderMarkdown(&b, p); err != nil {
		t.Fatal(err)
	}
	if s := b.String(); !strings.Contains(s, "### Plan against live Forge\n") || !strings.Contains(s, "#### Forge team `team`") {
		t.Errorf("markdown does not name the target by its Capabilities:\n%s", s)
	}
}

func TestPlanOfAThirdTargetWithoutItsCapabilitiesDiffers(t *testing.T) {
	// The same input under other rules: case kept, no group creation. ERIN
	// and Root are then strangers, and the missing group is an error.
	strict := forge
	strict.FoldCase, strict.CreatesGroups = false, false
	p := MakePlan(forgeInput(strict))
	if len(p.Errors) != 1 || p.Errors[0].Group != "new" {
		t.Errorf("a target that cannot create groups reports the missing one: %+v", p.Errors)
	}
	removed := map[string]bool{}
	for _, c := range p.Changes {
		if c.Op == OpRemove {
			removed[c.Login] = true
		}
	}
	if !removed["ERIN"] || !removed["Root"] || !removed["dave"] {
		t.Errorf("with case kept, ERIN and Root match no wanted or protected login: removed %v", removed)
	}
}
