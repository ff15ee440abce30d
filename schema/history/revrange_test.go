package history_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/access-as-code/access/schema/accessdiff"
	"github.com/access-as-code/access/schema/gitrev/gitrevtest"
	"github.com/access-as-code/access/schema/history"
)

// gains lists "user kind name" for every gained grant of a report.
func gains(r *accessdiff.Report) []string {
	var out []string
	for _, p := range r.People {
		for _, c := range p.Changes {
			if c.Op == accessdiff.OpGain {
				out = append(out, p.User+" "+c.Kind+" "+c.Name)
			}
		}
	}
	return out
}

func TestLoadRangeStartsFromTheMergeBase(t *testing.T) {
	b := gitrevtest.New(t)
	b.Write("access-config/access.yaml", "admins: [alice]\n").Write("access-config/users.yaml", users)
	b.Write("access-config/groups/backend.yaml", group("Eng-Backend", "alice"))
	b.Commit("initial config", "alice", day(1))
	b.Branch("grant")
	b.Write("access-config/groups/backend.yaml", group("Eng-Backend", "alice", "bob"))
	b.Commit("Give bob backend", "bob", day(2))
	b.Checkout("main")
	b.Write("access-config/groups/backend.yaml", group("Eng-Backend", "alice", "carol"))
	b.Commit("Give carol backend on main after the fork", "alice", day(3))
	dir := filepath.Join(b.Dir, "access-config")

	r, err := history.LoadRange(dir, "main", "grant", day(4))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(gains(r.Report), "|")
	if !strings.Contains(got, "bob group backend") || strings.Contains(got, "carol") {
		t.Errorf("gains %q: the branch's change only, not main's after the fork", got)
	}
	if r.HeadCommit == nil || r.Report.Head != r.HeadCommit.Hash || r.Report.Base != r.BaseCommit.Hash || r.BaseCommit.Hash == r.HeadCommit.Hash {
		t.Errorf("commits: base %q head %+v report %s...%s", r.BaseCommit.Hash, r.HeadCommit, r.Report.Base, r.Report.Head)
	}

	// The worktree (checked out: main) against main's first commit: carol.
	r, err = history.LoadRange(dir, "HEAD~1", history.Worktree, day(4))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(gains(r.Report), "|"); !strings.Contains(got, "carol group backend") || strings.Contains(got, "bob") || r.HeadCommit != nil || r.Report.Head != "worktree" {
		t.Errorf("worktree: gains %q, head %+v %q", got, r.HeadCommit, r.Report.Head)
	}
}

func TestLoadRangeRefusesAnInvalidHeadAndTakesABaseWithoutConfig(t *testing.T) {
	b := gitrevtest.New(t)
	b.Write("README.md", "no config yet\n")
	b.Commit("start", "alice", day(1))
	b.Write("access-config/access.yaml", "admins: [alice]\n").Write("access-config/users.yaml", users)
	b.Write("access-config/groups/backend.yaml", group("Eng-Backend", "alice"))
	b.Commit("add the config", "alice", day(2))
	dir := filepath.Join(b.Dir, "access-config")

	r, err := history.LoadRange(dir, "HEAD~1", "HEAD", day(3))
	if err != nil {
		t.Fatal(err)
	}
	if got := gains(r.Report); len(got) == 0 || !strings.Contains(strings.Join(got, "|"), "alice group backend") {
		t.Errorf("a base without the config directory is empty, so everything is new: %q", got)
	}

	b.Write("access-config/groups/backend.yaml", group("Eng-Backend", "nobody"))
	b.Commit("name someone who does not exist", "alice", day(3))
	_, err = history.LoadRange(dir, "HEAD~1", "HEAD", day(4))
	var inv *history.InvalidConfigError
	if !errors.As(err, &inv) || !strings.Contains(inv.Where, " at ") || !strings.Contains(inv.Err.Error(), "nobody") {
		t.Errorf("an invalid head must be an InvalidConfigError naming the commit: %v", err)
	}
}
