package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/access-as-code/access/internal/githubfake"
	"github.com/access-as-code/access/schema/gitrev/gitrevtest"
)

const testNow = "2026-11-23T10:00:00Z"

// exampleRepo commits the example access-config to main in a new repository.
func exampleRepo(t *testing.T) (*gitrevtest.Builder, string) {
	t.Helper()
	b := gitrevtest.New(t)
	err := filepath.WalkDir("../../access-config", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel("../../access-config", p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		b.Write("access-config/"+filepath.ToSlash(rel), string(data))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	b.Commit("initial access config", "erin", time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC))
	return b, filepath.Join(b.Dir, "access-config")
}

func runGit(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	if !strings.Contains(strings.Join(args, " "), "--now") {
		args = append(args, "--now", testNow)
	}
	code := run(context.Background(), args, strings.NewReader(""), &out, &errb,
		func(k string) string { return env[k] })
	return code, out.String(), errb.String()
}

func appendFile(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

func TestDiffAndApprovalsOfABranch(t *testing.T) {
	b, cfg := exampleRepo(t)
	b.Branch("carol-backend")
	appendFile(t, filepath.Join(cfg, "groups/backend.yaml"), "  - user: carol\n    until: 2026-12-20\n    reason: OPS-77 migration\n")
	b.Commit("Add carol to backend", "carol", time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))

	code, out, errs := runGit(t, nil, "diff", "--config", cfg, "--base", "main", "--format", "json")
	if code != 0 {
		t.Fatalf("diff exit %d: %s", code, errs)
	}
	var rep struct {
		People []struct {
			User    string `json:"user"`
			Changes []struct{ Kind, Op, Name string }
		} `json:"people"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.People) != 1 || rep.People[0].User != "carol" || len(rep.People[0].Changes) != 3 {
		t.Fatalf("diff people = %+v, want carol gaining backend, its Okta group and GitLab group", rep.People)
	}

	// The author cannot approve; alice owns backend.
	code, out, _ = runGit(t, nil, "approvals", "--config", cfg, "--base", "main", "--author", "carol-ng", "--approved-by", "carol-ng")
	if code != 1 || !strings.Contains(out, "needs approval from one of") || !strings.Contains(out, "alice") {
		t.Errorf("self-approved: exit %d\n%s", code, out)
	}
	code, out, _ = runGit(t, nil, "approvals", "--config", cfg, "--base", "main", "--author", "carol-ng", "--approved-by", "Alice-Moreau")
	if code != 0 || !strings.Contains(out, "approved by alice") {
		t.Errorf("approved by the owner: exit %d\n%s", code, out)
	}
}

func TestCommentIsCreatedOnceAndUpdatedInPlace(t *testing.T) {
	b, cfg := exampleRepo(t)
	base := b.Head().String()
	b.Branch("pr")
	appendFile(t, filepath.Join(cfg, "groups/backend.yaml"), "  - user: carol\n    until: 2026-12-20\n    reason: OPS-77\n")
	head1 := b.Commit("Add carol", "carol", time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)).String()

	gh := githubfake.New(githubfake.Options{Token: "tok"})
	defer gh.Close()
	gh.OpenPull("acme/access-config", 12, "carol-ng", head1, base)
	env := map[string]string{"GITHUB_TOKEN": "tok", "GITHUB_API_URL": gh.URL, "GITHUB_REPOSITORY": "acme/access-config"}
	plan := filepath.Join(t.TempDir(), "plan.md")
	_ = os.WriteFile(plan, []byte("+ okta Eng-Backend carol\n"), 0o644)

	if code, _, errs := runGit(t, env, "comment", "--config", cfg, "--github-pr", "12", "--plan-file", plan); code != 0 {
		t.Fatalf("comment exit %d: %s", code, errs)
	}
	gh.Review("acme/access-config", 12, "alice-moreau", "APPROVED")
	// A push after the approval makes it stale.
	appendFile(t, filepath.Join(cfg, "groups/backend.yaml"), "  - dave\n")
	head2 := b.Commit("Add dave too", "carol", time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)).String()
	gh.Push("acme/access-config", 12, head2)
	if code, _, errs := runGit(t, env, "comment", "--config", cfg, "--github-pr", "12"); code != 0 {
		t.Fatalf("second comment exit %d: %s", code, errs)
	}
	cs := gh.Comments("acme/access-config", 12)
	if len(cs) != 1 {
		t.Fatalf("%d comments, want one updated in place", len(cs))
	}
	body := cs[0].Body
	for _, want := range []string{"<!-- access-as-code:access-request -->", "Carol Nguyen (carol)", "Dave Lindqvist (dave)", "Waiting for approval", "alice"} {
		if !strings.Contains(body, want) {
			t.Errorf("comment lacks %q:\n%s", want, body)
		}
	}
	if code, out, _ := runGit(t, env, "approvals", "--config", cfg, "--github-pr", "12", "--set-status"); code != 1 {
		t.Errorf("a stale approval satisfied approvals (exit %d):\n%s", code, out)
	}
	if st := gh.Statuses("acme/access-config", head2); len(st) != 1 || st[0].State != "failure" {
		t.Errorf("statuses = %+v", st)
	}
	gh.Review("acme/access-config", 12, "alice-moreau", "APPROVED")
	if code, out, _ := runGit(t, env, "approvals", "--config", cfg, "--github-pr", "12"); code != 0 {
		t.Errorf("a fresh approval did not satisfy approvals (exit %d):\n%s", code, out)
	}
}

func TestCodeownersWriteThenCheck(t *testing.T) {
	b, cfg := exampleRepo(t)
	if code, _, errs := runGit(t, nil, "codeowners", "--config", cfg, "--check"); code != 1 {
		t.Errorf("check before writing: exit %d (%s), want 1", code, errs)
	}
	if code, _, errs := runGit(t, nil, "codeowners", "--config", cfg); code != 0 {
		t.Fatalf("write: exit %d: %s", code, errs)
	}
	data, err := os.ReadFile(filepath.Join(b.Dir, ".github/CODEOWNERS"))
	if err != nil || !strings.Contains(string(data), "/access-config/groups/backend.yaml @alice-moreau") {
		t.Errorf("CODEOWNERS:\n%s (%v)", data, err)
	}
	if code, out, _ := runGit(t, nil, "codeowners", "--config", cfg, "--check"); code != 0 {
		t.Errorf("check after writing: exit %d\n%s", code, out)
	}
	_ = os.WriteFile(filepath.Join(cfg, "groups/backend.yaml"), bytes.Replace(mustRead(t, filepath.Join(cfg, "groups/backend.yaml")), []byte("owners: [alice]"), []byte("owners: [bob]"), 1), 0o644)
	code, out, _ := runGit(t, nil, "codeowners", "--config", cfg, "--check")
	if code != 1 || !strings.Contains(out, "+/access-config/groups/backend.yaml") {
		t.Errorf("stale check: exit %d\n%s", code, out)
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestHistoryCommandListsPRNumbers(t *testing.T) {
	b, cfg := exampleRepo(t)
	appendFile(t, filepath.Join(cfg, "groups/backend.yaml"), "  - dave\n")
	b.Commit("Add dave to backend (#31)", "dave", time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC))
	code, out, errs := runGit(t, nil, "history", "--config", cfg, "dave@acme.example")
	if code != 0 || !strings.Contains(out, "#31") || !strings.Contains(out, "backend") {
		t.Errorf("history exit %d:\n%s%s", code, out, errs)
	}
}

func TestPruneExpiredKeepsTheRestOfTheFile(t *testing.T) {
	_, cfg := exampleRepo(t)
	before := mustRead(t, filepath.Join(cfg, "groups/backend.yaml"))
	code, out, errs := runGit(t, nil, "prune-expired", "--config", cfg, "--now", "2026-11-28")
	if code != 0 || !strings.Contains(out, "groups/backend.yaml") {
		t.Fatalf("prune exit %d:\n%s%s", code, out, errs)
	}
	after := mustRead(t, filepath.Join(cfg, "groups/backend.yaml"))
	if bytes.Contains(after, []byte("frank")) || !bytes.HasPrefix(after, before[:bytes.Index(before, []byte("  - user: frank"))]) {
		t.Errorf("pruned file:\n%s", after)
	}
}

func TestExpiringListsSoonEndingGrants(t *testing.T) {
	_, cfg := exampleRepo(t)
	code, out, errs := runGit(t, nil, "expiring", "--config", cfg, "--within", "7d")
	if code != 0 || !strings.Contains(out, "frank") || !strings.Contains(out, "backend") {
		t.Errorf("expiring exit %d:\n%s%s", code, out, errs)
	}
}
