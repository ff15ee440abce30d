package reconcile

import (
	"strings"
	"testing"
)

// A removal from a group whose removal ends the memberships below it
// (a GitHub org and its teams) is one change; the memberships it ends are
// listed apart and still count for the removal guards.
func TestRemovalEndsSubgroups(t *testing.T) {
	caps := Capabilities{System: "Forge", CreatesGroups: true, Levels: []Level{{"member", 10}}, RemovalEndsSubgroups: true}
	members := func(ids ...string) map[string]*ObservedMember {
		m := map[string]*ObservedMember{}
		for _, id := range ids {
			m[id] = &ObservedMember{AccountID: id, Login: "u" + id, Level: 10}
		}
		return m
	}
	in := Input{Target: "forge", Caps: caps, Known: map[string]string{},
		Observed: &Observed{Groups: map[string]*ObservedGroup{
			"org":       {Name: "org", Exists: true, Members: members("1", "2", "3", "4")},
			"org/a":     {Name: "org/a", Exists: true, Members: members("1", "2", "3", "4")},
			"org/a/sub": {Name: "org/a/sub", Exists: true, Members: members("1")},
		}, Accounts: map[string]*Account{"u2": active("2", "u2"), "u4": active("4", "u4")}},
		Want: Want{
			"org":       {"u2": {User: "u2", Login: "u2", Level: "member"}, "u4": {User: "u4", Login: "u4", Level: "member"}},
			"org/a":     {"u4": {User: "u4", Login: "u4", Level: "member"}},
			"org/a/sub": {},
		}}
	p := MakePlan(in)
	var got []string
	for _, c := range p.Changes {
		got = append(got, string(c.Op)+" "+c.Group+" "+c.Login)
	}
	want := "remove org u1,remove org u3,remove org/a u2"
	if strings.Join(got, ",") != want {
		t.Fatalf("changes %q, want %q", strings.Join(got, ","), want)
	}
	var ended []string
	for _, c := range p.Ended {
		ended = append(ended, c.Group+" "+c.Login+" ("+c.Reason+")")
	}
	if strings.Join(ended, ",") != "org/a u1 (ended by the removal from org),org/a u3 (ended by the removal from org),org/a/sub u1 (ended by the removal from org)" {
		t.Fatalf("ended %q", ended)
	}
	var text strings.Builder
	if err := RenderText(&text, p); err != nil || !strings.Contains(text.String(), "also end 3 memberships") {
		t.Fatalf("the text plan does not say what the removals end: %q %v", text.String(), err)
	}
	// Without the capability every removal is its own change.
	in.Caps.RemovalEndsSubgroups = false
	if q := MakePlan(in); len(q.Changes) != 6 || len(q.Ended) != 0 {
		t.Fatalf("without RemovalEndsSubgroups: %d changes, %d ended; want 6 and 0", len(q.Changes), len(q.Ended))
	}
	// The guards count ended memberships: 3 changes + 3 ended > 5.
	err := CheckGuards(p, Limits{MaxRemovals: 5, MaxRemovalRatio: -1}, func(string, string) int { return 4 })
	if err == nil || !strings.Contains(err.Error(), "6 removals") {
		t.Fatalf("max_removals 5 with 3 removals ending 3 memberships: %v, want a refusal counting 6", err)
	}
	// And per group: org/a loses 3 of 4 (2 ended, 1 removed) > 50%.
	err = CheckGuards(p, Limits{MaxRemovals: -1, MaxRemovalRatio: 0.5}, func(string, string) int { return 4 })
	if err == nil || !strings.Contains(err.Error(), `"org/a" would lose 3 of 4`) {
		t.Fatalf("ratio guard: %v, want org/a losing 3 of 4", err)
	}
}

// A member whose level the target does not report meets any wanted level:
// no update, but still a removal when not wanted.
func TestLevelUnknownMeetsAnyLevel(t *testing.T) {
	caps := Capabilities{System: "Forge", Levels: []Level{{"member", 10}, {"maintainer", 40}}}
	in := Input{Target: "forge", Caps: caps,
		Observed: &Observed{Groups: map[string]*ObservedGroup{"t": {Name: "t", Exists: true, Members: map[string]*ObservedMember{
			"1": {AccountID: "1", Login: "owner", Level: 40, LevelUnknown: true},
			"2": {AccountID: "2", Login: "gone", Level: 40, LevelUnknown: true},
			"3": {AccountID: "3", Login: "plain", Level: 40},
		}}}, Accounts: map[string]*Account{"owner": active("1", "owner"), "plain": active("3", "plain")}},
		Want: Want{"t": {"owner": {User: "owner", Login: "owner", Level: "member"}, "plain": {User: "plain", Login: "plain", Level: "member"}}}}
	var got []string
	for _, c := range MakePlan(in).Changes {
		got = append(got, string(c.Op)+" "+c.Login)
	}
	if strings.Join(got, ",") != "remove gone,update plain" {
		t.Fatalf("changes %q, want remove gone and update plain only", got)
	}
}

// A target's notes (warnings from the config alone) reach the plan.
func TestNotesReachThePlan(t *testing.T) {
	n := Warning{Kind: WarnPendingUser, Target: "forge", User: "dave", Message: "dave has no forge login"}
	p := MakePlan(Input{Target: "forge", Caps: Capabilities{System: "Forge"}, Observed: &Observed{}, Notes: []Warning{n}})
	if len(p.Warnings) != 1 || p.Warnings[0] != n {
		t.Fatalf("warnings %+v, want the note", p.Warnings)
	}
}
