package history_test

import (
	"context"
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
		got, watch, err := history.ResolveSubject(context.Background(), repo, arg)
		if err != nil || got != want || watch != "" {
			t.Errorf("%s: %+v %v, want %+v", arg, got, err, want)
		}
	}
	// ops was renamed away: its bare name is found in the history.
	if got, _, err := history.ResolveSubject(context.Background(), repo, "ops"); err != nil || got != (history.Subject{Kind: "group", Name: "ops"}) {
		t.Errorf("ops (gone from HEAD): %+v %v, want the group found in the history", got, err)
	}
	if _, _, err := history.ResolveSubject(context.Background(), repo, "nobody"); err == nil || !strings.Contains(err.Error(), "history") {
		t.Errorf("a name found nowhere says it was searched in the history too: %v", err)
	}
}
