// Package layout holds the test that keeps the module's tree and import rules
// as the README's "Developing" section draws them: schema/... never imports
// the reconciler, the engine package names none of its providers, and the
// mediator imports nothing of the reconciler or the config schema.
package layout

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/access-as-code/access"

type pkg struct {
	ImportPath string
	Deps       []string
}

// listPackages runs `go list -deps` over the module and returns each of its
// packages with its transitive dependencies.
func listPackages(t *testing.T) []pkg {
	t.Helper()
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	cmd := exec.Command(gobin, "list", "-json=ImportPath,Deps", "./...")
	cmd.Dir = moduleRoot(t)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []pkg
	dec := json.NewDecoder(&out)
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d packages; the module has more", len(pkgs))
	}
	return pkgs
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Fatalf("module root not found from %s: %v", dir, err)
	}
	return dir
}

// under reports whether import path p is dir or inside it (dir relative to the module).
func under(p, dir string) bool {
	full := module + "/" + dir
	return p == full || strings.HasPrefix(p, full+"/")
}

// rule forbids packages matching from to depend, even transitively, on
// packages matching to.
type rule struct {
	why      string
	from, to func(string) bool
}

var rules = []rule{
	{
		why:  "schema/... is pure config handling and never imports the reconciler",
		from: func(p string) bool { return under(p, "schema") },
		to:   func(p string) bool { return under(p, "reconcile") },
	},
	{
		why:  "the engine package names none of its providers or fakes",
		from: func(p string) bool { return p == module+"/reconcile" },
		to: func(p string) bool {
			return under(p, "reconcile/okta") || under(p, "reconcile/gitlab") ||
				under(p, "reconcile/github") || under(p, "internal")
		},
	},
	{
		why:  "the mediator imports nothing of the reconciler or the config schema",
		from: func(p string) bool { return under(p, "mediator") },
		to: func(p string) bool {
			return under(p, "reconcile") || under(p, "schema") || under(p, "cmd")
		},
	},
	{
		why:  "no library package imports a command",
		from: func(p string) bool { return !under(p, "cmd") && !strings.HasSuffix(p, "/cmd/synth") },
		to:   func(p string) bool { return under(p, "cmd") },
	},
}

func TestImportRules(t *testing.T) {
	for _, p := range listPackages(t) {
		for _, r := range rules {
			if !r.from(p.ImportPath) {
				continue
			}
			for _, d := range p.Deps {
				if r.to(d) {
					t.Errorf("%s depends on %s: %s", p.ImportPath, d, r.why)
				}
			}
		}
	}
}

// TestRulesCatchAViolation proves the rules are not vacuous: a made-up
// dependency of each forbidden kind is caught.
func TestRulesCatchAViolation(t *testing.T) {
	cases := [][2]string{
		{"schema/query", "reconcile"},
		{"reconcile", "reconcile/okta"},
		{"mediator", "schema"},
		{"reconcile/okta", "cmd/reconcile"},
	}
	for _, c := range cases {
		from, to := module+"/"+c[0], module+"/"+c[1]
		caught := slices.ContainsFunc(rules, func(r rule) bool { return r.from(from) && r.to(to) })
		if !caught {
			t.Errorf("no rule forbids %s -> %s", c[0], c[1])
		}
	}
}

// TestTopLevelTree keeps the top of the tree to what the README maps.
func TestTopLevelTree(t *testing.T) {
	allowed := []string{".ci", ".git", ".github", "access-config", "cmd", "internal",
		"mediator", "reconcile", "schema", "testdata"}
	entries, err := os.ReadDir(moduleRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() && !slices.Contains(allowed, e.Name()) {
			t.Errorf("top-level folder %s/ is not in the layout (%s)", e.Name(), strings.Join(allowed, ", "))
		}
	}
}
