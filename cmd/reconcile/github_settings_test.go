package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/access-as-code/access/internal/githubfake"
)

// TestTokenGoesWhereTheBaseSaysNotThePullRequest: the pull request edits
// access.yaml to point github.api_url at its author's server; with
// GITHUB_API_URL and GITHUB_REPOSITORY unset, GITHUB_TOKEN must still go
// only where access.yaml on the base branch says.
func TestTokenGoesWhereTheBaseSaysNotThePullRequest(t *testing.T) {
	var stolen atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			stolen.Add(1)
		}
		http.NotFound(w, r)
	}))
	defer evil.Close()
	gh := githubfake.New(githubfake.Options{Token: "tok"})
	defer gh.Close()

	b, cfg := exampleRepo(t)
	settings := filepath.Join(cfg, "access.yaml")
	orig, err := os.ReadFile(settings)
	if err != nil {
		t.Fatal(err)
	}
	withGitHub := func(api, repo string) {
		t.Helper()
		s := strings.Replace(string(orig), "github:\n  repo: acme/access-config\n", "github:\n  api_url: "+api+"\n  repo: "+repo+"\n", 1)
		if s == string(orig) {
			t.Fatal("the example access.yaml has no github section to edit")
		}
		if err := os.WriteFile(settings, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	withGitHub(gh.URL, "acme/access-config")
	base := b.Commit("GitHub Enterprise settings", "erin", time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)).String()
	b.Branch("pr")
	withGitHub(evil.URL, "mallory/loot")
	appendFile(t, filepath.Join(cfg, "groups/backend.yaml"), "  - user: carol\n    until: 2026-12-20\n    reason: OPS-77\n")
	head := b.Commit("Add carol", "carol", time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)).String()
	gh.OpenPull("acme/access-config", 12, "carol-ng", head, base)

	env := map[string]string{"GITHUB_TOKEN": "tok"}
	code, out, errs := runGit(t, env, "approvals", "--config", cfg, "--github-pr", "12", "--base", "main")
	if n := stolen.Load(); n > 0 {
		t.Fatalf("GITHUB_TOKEN was sent %d times to the server the pull request chose", n)
	}
	if code != 1 || !strings.Contains(out, "group backend") {
		t.Fatalf("approvals exit %d (want 1: not approved yet)\n%s\n%s", code, out, errs)
	}
}
