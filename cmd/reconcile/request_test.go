package main

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/access-as-code/access/internal/githubfake"
	"github.com/access-as-code/access/schema/request"
)

func TestRequestEditsTheWorkingTreeAndPrintsTheChange(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "access-config")
	copyDir(t, "../../access-config", cfg)
	file := filepath.Join(cfg, "groups/backend.yaml")
	before := mustRead(t, file)
	code, out, errs := runGit(t, nil, "request", "backend", "--config", cfg, "--user", "carol", "--until", "30d", "--reason", "OPS-1 migration")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	after := mustRead(t, file)
	if want := string(before) + "  - user: carol\n    until: 2026-12-23T10:00:00Z\n    reason: OPS-1 migration\n"; string(after) != want {
		t.Errorf("file:\n%s", after)
	}
	if !strings.Contains(out, "carol") || !strings.Contains(out, "backend") {
		t.Errorf("no effective change printed:\n%s", out)
	}

	// Beyond the policy: exit 1, the errors, nothing written.
	prod := filepath.Join(cfg, "groups/production.yaml")
	old := mustRead(t, prod)
	code, _, errs = runGit(t, nil, "request", "production", "--config", cfg, "--user", "carol", "--until", "2999-01-01", "--reason", "x")
	if code != 1 || !strings.Contains(errs, "max_duration") {
		t.Errorf("exit %d: %s", code, errs)
	}
	if string(mustRead(t, prod)) != string(old) {
		t.Error("an invalid request was written")
	}
	code, _, errs = runGit(t, nil, "request", "backnd", "--config", cfg, "--user", "carol", "--reason", "x")
	if code != 1 || !strings.Contains(errs, `did you mean "backend"`) {
		t.Errorf("typo: exit %d: %s", code, errs)
	}
}

func TestRequestOpenPRUsesTheTokensOwnerAndTheRemoteBase(t *testing.T) {
	gh := githubfake.New(githubfake.Options{Token: "tok", Login: "carol-ng"})
	defer gh.Close()
	files := map[string]string{}
	_ = filepath.WalkDir("../../access-config", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel("../../access-config", p)
			files["access-config/"+filepath.ToSlash(rel)] = string(mustRead(t, p))
		}
		return err
	})
	gh.SeedBranch("acme/access-config", "main", files)
	// The local checkout is stale: the request must not be based on it.
	_, cfg := exampleRepo(t)
	if err := os.WriteFile(filepath.Join(cfg, "groups/backend.yaml"), []byte("stale: true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"GITHUB_TOKEN": "tok", "GITHUB_API_URL": gh.URL, "GITHUB_REPOSITORY": "acme/access-config"}
	code, out, errs := runGit(t, env, "request", "backend", "--config", cfg, "--until", "2026-12-20", "--reason", "OPS-2", "--open-pr")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	pulls := gh.Pulls("acme/access-config")
	if len(pulls) != 1 || strings.TrimSpace(out) != gh.URL+"/acme/access-config/pull/1" {
		t.Fatalf("out %q pulls %+v", out, pulls)
	}
	if pulls[0].HeadRef != "access-request/carol-backend-20261123" {
		t.Errorf("branch %s", pulls[0].HeadRef)
	}
	got, _ := gh.File("acme/access-config", pulls[0].HeadRef, "access-config/groups/backend.yaml")
	if want := files["access-config/groups/backend.yaml"] + "  - user: carol\n    until: 2026-12-20\n    reason: OPS-2\n"; got != want {
		t.Errorf("branch file:\n%s", got)
	}
	if string(mustRead(t, filepath.Join(cfg, "groups/backend.yaml"))) != "stale: true\n" {
		t.Error("--open-pr edited the local checkout")
	}
}

func TestRequestFromIssueEvent(t *testing.T) {
	gh := githubfake.New(githubfake.Options{Token: "tok", Login: "access-bot[bot]"})
	defer gh.Close()
	files := map[string]string{}
	_ = filepath.WalkDir("../../access-config", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel("../../access-config", p)
			files["access-config/"+filepath.ToSlash(rel)] = string(mustRead(t, p))
		}
		return err
	})
	gh.SeedBranch("acme/access-config", "main", files)
	body := "### Group\n\nbackend\n\n### Person\n\n_No response_\n\n### Until\n\n14d\n\n### Reason\n\nOPS-3 migration"
	n := gh.OpenIssue("acme/access-config", "carol-ng", "Access request", body)
	ev, _ := json.Marshal(map[string]any{"action": "opened", "repository": map[string]any{"full_name": "acme/access-config"},
		"issue": map[string]any{"number": n, "body": body, "user": map[string]any{"login": "carol-ng", "type": "User"},
			"labels": []map[string]any{{"name": "access-request"}}}})
	path := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(path, ev, 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"GITHUB_TOKEN": "tok", "GITHUB_API_URL": gh.URL}
	t.Chdir(t.TempDir()) // the workflow's working directory: no config checked out here
	code, out, errs := runGit(t, env, "request", "--config", "access-config", "--from-issue", path, "--open-pr")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	pulls := gh.Pulls("acme/access-config")
	if len(pulls) != 1 || request.Requester(pulls[0].Body) != "carol-ng" || !strings.Contains(out, "/pull/") {
		t.Fatalf("out %q pulls %+v", out, pulls)
	}
	until := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC).Format(time.RFC3339)
	if got, _ := gh.File("acme/access-config", pulls[0].HeadRef, "access-config/groups/backend.yaml"); !strings.HasSuffix(got, "  - user: carol\n    until: "+until+"\n    reason: OPS-3 migration\n") {
		t.Errorf("branch file:\n%s", got)
	}
	if cs := gh.Comments("acme/access-config", n); len(cs) != 1 || !strings.Contains(cs[0].Body, strings.TrimSpace(out)) {
		t.Errorf("comments %+v", cs)
	}
}

// A pull request a bot opened for a requester: the requester counts as its
// author, so an owner who asked cannot approve their own request.
func TestApprovalsTreatTheRecordedRequesterAsAuthor(t *testing.T) {
	b, cfg := exampleRepo(t)
	base := b.Head().String()
	b.Branch("access-request/carol-backend-20261123")
	appendFile(t, filepath.Join(cfg, "groups/backend.yaml"), "  - user: carol\n    until: 2026-12-20\n    reason: OPS-77\n")
	head := b.Commit("Add carol to backend", "access-bot", time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)).String()

	gh := githubfake.New(githubfake.Options{Token: "tok"})
	defer gh.Close()
	const r = "acme/access-config"
	gh.OpenPull(r, 12, "access-bot[bot]", head, base)
	gh.SetPullBody(r, 12, request.RequesterLine("alice-moreau")+"\n## Access request\n")
	gh.Review(r, 12, "alice-moreau", "APPROVED") // alice owns backend, but asked for this
	env := map[string]string{"GITHUB_TOKEN": "tok", "GITHUB_API_URL": gh.URL, "GITHUB_REPOSITORY": r}
	code, out, _ := runGit(t, env, "approvals", "--config", cfg, "--github-pr", "12")
	if code != 1 || !strings.Contains(out, "NOT satisfied") {
		t.Errorf("the requester approved their own request: exit %d\n%s", code, out)
	}
	// The same pull request opened by a person: alice's approval counts.
	gh.SetPullBody(r, 12, "## Access request\n")
	if code, out, _ := runGit(t, env, "approvals", "--config", cfg, "--github-pr", "12"); code != 0 {
		t.Errorf("control: alice's approval should count without a recorded requester: exit %d\n%s", code, out)
	}
}
