package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/access-as-code/access/internal/gitlabfake"
	"github.com/access-as-code/access/internal/sandbox"
	"github.com/access-as-code/access/schema"
)

// binaryCommit is the revision the apply log must name (GITHUB_SHA).
const binaryCommit = "0123456789abcdef0123456789abcdef01234567"

// bin is the built reconcile binary and the environment it runs with.
type bin struct {
	t    *testing.T
	path string
	env  map[string]string
	// outputs collects everything the binary printed, to check for secrets.
	outputs *bytes.Buffer
}

// run executes the binary with b.env (and nothing inherited but PATH) and
// returns its exit code and output.
func (b *bin) run(args ...string) (code int, stdout, stderr string) {
	b.t.Helper()
	cmd := exec.Command(b.path, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + b.t.TempDir()}
	for k, v := range b.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		b.t.Fatalf("running %s: %v", b.path, err)
	}
	b.outputs.Write(out.Bytes())
	b.outputs.Write(errb.Bytes())
	return code, out.String(), errb.String()
}

func buildBinary(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	path := filepath.Join(t.TempDir(), "reconcile")
	cmd := exec.Command(goBin, "build", "-o", path, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return path
}

// fakeState is every managed group's members as the fakes hold them.
func fakeState(sb *sandbox.Sandbox, d *schema.Desired) map[string]any {
	st := map[string]any{}
	for g := range d.Okta {
		st["okta "+g] = sb.Okta.Members(g)
	}
	for p := range d.GitLab {
		st["gitlab "+p] = sb.GitLab.Members(p)
	}
	for org := range d.GitHub.Orgs {
		st["github "+org] = sb.GitHub.OrgMembers(org)
	}
	for _, team := range d.GitHub.Teams {
		st["github "+team.Org+"/"+team.Slug] = sb.GitHub.TeamMembers(team.Org, strings.ToLower(team.Slug))
	}
	return st
}

func fakeWrites(sb *sandbox.Sandbox) int {
	n := 0
	for _, counts := range []map[string]int{sb.Okta.RequestCounts(), sb.GitLab.RequestCounts()} {
		for k, v := range counts {
			if !strings.HasPrefix(k, "GET ") {
				n += v
			}
		}
	}
	for _, req := range sb.GitHub.Requests() {
		// GraphQL reads are POSTs too.
		if !strings.HasPrefix(req, "GET ") && !strings.HasSuffix(req, "/graphql") {
			n++
		}
	}
	return n
}

// TestBuiltBinaryOverHTTPS runs the built binary, as CI does, against the
// fakes over HTTPS with a test CA given through SSL_CERT_FILE: plan, guard,
// a reviewed plan file, apply, an empty second plan, and dump → validate →
// plan. The subtests run in order on one seeded pair of fakes.
func TestBuiltBinaryOverHTTPS(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	path := buildBinary(t)
	cfg, err := schema.CheckDir(exampleConfig, mustTime(t, "2026-11-23"))
	if err != nil {
		t.Fatal(err)
	}
	d := schema.Compile(cfg, mustTime(t, "2026-11-23"))
	sb := sandbox.Start(cfg, d) // TLS fakes seeded from the example with drift
	defer sb.Close()

	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, append(sb.Okta.CertPEM(), sb.GitLab.CACertPEM()...), 0o600); err != nil {
		t.Fatal(err)
	}
	b := &bin{t: t, path: path, outputs: &bytes.Buffer{}, env: map[string]string{
		"OKTA_ORG_URL": sb.Okta.URL(), "OKTA_API_TOKEN": sb.Okta.Token(),
		"GITLAB_URL": sb.GitLab.URL(), "GITLAB_TOKEN": sb.GitLab.Token(),
		"GITHUB_API_URL": sb.GitHub.URL + "/", "GITHUB_TOKEN": sandbox.GitHubToken,
		"GITHUB_SHA": binaryCommit,
	}}
	common := []string{"--config", exampleConfig, "--now", "2026-11-23"}
	planFile := filepath.Join(dir, "plan.json")

	t.Run("without the test CA the run fails on the certificate", func(t *testing.T) {
		b.t = t
		code, _, errOut := b.run(common...)
		if code != 1 || !strings.Contains(errOut, "certificate signed by unknown authority") {
			t.Fatalf("exit %d, want 1 with a certificate error; stderr:\n%s", code, errOut)
		}
		if n := sb.Okta.TotalRequests() + sb.GitLab.TotalRequests(); n != 0 {
			t.Errorf("%d requests reached the fakes over an unverified connection", n)
		}
	})
	b.env["SSL_CERT_FILE"] = ca

	var plan struct {
		Hash    string         `json:"plan_hash"`
		Summary map[string]int `json:"summary"`
		Changes []map[string]string
	}
	t.Run("plan shows the drift as JSON and exits 2", func(t *testing.T) {
		b.t = t
		code, out, errOut := b.run(append(common, "--format", "json", "--detailed-exitcode")...)
		if code != 2 {
			t.Fatalf("exit %d, want 2; stderr:\n%s", code, errOut)
		}
		if err := json.Unmarshal([]byte(out), &plan); err != nil {
			t.Fatalf("plan is not JSON: %v\n%s", err, out)
		}
		if plan.Summary["add"] == 0 || plan.Summary["remove"] == 0 || plan.Summary["update"] == 0 {
			t.Errorf("the seeded drift needs adds, removes and an update: %v", plan.Summary)
		}
		if fakeWrites(sb) != 0 {
			t.Error("a plan wrote to the fakes")
		}
		if err := os.WriteFile(planFile, []byte(out), 0o600); err != nil {
			t.Fatal(err)
		}
	})
	if plan.Hash == "" {
		t.FailNow()
	}

	t.Run("a low max-removals stops the apply before any write", func(t *testing.T) {
		b.t = t
		before := fakeState(sb, d)
		code, _, errOut := b.run(append(common, "--apply", "--max-removals", "1")...)
		if code != 1 || !strings.Contains(errOut, "max_removals 1") || !strings.Contains(errOut, "nothing was changed") {
			t.Fatalf("exit %d, want 1 naming the guard; stderr:\n%s", code, errOut)
		}
		if n := fakeWrites(sb); n != 0 || !reflect.DeepEqual(before, fakeState(sb, d)) {
			t.Errorf("the guard tripped but %d writes reached the fakes", n)
		}
	})

	t.Run("a plan file applies only while the fresh plan is the reviewed one", func(t *testing.T) {
		b.t = t
		// Someone adds a member after the review: the reviewed plan is stale.
		paths := slices.Sorted(maps.Keys(d.GitLab))
		sb.GitLab.AddUser("late.stray", "Late Stray", "late.stray@example.com")
		sb.GitLab.SetMember(paths[0], "late.stray", gitlabfake.Developer)
		code, _, errOut := b.run(append(common, "--apply", "--plan-file", planFile)...)
		if code != 1 || !strings.Contains(errOut, "plan changed since it was reviewed") {
			t.Fatalf("exit %d, want 1 (stale plan); stderr:\n%s", code, errOut)
		}
		if n := fakeWrites(sb); n != 0 {
			t.Fatalf("a stale plan file wrote %d times", n)
		}
		sb.GitLab.SetMember(paths[0], "late.stray", 0)

		code, _, errOut = b.run(append(common, "--apply", "--plan-file", planFile)...)
		if code != 0 {
			t.Fatalf("exit %d, want 0; stderr:\n%s", code, errOut)
		}
		applied := 0
		for _, line := range strings.Split(errOut, "\n") {
			if !strings.HasPrefix(line, "{") {
				continue
			}
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Errorf("log line is not JSON: %v: %s", err, line)
				continue
			}
			if rec["msg"] == "change applied" {
				applied++
				if rec["commit"] != binaryCommit || rec["target"] == nil || rec["group"] == nil || rec["op"] == nil {
					t.Errorf("an applied change's log line needs target, group, op and the commit: %s", line)
				}
			}
		}
		if applied != len(plan.Changes) {
			t.Errorf("%d change applied log lines for %d planned changes; stderr:\n%s", applied, len(plan.Changes), errOut)
		}
	})

	t.Run("plan after apply has no changes and exits 0", func(t *testing.T) {
		b.t = t
		code, out, errOut := b.run(append(common, "--detailed-exitcode")...)
		if code != 0 || !strings.Contains(out, "No changes") {
			t.Fatalf("exit %d, want 0 and No changes; stdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
	})

	t.Run("apply without a plan file fixes new drift", func(t *testing.T) {
		b.t = t
		okGroups := slices.Sorted(maps.Keys(d.Okta))
		sb.Okta.AddUser("drifter@example.com", "drifter@example.com")
		sb.Okta.AddMember(okGroups[0], "drifter@example.com")
		code, _, errOut := b.run(append(common, "--apply")...)
		if code != 0 || strings.Count(errOut, `"msg":"change applied"`) != 1 {
			t.Fatalf("exit %d, want 0 and one applied change; stderr:\n%s", code, errOut)
		}
		for _, m := range sb.Okta.Members(okGroups[0]) {
			if m == "drifter@example.com" {
				t.Error("the stray Okta member is still there")
			}
		}
	})

	t.Run("dump then validate then plan shows no changes", func(t *testing.T) {
		b.t = t
		imported := filepath.Join(dir, "imported")
		code, out, errOut := b.run(append(common, "dump", "--out", imported)...)
		if code != 0 {
			t.Fatalf("dump: exit %d\n%s\n%s", code, out, errOut)
		}
		code, out, errOut = b.run("validate", "--config", imported, "--now", "2026-11-23")
		if code != 0 {
			t.Fatalf("validate of the dump: exit %d\n%s\n%s", code, out, errOut)
		}
		code, out, errOut = b.run("--config", imported, "--now", "2026-11-23", "--detailed-exitcode")
		if code != 0 || !strings.Contains(out, "No changes") {
			t.Fatalf("plan of the dump: exit %d, want 0 and No changes\n%s\n%s", code, out, errOut)
		}
	})

	for _, tok := range []string{sb.Okta.Token(), sb.GitLab.Token(), sandbox.GitHubToken} {
		if strings.Contains(b.outputs.String(), tok) {
			t.Errorf("a token appeared in the binary's output")
		}
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := schema.ParseTime(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
