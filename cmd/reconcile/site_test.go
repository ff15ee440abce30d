package main

import (
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestSiteWritesTheCatalogWithCommitAndSourceLinks(t *testing.T) {
	b, cfgDir := exampleRepo(t)
	out := filepath.Join(t.TempDir(), "public")
	code, stdout, stderr := runGit(t, nil, "site", "--config", cfgDir, "--out", out,
		"--repo-url", "https://github.com/acme/access", "--branch", "trunk")
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, stdout, stderr)
	}
	page, err := os.ReadFile(filepath.Join(out, "groups", "backend.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`https://github.com/acme/access/blob/trunk/access-config/groups/backend.yaml#L1`,
		`https://github.com/acme/access/issues/new?template=access-request.yml&amp;group=backend`,
		"<code>" + b.Head().String() + "</code>",
		"Generated 2026-11-23 10:00 UTC",
	} {
		if !strings.Contains(string(page), want) {
			t.Errorf("groups/backend.html lacks %s", want)
		}
	}

	// GITHUB_SHA names the commit in Actions; a second run replaces the site.
	stale := filepath.Join(out, "groups", "deleted-group.html")
	if err := os.WriteFile(stale, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runGit(t, map[string]string{"GITHUB_SHA": "feedface"}, "site", "--config", cfgDir, "--out", out)
	if code != 0 {
		t.Fatalf("second run: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("a page of a previous site survived the rebuild (%v)", err)
	}
	index, _ := os.ReadFile(filepath.Join(out, "index.html"))
	if !strings.Contains(string(index), "<code>feedface</code>") {
		t.Error("footer does not name the GITHUB_SHA commit")
	}
}

func TestSiteRefusesADirectoryThatIsNotASite(t *testing.T) {
	_, cfgDir := exampleRepo(t)
	out := t.TempDir()
	if err := os.WriteFile(filepath.Join(out, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runGit(t, nil, "site", "--config", cfgDir, "--out", out)
	if code != 1 || !strings.Contains(stderr, "holds no previous site") {
		t.Errorf("exit %d, stderr %q: want a refusal", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "notes.txt")); err != nil {
		t.Errorf("the refused directory was changed: %v", err)
	}
	code, _, stderr = runGit(t, nil, "site", "--config", cfgDir, "--out", t.TempDir(), "--repo-url", "github.com/acme/access")
	if code != 1 || !strings.Contains(stderr, "--repo-url") {
		t.Errorf("a --repo-url without scheme: exit %d, stderr %q", code, stderr)
	}
}

// The command a group page tells people to run is one reconcile accepts.
func TestSiteRequestCommandRuns(t *testing.T) {
	_, cfgDir := exampleRepo(t)
	out := t.TempDir()
	if code, _, stderr := runGit(t, nil, "site", "--config", cfgDir, "--out", out); code != 0 {
		t.Fatalf("site: exit %d: %s", code, stderr)
	}
	page, err := os.ReadFile(filepath.Join(out, "groups", "production.html"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`<pre><code>reconcile (request [^<]*)</code></pre>`).FindSubmatch(page)
	if m == nil {
		t.Fatal("groups/production.html shows no reconcile request command")
	}
	args := strings.Fields(html.UnescapeString(string(m[1])))
	for i, a := range args {
		args[i] = strings.Trim(a, `"`)
	}
	args = append(args, "--user", "ken", "--config", cfgDir)
	code, stdout, stderr := runGit(t, nil, args...)
	if code != 0 {
		t.Fatalf("reconcile %s: exit %d: %s%s", strings.Join(args, " "), code, stdout, stderr)
	}
	file, _ := os.ReadFile(filepath.Join(cfgDir, "groups", "production.yaml"))
	if !strings.Contains(string(file), "ken") {
		t.Errorf("the request did not add ken to groups/production.yaml:\n%s", file)
	}
}
