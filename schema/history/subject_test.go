package history_test

import (
	"strings"
	"testing"

	"github.com/access-as-code/access/schema/history"
)

func TestResolveSubjectGroupsFirstThenPeople(t *testing.T) {
	repo := buildHistory(t)
	for arg, want := range map[string]history.Subject{
		"operations":      {Kind: "group", Name: "operations"},
		"group/ops":       {Kind: "group", Name: "ops"}, // renamed away: written out
		"user/dave":       {Kind: "user", Name: "dave"},
		"bob@example.com": {Kind: "user", Name: "bob"},
		"carol":           {Kind: "user", Name: "carol"},
	} {
		got, err := history.ResolveSubject(repo, arg)
		if err != nil || got != want {
			t.Errorf("%s: %+v %v, want %+v", arg, got, err, want)
		}
	}
	if _, err := history.ResolveSubject(repo, "ops"); err == nil || !strings.Contains(err.Error(), "group/NAME") {
		t.Errorf("a name found nowhere at HEAD says how to name the gone: %v", err)
	}
}
