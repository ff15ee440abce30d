package history_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/access-as-code/access/schema/gitrev"
	"github.com/access-as-code/access/schema/gitrev/gitrevtest"
	"github.com/access-as-code/access/schema/history"
)

func day(d int) time.Time { return time.Date(2026, 1, d, 12, 0, 0, 0, time.UTC) }

const users = `users:
  - id: alice
    email: alice@example.com
  - id: bob
    email: bob@example.com
  - id: carol
    email: carol@example.com
`

func group(okta string, members ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "owners: [alice]\nokta:\n  group: %s\nmembers:\n", okta)
	for _, m := range members {
		fmt.Fprintf(&b, "  - %s\n", m)
	}
	return b.String()
}

// buildHistory: a squash-merged grant, a merge commit from a branch, a role
// split and a renamed group file.
func buildHistory(t *testing.T) *gitrev.Repo {
	return gitrev.FromRepository(historyBuilder(t).Repo, "access-config")
}

func historyBuilder(t *testing.T) *gitrevtest.Builder {
	b := gitrevtest.New(t)
	b.Write("access-config/access.yaml", "admins: [alice]\n").Write("access-config/users.yaml", users)
	b.Write("access-config/roles/eng.yaml", "owners: [alice]\nmembers: [bob, carol]\n")
	b.Write("access-config/groups/backend.yaml", group("Eng-Backend", "alice", "role: eng"))
	b.Commit("initial config", "alice", day(1))

	b.Write("access-config/groups/ops.yaml", "owners: [alice]\nokta:\n  group: Ops\nmembers:\n  - alice\n  - user: bob\n    until: 2026-06-30\n    reason: INC-1\n")
	b.Commit("Give bob ops for INC-1 (#4)", "bob", day(2))

	b.Branch("split")
	b.Write("access-config/roles/eng.yaml", "owners: [alice]\nmembers: [bob]\n")
	b.Write("access-config/roles/eng-web.yaml", "owners: [alice]\nmembers: [carol]\n")
	b.Write("access-config/groups/backend.yaml", group("Eng-Backend", "alice", "role: eng", "role: eng-web"))
	b.Commit("Split eng into eng and eng-web", "alice", day(3))
	b.Checkout("main")
	b.Write("access-config/roles/eng.yaml", "owners: [alice]\nmembers: [bob]\n")
	b.Write("access-config/roles/eng-web.yaml", "owners: [alice]\nmembers: [carol]\n")
	b.Write("access-config/groups/backend.yaml", group("Eng-Backend", "alice", "role: eng", "role: eng-web"))
	b.Merge("split", "Merge pull request #5 from acme/split\n\nSplit eng", "alice", day(4))

	b.Rename("access-config/groups/ops.yaml", "access-config/groups/operations.yaml")
	b.Commit("Rename ops to operations (#6)", "alice", day(5))

	b.Write("access-config/groups/operations.yaml", "owners: [alice]\nokta:\n  group: Ops\nmembers:\n  - alice\n")
	b.Commit("Remove bob from operations (#7)", "carol", day(6))
	return b
}

// A repository opened from disk is walked with a second handle reading the
// snapshots concurrently; the answer must be the one of the plain walk.
func TestWalkWithASecondHandleGivesTheSameEvents(t *testing.T) {
	b := historyBuilder(t)
	mem := gitrev.FromRepository(b.Repo, "access-config")
	disk, err := gitrev.Open(filepath.Join(b.Dir, "access-config"))
	if err != nil {
		t.Fatal(err)
	}
	defer disk.Close()
	ctx := context.Background()
	for _, subj := range []history.Subject{{Kind: "user", Name: "bob"}, {Kind: "user", Name: "carol"}, {Kind: "group", Name: "operations"}} {
		want, err := history.Walk(ctx, mem, subj, history.Options{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := history.Walk(ctx, disk, subj, history.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if lines(got) != lines(want) || len(want) == 0 {
			t.Errorf("%s %s: from disk\n%s\nin memory\n%s", subj.Kind, subj.Name, lines(got), lines(want))
		}
	}
	first, err := history.Walk(ctx, disk, history.Subject{Kind: "user", Name: "bob"}, history.Options{Limit: 1})
	if err != nil || len(first) != 1 {
		t.Fatalf("a limited walk stops early: %v, %d events", err, len(first))
	}
}

func lines(evs []history.Event) string {
	var out []string
	for _, e := range evs {
		s := fmt.Sprintf("#%d %s %s %s", e.PR, e.Op, e.Group, e.User)
		if e.From != "" {
			s += " from " + e.From
		}
		for _, v := range e.Via {
			if v.Role != "" {
				s += " via " + v.Role
			}
		}
		out = append(out, s)
	}
	return strings.Join(out, "\n")
}

func TestUserHistoryFollowsMergesSplitsAndRenames(t *testing.T) {
	repo := buildHistory(t)
	evs, err := history.Walk(context.Background(), repo, history.Subject{Kind: "user", Name: "bob"}, history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		"#7 lose operations bob",
		"#6 renamed operations bob from ops",
		"#4 gain ops bob",
		"#0 gain backend bob via eng",
	}, "\n")
	if got := lines(evs); got != want {
		t.Errorf("bob's history:\n%s\nwant:\n%s", got, want)
	}
	if evs[0].Author != "carol" || !evs[0].When.Equal(day(6)) || evs[2].Until == nil || evs[2].Reason != "INC-1" {
		t.Errorf("event details: %+v / %+v", evs[0].Commit, evs[2])
	}
}

func TestUserHistoryShowsRoleSplitAsPathChangeOnly(t *testing.T) {
	repo := buildHistory(t)
	evs, err := history.Walk(context.Background(), repo, history.Subject{Kind: "user", Name: "carol"}, history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := "#5 change backend carol via eng-web\n#0 gain backend carol via eng"
	if got := lines(evs); got != want {
		t.Errorf("carol's history:\n%s\nwant:\n%s", got, want)
	}
}

func TestGroupHistoryFollowsTheFileThroughARename(t *testing.T) {
	repo := buildHistory(t)
	evs, err := history.Walk(context.Background(), repo, history.Subject{Kind: "group", Name: "operations"}, history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		"#7 lose operations bob",
		"#6 renamed operations  from ops",
		"#4 gain ops alice",
		"#4 gain ops bob",
	}, "\n")
	if got := lines(evs); got != want {
		t.Errorf("operations history:\n%s\nwant:\n%s", got, want)
	}
	limited, _ := history.Walk(context.Background(), repo, history.Subject{Kind: "group", Name: "operations"}, history.Options{Limit: 1})
	if len(limited) != 1 {
		t.Errorf("Limit 1 gave %d events", len(limited))
	}
}

func TestScanRoleRefsFindsMemberAndOwnerRoles(t *testing.T) {
	got := history.ScanRoleRefsForTest([]byte("owners: [alice, {role: eng-leads}]\nmembers:\n  - role: backend\n  - role: \"web.team\"\n  - alice\n"))
	if strings.Join(got, ",") != "eng-leads,backend,web.team" {
		t.Errorf("role refs = %v", got)
	}
}
