package schema

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the want.txt golden files of testdata/invalid")

const corpus = "../testdata"

// TestInvalidConfigsReportExactErrors runs every case of testdata/invalid:
// each is a config with mistakes and a want.txt holding the exact messages.
func TestInvalidConfigsReportExactErrors(t *testing.T) {
	cases, err := os.ReadDir(filepath.Join(corpus, "invalid"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 45 {
		t.Fatalf("only %d invalid cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.Name(), func(t *testing.T) {
			dir := filepath.Join(corpus, "invalid", c.Name())
			cfgDir := dir
			if c.Name() == "huge-file" {
				cfgDir = hugeCopy(t, dir)
			}
			cfg, err := CheckDir(cfgDir, exampleNow)
			if cfg == nil {
				t.Fatal("Check returned a nil Config")
			}
			if err == nil {
				t.Fatal("config was accepted")
			}
			for _, e := range Errors(err) {
				if e.File == "" {
					t.Errorf("error without a file: %v", e)
				}
			}
			got := err.Error() + "\n"
			wantFile := filepath.Join(dir, "want.txt")
			if *update {
				if err := os.WriteFile(wantFile, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, rerr := os.ReadFile(wantFile)
			if rerr != nil {
				t.Fatalf("%v (run with -update to create it)", rerr)
			}
			if got != string(want) {
				t.Errorf("errors differ\n--- got\n%s--- want\n%s", got, want)
			}
		})
	}
}

// hugeCopy copies a case and adds a group file just over the size limit,
// generated here so that it is never committed.
func hugeCopy(t *testing.T, dir string) string {
	t.Helper()
	tmp := t.TempDir()
	if err := os.CopyFS(tmp, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.WriteString("owners: [alice]\nmembers:\n")
	for b.Len() <= MaxFileSize {
		b.WriteString("  - alice\n")
	}
	if err := os.WriteFile(filepath.Join(tmp, "groups", "huge.yaml"), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return tmp
}

func TestValidConfigsLoadClean(t *testing.T) {
	cases, err := os.ReadDir(filepath.Join(corpus, "valid"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.Name(), func(t *testing.T) {
			if _, err := CheckDir(filepath.Join(corpus, "valid", c.Name()), exampleNow); err != nil {
				t.Fatalf("valid config rejected:\n%v", err)
			}
		})
	}
}

// TestMergeKeysApplyExplicitKeysFirst: in the anchors case, carol's entry
// merges bob's until but keeps its own reason.
func TestMergeKeysApplyExplicitKeysFirst(t *testing.T) {
	c, err := CheckDir(filepath.Join(corpus, "valid", "anchors-and-merge-keys"), exampleNow)
	if err != nil {
		t.Fatal(err)
	}
	g := c.Groups["team"]
	if len(g.GitLab) != 2 || g.GitLab[1].Group != "acme/tools" || g.GitLab[1].Access != Developer {
		t.Errorf("gitlab targets: %+v", g.GitLab)
	}
	m := g.Members[2]
	if m.User != "carol" || m.Until == nil || fmtTime(*m.Until) != "2027-01-31" || !strings.HasPrefix(m.Reason, "overrides") {
		t.Errorf("merged member: %+v", m)
	}
	if r := c.Roles["devs"].Members[1]; r.User != "carol" || r.Reason != "Q1 project" {
		t.Errorf("role merged member: %+v", r)
	}
}
