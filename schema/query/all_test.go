package query

import (
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/access-as-code/access/schema"
)

// The batch answers must be the single answers, person by person, on the
// hand-written org (every rule) and on a synthetic one (scale and skew).
func TestAllAnswersEqualSingleAnswers(t *testing.T) {
	cfg, d := testConfig()
	checkAll(t, "test config", cfg, d)

	dir, _ := benchOrg(t, 1)
	big, err := schema.CheckDir(dir, benchNow)
	if err != nil {
		t.Fatal(err)
	}
	checkAll(t, "synthetic org", big, schema.Compile(big, benchNow))

	ex, err := schema.CheckDir(filepath.Join("..", "..", "access-config"), now)
	if err != nil {
		t.Fatal(err)
	}
	checkAll(t, "example config", ex, schema.Compile(ex, now))
}
func checkAll(t *testing.T, what string, cfg *schema.Config, d *schema.Desired) {
	t.Helper()
	access, owned := AccessOfAll(cfg, d), OwnedByAll(cfg, d)
	if len(access) != len(cfg.Users) || len(owned) != len(cfg.Users) {
		t.Fatalf("%s: %d access and %d owned answers for %d users", what, len(access), len(owned), len(cfg.Users))
	}
	for _, u := range cfg.Users {
		want, err := AccessOf(cfg, d, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(access[u.ID], want) {
			t.Errorf("%s: AccessOfAll[%s] = %+v\nwant %+v", what, u.ID, access[u.ID], want)
		}
		wantOwned, err := OwnedBy(cfg, d, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(owned[u.ID], wantOwned) {
			t.Errorf("%s: OwnedByAll[%s] = %+v\nwant %+v", what, u.ID, owned[u.ID], wantOwned)
		}
	}
	names := append(slices.Sorted(maps.Keys(cfg.Groups)), slices.Sorted(maps.Keys(cfg.Roles))...)
	each, err := WhoHasEach(cfg, d, names)
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range names {
		want, err := WhoHas(cfg, d, n)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(each[i], want) {
			t.Errorf("%s: WhoHasEach %s = %+v\nwant %+v", what, n, each[i], want)
		}
	}
}
