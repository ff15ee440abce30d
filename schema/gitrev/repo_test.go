package gitrev_test

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/access-as-code/access/schema/gitrev"
	"github.com/access-as-code/access/schema/gitrev/gitrevtest"
)

func day(d int) time.Time { return time.Date(2026, 1, d, 12, 0, 0, 0, time.UTC) }

func TestOpenFindsRepositoryAboveConfigDir(t *testing.T) {
	b := gitrevtest.New(t)
	b.Write("access-config/users.yaml", "users: []\n")
	b.Commit("init", "alice", day(1))
	r, err := gitrev.Open(filepath.Join(b.Dir, "access-config"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Prefix != "access-config" {
		t.Errorf("Prefix = %q, want access-config", r.Prefix)
	}
	if _, err := gitrev.Open(t.TempDir()); err == nil {
		t.Error("Open outside any repository: want an error")
	}
}

func TestConfigFSReadsCommittedContentNotWorkTree(t *testing.T) {
	b := gitrevtest.New(t)
	b.Write("cfg/users.yaml", "users: []\n").Write("cfg/groups/backend.yaml", "owners: [alice]\n")
	b.Write("cfg/groups/web.yaml", "owners: [bob]\n").Write("README.md", "x\n")
	b.Commit("init", "alice", day(1))
	// Uncommitted edits must not show.
	b.Write("cfg/groups/backend.yaml", "owners: [mallory]\n")
	r, err := gitrev.Open(filepath.Join(b.Dir, "cfg"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := r.Resolve("HEAD")
	if err != nil {
		t.Fatal(err)
	}
	fsys, err := r.ConfigFS(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := fstest.TestFS(fsys, "users.yaml", "groups/backend.yaml", "groups/web.yaml"); err != nil {
		t.Fatal(err)
	}
	data, err := fs.ReadFile(fsys, "groups/backend.yaml")
	if err != nil || string(data) != "owners: [alice]\n" {
		t.Errorf("groups/backend.yaml = %q, %v; want the committed content", data, err)
	}
	if _, err := fs.Stat(fsys, "README.md"); err == nil {
		t.Error("README.md outside the config dir is visible")
	}
}

func TestAtUsesFirstParentLineAndCommitterTime(t *testing.T) {
	b := gitrevtest.New(t)
	b.Write("g.yaml", "v1\n")
	c1 := b.Commit("one", "alice", day(1))
	b.Branch("feature")
	b.Write("g.yaml", "branch\n")
	b.Commit("on a branch", "bob", day(3))
	b.Checkout("main")
	b.Write("g.yaml", "v2\n")
	c2 := b.Commit("two", "alice", day(5))
	b.Write("g.yaml", "merged\n")
	m := b.Merge("feature", "Merge pull request #7 from org/feature\n\nAdd bob", "carol", day(8))

	r := gitrev.FromRepository(b.Repo, "")
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{day(1), c1.String()},
		{day(4), c1.String()}, // the branch commit of day 3 was not on main yet
		{day(5).Add(time.Hour), c2.String()},
		{day(9), m.String()},
	} {
		c, err := r.At(tc.at)
		if err != nil {
			t.Fatalf("At(%s): %v", tc.at, err)
		}
		if c.Hash.String() != tc.want {
			t.Errorf("At(%s) = %s, want %s", tc.at, c.Hash, tc.want)
		}
	}
	if _, err := r.At(day(1).Add(-time.Hour)); err == nil {
		t.Error("At before the first commit: want an error")
	}
	if c, err := r.Resolve("2026-01-06"); err != nil || c.Hash != c2 {
		t.Errorf("Resolve(date) = %v, %v; want %s", c, err, c2)
	}
	if c, err := r.Resolve("HEAD~1"); err != nil || c.Hash != c2 {
		t.Errorf("Resolve(HEAD~1) = %v, %v; want %s", c, err, c2)
	}
	head, _ := r.Resolve("")
	if d := gitrev.Describe(head); d.PR != 7 || d.Author != "carol" || d.Subject != "Merge pull request #7 from org/feature" {
		t.Errorf("Describe(merge) = %+v", d)
	}
}

func TestConfigAtReadsThePastFromDisk(t *testing.T) {
	b := gitrevtest.New(t)
	b.Write("access-config/users.yaml", "old\n")
	b.Commit("one", "alice", day(1))
	b.Write("access-config/users.yaml", "new\n")
	b.Commit("two (#12)", "alice", day(10))
	fsys, c, done, err := gitrev.ConfigAt(context.Background(), filepath.Join(b.Dir, "access-config"), day(5))
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	data, _ := fs.ReadFile(fsys, "users.yaml")
	if string(data) != "old\n" || c.Subject != "one" {
		t.Errorf("ConfigAt(day 5) = %q at %q; want old at one", data, c.Subject)
	}
}

func TestParsePRFindsMergeAndSquashNumbers(t *testing.T) {
	for msg, want := range map[string]int{
		"Merge pull request #42 from org/branch\n\nbody": 42,
		"Add carol to backend (#108)":                    108,
		"Add carol to backend (#108)\n\n* details":       108,
		"Fix #12 typo":               0,
		"Merge branch 'main' into x": 0,
	} {
		if got := gitrev.ParsePR(msg); got != want {
			t.Errorf("ParsePR(%q) = %d, want %d", msg, got, want)
		}
	}
}

func TestConfigFSIsSafeForConcurrentReads(t *testing.T) {
	b := gitrevtest.New(t)
	for i := 0; i < 50; i++ {
		b.Write(fmt.Sprintf("groups/g%02d.yaml", i), fmt.Sprintf("n: %d\n", i))
	}
	b.Commit("init", "alice", day(1))
	r := gitrev.FromRepository(b.Repo, "")
	c, _ := r.Resolve("HEAD")
	fsys, err := r.ConfigFS(c)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			name := fmt.Sprintf("groups/g%02d.yaml", i)
			data, err := fs.ReadFile(fsys, name)
			if err != nil || string(data) != fmt.Sprintf("n: %d\n", i) {
				t.Errorf("%s = %q, %v", name, data, err)
			}
			if _, err := fs.Stat(fsys, name); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
}
