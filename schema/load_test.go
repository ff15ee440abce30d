package schema

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func mapFS(files map[string]string) fstest.MapFS {
	m := fstest.MapFS{}
	for k, v := range files {
		m[k] = &fstest.MapFile{Data: []byte(v)}
	}
	return m
}

const twoUsers = "users:\n  - id: alice\n    email: alice@example.com\n  - id: bob\n    email: bob@example.com\n"

func TestLoadKeepsEverythingThatParsedBesideABrokenFile(t *testing.T) {
	fsys := mapFS(map[string]string{
		"users.yaml":       twoUsers,
		"groups/good.yaml": "owners: [alice]\nmembers:\n  - role: devs\n",
		"groups/bad.yaml":  "owners: [alice\n",
		"roles/devs.yaml":  "owners: [alice]\nmembers: [bob\n",
	})
	c, err := Check(fsys, exampleNow)
	if c == nil || c.Groups["good"] == nil {
		t.Fatalf("the good group was not kept: %+v", c)
	}
	errs := Errors(err)
	if len(errs) != 2 {
		t.Fatalf("want one error per broken file, got:\n%v", err)
	}
	for _, e := range errs {
		if strings.Contains(e.Msg, "unknown role") {
			t.Errorf("a role whose file is broken is still a known name: %v", e)
		}
	}
}

func TestCheckSortsErrorsByFileThenLine(t *testing.T) {
	fsys := mapFS(map[string]string{
		"users.yaml":      twoUsers + "  - id: alice\n    email: a2@example.com\n",
		"groups/b.yaml":   "owners: [alice]\nmembers: [zed, bob, yan]\n",
		"groups/a.yaml":   "owners: [nobody]\nmembers: [alice]\nextra: 1\n",
		"access.yaml":     "admins: [root]\n",
		"roles/devs.yaml": "owners: [alice]\nmembers: [bob]\n",
	})
	_, err := Check(fsys, exampleNow)
	errs := Errors(err)
	if len(errs) != 6 {
		t.Fatalf("want 6 errors, got %d:\n%v", len(errs), err)
	}
	for i := 1; i < len(errs); i++ {
		a, b := errs[i-1], errs[i]
		if a.File > b.File || (a.File == b.File && (a.Line > b.Line || a.Line == b.Line && a.Col > b.Col)) {
			t.Errorf("not sorted: %v before %v", a, b)
		}
	}
}

// statOnlyFS reports a huge size for big.yaml and fails the test if the
// loader opens it anyway: the size limit is checked before reading.
type statOnlyFS struct {
	fstest.MapFS
	t *testing.T
}

type bigInfo struct{ fs.FileInfo }

func (bigInfo) Size() int64 { return MaxFileSize + 1 }

func (f statOnlyFS) Open(name string) (fs.File, error) {
	if name == "groups/big.yaml" {
		f.t.Errorf("the loader opened a file over the size limit")
	}
	return f.MapFS.Open(name)
}

func (f statOnlyFS) Stat(name string) (fs.FileInfo, error) {
	fi, err := f.MapFS.Stat(name)
	if err == nil && name == "groups/big.yaml" {
		return bigInfo{fi}, nil
	}
	return fi, err
}

func TestFileSizeIsCheckedBeforeReading(t *testing.T) {
	fsys := statOnlyFS{mapFS(map[string]string{"users.yaml": twoUsers, "groups/big.yaml": "owners: [alice]\n"}), t}
	_, err := Load(fsys)
	if err == nil || !strings.Contains(err.Error(), "groups/big.yaml:1:1: file is 10485761 bytes, over the 10 MiB limit") {
		t.Fatalf("got %v", err)
	}
}

func nested(depth int) string {
	// members is the root mapping's child list: depth 2; each [ adds one.
	return "owners: [alice]\nmembers:\n  - " + strings.Repeat("[", depth-2) + strings.Repeat("]", depth-2) + "\n"
}

func TestNestingLimitIsExactlyMaxDepth(t *testing.T) {
	for _, tc := range []struct {
		depth int
		deep  bool
	}{{MaxDepth, false}, {MaxDepth + 1, true}} {
		_, err := Load(mapFS(map[string]string{"users.yaml": twoUsers, "groups/g.yaml": nested(tc.depth)}))
		if got := err != nil && strings.Contains(err.Error(), "nesting deeper"); got != tc.deep {
			t.Errorf("depth %d: rejected for nesting = %v, want %v (%v)", tc.depth, got, tc.deep, err)
		}
	}
}

func TestModestAliasUseIsAcceptedAndABombIsNot(t *testing.T) {
	modest := "owners: &o [alice]\nmembers:\n  - &t {user: bob, until: 2027-01-01, reason: x}\n"
	for i := 0; i < 50; i++ {
		modest += "  - <<: *t\n    user: u" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + "\n"
	}
	_, err := Load(mapFS(map[string]string{"users.yaml": twoUsers, "groups/g.yaml": modest}))
	if err != nil && strings.Contains(err.Error(), "alias") {
		t.Errorf("modest aliases rejected: %v", err)
	}
	bomb := "owners: [alice]\nmembers: []\ndescription: &a [x, x, x, x, x, x, x, x, x, x]\n"
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g"} {
		bomb += n + ": &" + n + " [" + strings.Repeat("*"+prev+", ", 9) + "*" + prev + "]\n"
		prev = n
	}
	_, err = Load(mapFS(map[string]string{"users.yaml": twoUsers, "groups/g.yaml": bomb}))
	if err == nil || !strings.Contains(err.Error(), "alias bomb") {
		t.Errorf("alias bomb not refused: %v", err)
	}
}

func TestPolicyMaxDurationAllowsExactlyTheLimit(t *testing.T) {
	limit := exampleNow.Add(90 * 24 * time.Hour)
	for _, tc := range []struct {
		until string
		ok    bool
	}{{limit.Format(time.RFC3339), true}, {limit.Add(time.Second).Format(time.RFC3339), false}} {
		fsys := mapFS(map[string]string{
			"users.yaml":    twoUsers,
			"groups/g.yaml": "owners: [alice]\npolicy: {max_duration: 90d}\nmembers:\n  - user: bob\n    until: " + tc.until + "\n",
		})
		if _, err := Check(fsys, exampleNow); (err == nil) != tc.ok {
			t.Errorf("until %s: err = %v, want ok = %v", tc.until, err, tc.ok)
		}
	}
}

func TestExpiredEntriesAreNoPolicyViolation(t *testing.T) {
	fsys := mapFS(map[string]string{
		"users.yaml":    twoUsers,
		"access.yaml":   "policies:\n  default: {max_duration: 30d, require_reason: true}\n",
		"groups/g.yaml": "owners: [alice]\nmembers:\n  - {user: alice, until: 2026-12-01, reason: on call}\n  - {user: bob, until: 2026-11-23}\n",
	})
	if _, err := Check(fsys, exampleNow); err != nil {
		t.Fatalf("an entry ending exactly now has expired and needs nothing: %v", err)
	}
}

func TestAbsentAccessYAMLGivesDefaultLimits(t *testing.T) {
	c, err := Check(mapFS(map[string]string{"users.yaml": twoUsers}), exampleNow)
	if err != nil {
		t.Fatal(err)
	}
	if c.Settings.Limits != (Limits{MaxRemovals: DefaultMaxRemovals, MaxRemovalRatio: DefaultMaxRemovalRatio}) {
		t.Errorf("limits: %+v", c.Settings.Limits)
	}
	c, err = Check(mapFS(map[string]string{"users.yaml": twoUsers, "access.yaml": "limits: {max_removals: 0}\n"}), exampleNow)
	if err != nil || c.Settings.Limits.MaxRemovals != 0 || c.Settings.Limits.MaxRemovalRatio != DefaultMaxRemovalRatio {
		t.Errorf("an explicit 0 must be kept, the rest defaulted: %+v %v", c.Settings.Limits, err)
	}
}

func TestLookupsWorkOnAConfigBuiltInCode(t *testing.T) {
	c := &Config{Users: []*User{{ID: "alice", Email: "Alice@example.com", GitHub: "Al-GH", GitLab: "al"}}}
	if c.User("alice") == nil || c.UserByOkta("alice@EXAMPLE.com") == nil || c.UserByGitHub("al-gh") == nil || c.UserByGitLab("AL") == nil {
		t.Error("lookups fail without Load")
	}
	if c.User("bob") != nil || c.UserByGitLab("") != nil {
		t.Error("lookups invent users")
	}
	if err := c.Validate(exampleNow); err != nil {
		t.Errorf("a Config built in code validates: %v", err)
	}
}

func TestSuggestFindsTyposOnly(t *testing.T) {
	ids := []string{"alice", "bob", "carol", "backend-engineers"}
	for in, want := range map[string]string{"alcie": "alice", "Bobb": "bob", "backend-engineer": "backend-engineers", "zed": "", "alice": ""} {
		if got := Suggest(in, ids); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", in, got, want)
		}
	}
}
