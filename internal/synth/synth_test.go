package synth

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/access-as-code/access/schema"
)

var testNow = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func small() Options { o := Small; o.Now = testNow; return o }

func TestGeneratedOrgValidates(t *testing.T) {
	dir := t.TempDir()
	o := small()
	if err := Generate(dir, o); err != nil {
		t.Fatal(err)
	}
	cfg, err := schema.CheckDir(dir, testNow)
	if err != nil {
		for i, e := range schema.Errors(err) {
			if i == 10 {
				break
			}
			t.Error(e)
		}
		t.Fatalf("generated org does not validate")
	}
	if len(cfg.Users) != o.Users || len(cfg.Groups) != o.Groups || len(cfg.Roles) != o.Roles || len(cfg.Apps) != o.Apps {
		t.Errorf("counts %d/%d/%d/%d, want %d/%d/%d/%d", len(cfg.Users), len(cfg.Groups), len(cfg.Roles), len(cfg.Apps), o.Users, o.Groups, o.Roles, o.Apps)
	}
	entries := 0
	for _, g := range cfg.Groups {
		entries += len(g.Members)
	}
	for _, r := range cfg.Roles {
		entries += len(r.Members)
	}
	if diff := entries - o.Memberships; diff < -o.Memberships/100 || diff > o.Memberships/100 {
		t.Errorf("%d membership entries, want %d (±1%%)", entries, o.Memberships)
	}
}

func TestGenerateIsDeterministicForASeed(t *testing.T) {
	a, err := Build(small())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Build(small())
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two builds with one seed differ")
	}
	o := small()
	o.Seed = 2
	c, _ := Build(o)
	if reflect.DeepEqual(a.Groups, c.Groups) {
		t.Fatal("another seed gives the same groups")
	}
}

func TestGroupSizesAreSkewed(t *testing.T) {
	org, err := Build(Large.At(testNow))
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for _, g := range org.Groups {
		sizes = append(sizes, len(g.Members))
	}
	sort.Sort(sort.Reverse(sort.IntSlice(sizes)))
	big := 0
	for _, s := range sizes {
		if s >= 1000 {
			big++
		}
	}
	median := sizes[len(sizes)/2]
	t.Logf("groups >=1000 members: %d, median %d, largest %d", big, median, sizes[0])
	if big < 3 || big > len(sizes)/50 || median > 50 || sizes[len(sizes)-1] < 1 {
		t.Errorf("groups with >=1000 members: %d, median %d, largest %d, smallest %d: want a few huge groups and most small",
			big, median, sizes[0], sizes[len(sizes)-1])
	}
}

func TestGenerateRefusesANonEmptyDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "keep.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Generate(dir, small()); err == nil {
		t.Fatal("wrote into a directory that holds other files")
	}
}

func TestOptionsAreChecked(t *testing.T) {
	for _, o := range []Options{{Users: 10, Groups: 5, Memberships: 100}, {Users: 1, Groups: 1, Memberships: 1, Now: testNow}, {Users: 10, Groups: 10, Memberships: 5, Now: testNow}} {
		if _, err := Build(o); err == nil {
			t.Errorf("Build(%+v) accepted", o)
		}
	}
}

// A generated history has the shape it promises: users.yaml changes in most
// commits, the veteran joins many groups, the departed person is gone from
// every file at the end, and the last commit's config validates.
func TestGenerateHistoryHasItsShape(t *testing.T) {
	h := HistoryOptions{Org: Options{Users: 120, Groups: 60, Roles: 8, Apps: 2, Memberships: 900, Seed: 3}, Commits: 400,
		Start: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), Step: 25 * time.Hour}
	files := map[string][]byte{}
	commits, usersChanged := 0, 0
	names, err := GenerateHistory(h, func(c Commit) error {
		commits++
		if _, ok := c.Files["users.yaml"]; ok {
			usersChanged++
		}
		for p, d := range c.Files {
			files[p] = d
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if commits != h.Commits || usersChanged < commits/2 {
		t.Errorf("%d commits, %d change users.yaml; want %d, most", commits, usersChanged, h.Commits)
	}
	veteran := 0
	for p, d := range files {
		if strings.HasPrefix(p, "groups/") && strings.Contains(string(d), names.Veteran+"\n") {
			veteran++
		}
		if strings.Contains(string(d), names.Departed) {
			t.Errorf("%s still names %s, who left", p, names.Departed)
		}
	}
	if veteran < 10 {
		t.Errorf("veteran in %d groups at the end; want many", veteran)
	}
	dir := t.TempDir()
	for p, d := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), d, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := schema.CheckDir(dir, h.Start.Add(time.Duration(h.Commits)*h.Step))
	if err != nil {
		for i, e := range schema.Errors(err) {
			if i < 5 {
				t.Error(e)
			}
		}
		t.Fatal("the last commit's config does not validate")
	}
	if len(cfg.Users) != names.People {
		t.Errorf("%d people in users.yaml, names say %d", len(cfg.Users), names.People)
	}
}
