package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/access-as-code/access/schema/gitrev/gitrevtest"
)

// departedRepo: dave (dave@acme.example) is in backend, and a person and a
// group are both called ops; then dave leaves, ops (both) goes away and
// the legacy group is deleted. A group sam is deleted before a person sam
// leaves. HEAD knows none of them.
func departedRepo(t *testing.T) string {
	b := gitrevtest.New(t)
	when := func(d int) time.Time { return time.Date(2026, 3, d, 9, 0, 0, 0, time.UTC) }
	b.Write("access-config/access.yaml", "admins: [alice]\n")
	b.Write("access-config/users.yaml", "users:\n  - id: alice\n    email: alice@acme.example\n  - id: dave\n    email: dave@acme.example\n  - id: ops\n    email: ops@acme.example\n")
	b.Write("access-config/groups/backend.yaml", "owners: [alice]\nmembers:\n  - alice\n  - dave\n")
	b.Write("access-config/groups/legacy.yaml", "owners: [alice]\nmembers:\n  - alice\n")
	b.Write("access-config/groups/ops.yaml", "owners: [alice]\nmembers:\n  - ops\n")
	b.Write("access-config/groups/sam.yaml", "owners: [alice]\nmembers:\n  - alice\n")
	b.Commit("initial (#1)", "alice", when(1))
	b.Write("access-config/users.yaml", "users:\n  - id: alice\n    email: alice@acme.example\n  - id: sam\n    email: sam@acme.example\n")
	b.Write("access-config/groups/backend.yaml", "owners: [alice]\nmembers:\n  - alice\n")
	b.Remove("access-config/groups/legacy.yaml")
	b.Remove("access-config/groups/ops.yaml")
	b.Remove("access-config/groups/sam.yaml")
	b.Commit("Offboard dave, retire legacy, ops and group sam (#2)", "alice", when(2))
	b.Write("access-config/users.yaml", "users:\n  - id: alice\n    email: alice@acme.example\n")
	b.Commit("Offboard sam (#3)", "alice", when(3))
	return filepath.Join(b.Dir, "access-config")
}

func TestHistoryFindsADepartedPersonOrDeletedGroupByBareName(t *testing.T) {
	cfg := departedRepo(t)
	for arg, want := range map[string]struct{ kind, name string }{
		"dave":              {"user", "dave"},
		"DAVE@acme.example": {"user", "dave"},
		"legacy":            {"group", "legacy"},
	} {
		code, out, errs := runQuery(t, "history", "--config", cfg, arg, "--format", "json")
		var res struct {
			Subject, Kind string
			Events        []struct{ Op, Group, User string }
		}
		if code != 0 || json.Unmarshal([]byte(out), &res) != nil {
			t.Errorf("history %s: exit %d\n%s%s", arg, code, out, errs)
			continue
		}
		if res.Kind != want.kind || res.Subject != want.name || len(res.Events) == 0 || res.Events[0].Op != "lose" {
			t.Errorf("history %s = %s %s %+v; want the %s %s losing access", arg, res.Kind, res.Subject, res.Events, want.kind, want.name)
		}
	}
}

func TestHistoryAsksForThePrefixOnlyWhenANameIsBoth(t *testing.T) {
	cfg := departedRepo(t)
	for _, name := range []string{"ops", "sam"} { // gone together; the group long before the person
		code, out, errs := runQuery(t, "history", "--config", cfg, name)
		if code == 0 || !strings.Contains(errs, "group/"+name) || !strings.Contains(errs, "user/"+name) {
			t.Errorf("history %s (a person and a group): exit %d, want both listed\n%s%s", name, code, out, errs)
		}
	}
	for _, arg := range []string{"group/ops", "user/ops"} {
		if code, out, errs := runQuery(t, "history", "--config", cfg, arg); code != 0 || !strings.Contains(out, "lose") {
			t.Errorf("history %s: exit %d\n%s%s", arg, code, out, errs)
		}
	}
	code, _, errs := runQuery(t, "history", "--config", cfg, "nobody")
	if code == 0 || !strings.Contains(errs, `unknown user "nobody"`) || !strings.Contains(errs, "history") {
		t.Errorf("history nobody: exit %d %q; want unknown, now and in the history", code, errs)
	}
}
