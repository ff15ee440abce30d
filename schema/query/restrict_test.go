package query

import (
	"errors"
	"maps"
	"reflect"
	"slices"
	"testing"

	"github.com/access-as-code/access/internal/synth"
	"github.com/access-as-code/access/schema"
)

// TestForUsersAnswersLikeTheFullConfig checks, for every person of a
// synthetic org, that access-of and compare over the cut-down view equal the
// answers over the whole config.
func TestForUsersAnswersLikeTheFullConfig(t *testing.T) {
	dir := t.TempDir()
	o := synth.Options{Users: 120, Groups: 40, Roles: 8, Apps: 3, Memberships: 1500, Seed: 7, Now: now}
	if err := synth.Generate(dir, o); err != nil {
		t.Fatal(err)
	}
	cfg, err := schema.CheckDir(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	full := schema.Compile(cfg, now)
	for i, u := range cfg.Users {
		want, err := AccessOf(cfg, full, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		view := ForUsers(cfg, u.ID)
		got, err := AccessOf(view, schema.Compile(view, now), u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("access-of %s differs on the view:\n got %+v\nwant %+v", u.ID, got, want)
		}
		other := cfg.Users[(i*7+3)%len(cfg.Users)].ID
		wantC, _ := Compare(cfg, full, u.ID, other)
		view = ForUsers(cfg, u.ID, other)
		gotC, _ := Compare(view, schema.Compile(view, now), u.ID, other)
		if !reflect.DeepEqual(gotC, wantC) {
			t.Fatalf("compare %s %s differs on the view:\n got %+v\nwant %+v", u.ID, other, gotC, wantC)
		}
	}
	if len(cfg.Groups) != o.Groups {
		t.Fatal("ForUsers modified the config")
	}
}

// TestForWhoHasAnswersLikeTheFullConfig checks every name who-has accepts.
func TestForWhoHasAnswersLikeTheFullConfig(t *testing.T) {
	dir := t.TempDir()
	o := synth.Options{Users: 120, Groups: 40, Roles: 8, Apps: 3, Memberships: 1500, Seed: 9, Now: now}
	if err := synth.Generate(dir, o); err != nil {
		t.Fatal(err)
	}
	cfg, err := schema.CheckDir(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	full := schema.Compile(cfg, now)
	names := append(append(append(slices.Sorted(maps.Keys(cfg.Groups)), slices.Sorted(maps.Keys(cfg.Apps))...), slices.Sorted(maps.Keys(cfg.Roles))...), slices.Sorted(maps.Keys(full.Okta))...)
	names = append(names, slices.Sorted(maps.Keys(full.GitLab))...)
	kinds := map[string]int{}
	for _, name := range names {
		want, err := WhoHas(cfg, full, name)
		if err != nil {
			t.Fatal(err)
		}
		kinds[want.Kind]++
		view, err := ForWhoHas(cfg, name)
		if err != nil {
			t.Fatal(err)
		}
		got, err := WhoHas(view, schema.Compile(view, now), name)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("who-has %s differs on the view:\n got %+v\nwant %+v", name, got, want)
		}
	}
	if len(kinds) != 5 {
		t.Errorf("kinds covered %v, want all five", kinds)
	}
}

func TestForUsersKeepsOnlyEntriesThatReachThem(t *testing.T) {
	cfg, _ := testConfig()
	view := ForUsers(cfg, "dave")
	if got := slices.Sorted(maps.Keys(view.Groups)); !reflect.DeepEqual(got, []string{"ops", "readers"}) {
		t.Errorf("groups %v, want [ops readers]", got)
	}
	if n := len(view.Groups["readers"].Members); n != 1 {
		t.Errorf("readers keeps %d entries, want dave's only", n)
	}
	if len(cfg.Groups["readers"].Members) != 2 {
		t.Error("the original config changed")
	}
}

func TestCompileForFindsPeopleByAnyNameAndRefusesUnknownOnes(t *testing.T) {
	dir := t.TempDir()
	if err := synth.Generate(dir, synth.Options{Users: 30, Groups: 10, Roles: 3, Apps: 2, Memberships: 200, Seed: 3, Now: now}); err != nil {
		t.Fatal(err)
	}
	cfg, err := schema.CheckDir(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	u := cfg.Users[4]
	view, d, err := CompileFor(cfg, now, u.Email)
	if err != nil {
		t.Fatal(err)
	}
	got, err := AccessOf(view, d, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	want, err := AccessOf(cfg, schema.Compile(cfg, now), u.ID)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("access-of %s (found by email %s) differs from the full compile: %v", u.ID, u.Email, err)
	}
	var unknown *UnknownError
	if _, _, err := CompileFor(cfg, now, u.ID, "nobody-at-all"); !errors.As(err, &unknown) {
		t.Errorf("an unknown name must be an UnknownError: %v", err)
	}
}
