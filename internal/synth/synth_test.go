package synth

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
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
