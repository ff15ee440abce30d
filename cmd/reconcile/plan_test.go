package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs the command tree in-process with an empty environment plus env.
func runCLI(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string { return env[k] }
	code = run(context.Background(), args, strings.NewReader(""), &out, &errb, getenv)
	return code, out.String(), errb.String()
}

const exampleConfig = "../../access-config"

func TestSandboxPlanShowsTheSeededDrift(t *testing.T) {
	code, out, errOut := runCLI(t, nil, "--sandbox", "--config", exampleConfig, "--now", "2026-11-23", "--format", "json", "--detailed-exitcode")
	if code != 2 {
		t.Fatalf("exit %d, want 2 (changes); stderr:\n%s", code, errOut)
	}
	var p struct {
		Summary  map[string]int `json:"summary"`
		Changes  []map[string]string
		Warnings []map[string]string
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	kinds := map[string]bool{}
	for _, c := range p.Changes {
		kinds[c["op"]] = true
	}
	for _, op := range []string{"add", "remove", "update"} {
		if !kinds[op] {
			t.Errorf("the sandbox drift should produce a %q change: %+v", op, p.Changes)
		}
	}
	pending := false
	for _, w := range p.Warnings {
		pending = pending || w["kind"] == "pending_user"
	}
	if !pending {
		t.Errorf("the sandbox has a pending GitLab user: %+v", p.Warnings)
	}
	if !strings.Contains(errOut, "expired grant") {
		t.Errorf("stderr should describe the drift:\n%s", errOut)
	}
}

func TestSandboxApplyConvergesAndSecondPlanIsEmpty(t *testing.T) {
	code, _, errOut := runCLI(t, nil, "--sandbox", "--apply", "--config", exampleConfig, "--now", "2026-11-23")
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, errOut)
	}
	_, again, found := strings.Cut(errOut, "Planning again after apply:")
	if !found || !strings.Contains(again, "No changes.") || strings.Contains(again, "to add") {
		t.Errorf("the second plan should be empty:\n%s", errOut)
	}
	if !strings.Contains(errOut, `"msg":"change applied"`) {
		t.Errorf("each applied change is logged as JSON:\n%s", errOut)
	}
}

func TestPlanWithoutCredentialsSaysWhatToSet(t *testing.T) {
	code, _, errOut := runCLI(t, nil, "--config", exampleConfig, "--now", "2026-11-23")
	if code != 1 || !strings.Contains(errOut, "OKTA_API_TOKEN") || !strings.Contains(errOut, "--sandbox") {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
}

func TestPlanRefusesAnInvalidConfigBeforeReadingAnything(t *testing.T) {
	dir := t.TempDir()
	copyDir(t, exampleConfig, dir)
	bad := filepath.Join(dir, "groups", "backend.yaml")
	b, _ := os.ReadFile(bad)
	os.WriteFile(bad, bytes.Replace(b, []byte("owners: [alice]"), []byte("owners: [alcie]"), 1), 0o644)
	code, _, errOut := runCLI(t, nil, "--sandbox", "--apply", "--config", dir, "--now", "2026-11-23")
	if code != 1 || !strings.Contains(errOut, "groups/backend.yaml:") || !strings.Contains(errOut, "nothing was read or applied") {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
}

func TestApplyWithStalePlanFileWritesNothing(t *testing.T) {
	planFile := filepath.Join(t.TempDir(), "plan.json")
	os.WriteFile(planFile, []byte(`{"plan_hash":"sha256:0000"}`), 0o644)
	code, _, errOut := runCLI(t, nil, "--sandbox", "--apply", "--plan-file", planFile, "--config", exampleConfig, "--now", "2026-11-23")
	if code != 1 || !strings.Contains(errOut, "plan changed since it was reviewed") {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	if strings.Contains(errOut, "change applied") {
		t.Error("a stale plan file must not apply anything")
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.Walk(from, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestMaxRemovalsZeroAllowsNoRemoval(t *testing.T) {
	code, _, errOut := runCLI(t, nil, "--sandbox", "--apply", "--max-removals", "0", "--config", exampleConfig, "--now", "2026-11-23")
	if code != 1 || !strings.Contains(errOut, "refusing to apply") || strings.Contains(errOut, "change applied") {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
}

func TestAccessYAMLLimitsApplyWithoutFlags(t *testing.T) {
	dir := t.TempDir()
	copyDir(t, exampleConfig, dir)
	p := filepath.Join(dir, "access.yaml")
	b, _ := os.ReadFile(p)
	os.WriteFile(p, bytes.Replace(b, []byte("max_removals: 25"), []byte("max_removals: 1"), 1), 0o644)
	code, _, errOut := runCLI(t, nil, "--sandbox", "--apply", "--config", dir, "--now", "2026-11-23")
	if code != 1 || !strings.Contains(errOut, "3 removals exceed max_removals 1") {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
}
