package schema

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

const fuzzUsers = "users:\n  - id: alice\n    email: alice@example.com\n  - id: bob\n    email: bob@example.com\n"
const fuzzGroup = "owners: [alice]\nokta:\n  group: Team\nmembers:\n  - bob\n  - role: devs\n"
const fuzzRole = "owners: [alice]\nmembers: [bob]\n"

// corpusFiles returns the files of the committed corpus whose path ends in
// suffix, as fuzz seeds.
func corpusFiles(f *testing.F, match func(rel string) bool) [][]byte {
	var out [][]byte
	for _, kind := range []string{"invalid", "valid"} {
		dirs, _ := os.ReadDir(filepath.Join(corpus, kind))
		for _, d := range dirs {
			root := filepath.Join(corpus, kind, d.Name())
			_ = filepath.WalkDir(root, func(p string, e os.DirEntry, err error) error {
				if err != nil || e.IsDir() {
					return nil
				}
				rel, _ := filepath.Rel(root, p)
				if match(filepath.ToSlash(rel)) {
					if b, err := os.ReadFile(p); err == nil && len(b) < 1<<16 {
						out = append(out, b)
					}
				}
				return nil
			})
		}
	}
	return out
}

// checkErrors asserts what every loader error must be: in a file of the
// config, with a message.
func checkErrors(t *testing.T, fsys fstest.MapFS, err error) {
	t.Helper()
	for _, e := range Errors(err) {
		if e.File == "" || e.Msg == "" {
			t.Fatalf("error without file or message: %#v", e)
		}
		if _, ok := fsys[e.File]; !ok && !strings.HasPrefix(e.File, "groups") && e.File != "users.yaml" {
			t.Fatalf("error names a file that is not in the config: %v", e)
		}
		if e.Line < 0 || e.Col < 0 {
			t.Fatalf("negative position: %v", e)
		}
	}
}

// withDeadline fails the fuzz input when loading takes more than seconds:
// the fuzzer then keeps the input that hangs as a crasher.
func withDeadline(t *testing.T, load func() (*Config, error)) (*Config, error) {
	type result struct {
		c   *Config
		err error
	}
	done := make(chan result, 1)
	go func() {
		c, err := load()
		done <- result{c, err}
	}()
	select {
	case r := <-done:
		return r.c, r.err
	case <-time.After(5 * time.Second):
		t.Fatal("loading took more than 5s")
		return nil, nil
	}
}

// FuzzLoad feeds arbitrary bytes to the loader as a group file and as
// users.yaml: it must never panic or hang, and its errors always name a file.
func FuzzLoad(f *testing.F) {
	for _, b := range corpusFiles(f, func(rel string) bool {
		return strings.HasPrefix(rel, "groups/") || rel == "users.yaml"
	}) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, fsys := range []fstest.MapFS{
			{"users.yaml": {Data: []byte(fuzzUsers)}, "groups/x.yaml": {Data: data}},
			{"users.yaml": {Data: data}, "groups/x.yaml": {Data: []byte(fuzzGroup)}},
		} {
			c, err := withDeadline(t, func() (*Config, error) { return Load(fsys) })
			if c == nil {
				t.Fatal("Load returned a nil Config")
			}
			checkErrors(t, fsys, err)
		}
	})
}

// FuzzCheck runs load and validation on a config whose users.yaml, group
// and role files are fuzzed together, so that cross-file rules see odd data.
func FuzzCheck(f *testing.F) {
	users := corpusFiles(f, func(rel string) bool { return rel == "users.yaml" })
	groups := corpusFiles(f, func(rel string) bool { return strings.HasPrefix(rel, "groups/") })
	roles := corpusFiles(f, func(rel string) bool { return strings.HasPrefix(rel, "roles/") })
	for i := range max(len(users), len(groups), len(roles)) {
		f.Add(users[i%len(users)], groups[i%len(groups)], roles[i%len(roles)])
	}
	f.Fuzz(func(t *testing.T, users, group, role []byte) {
		fsys := fstest.MapFS{
			"users.yaml":      {Data: users},
			"groups/x.yaml":   {Data: group},
			"groups/y.yaml":   {Data: []byte(fuzzGroup)},
			"roles/devs.yaml": {Data: role},
			"access.yaml":     {Data: []byte("admins: [alice]\npolicies:\n  default:\n    max_duration: 30d\n    require_reason: true\n")},
		}
		c, err := withDeadline(t, func() (*Config, error) { return Check(fsys, exampleNow) })
		if c == nil {
			t.Fatal("Check returned a nil Config")
		}
		checkErrors(t, fsys, err)
		if err == nil {
			// A config that passes must be usable by every lookup.
			for _, n := range c.GroupNames() {
				if c.Groups[n] == nil {
					t.Fatalf("group %q listed but nil", n)
				}
			}
		}
	})
}
