package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/access-as-code/access/internal/sandbox"
	"github.com/access-as-code/access/schema"
)

// syncedTeamRun seeds the fakes from githubConfig with team_sync set as
// given in access.yaml, marks acme-labs/contributors (whose seeded drift is
// a missing member) as synchronized with an IdP group, and returns the
// config dir and the environment that points reconcile at the fake GitHub.
func syncedTeamRun(t *testing.T, teamSync bool) (*sandbox.Sandbox, string, map[string]string) {
	t.Helper()
	dir := t.TempDir()
	copyDir(t, githubConfig, dir)
	if teamSync {
		p := filepath.Join(dir, "access.yaml")
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.Replace(string(b), "\ngithub:\n", "\ngithub:\n  team_sync: true\n", 1)
		if s == string(b) {
			t.Fatal("the config's access.yaml has no github section to edit")
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := schema.CheckDir(dir, mustTime(t, "2026-11-23"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Settings.GitHub.TeamSync != teamSync {
		t.Fatalf("access.yaml team_sync loaded as %v, want %v", cfg.Settings.GitHub.TeamSync, teamSync)
	}
	sb := sandbox.Start(cfg, schema.Compile(cfg, mustTime(t, "2026-11-23")))
	t.Cleanup(sb.Close)
	sb.GitHub.SyncTeam("acme-labs", "contributors", "okta-contributors")
	env := map[string]string{"GITHUB_API_URL": sb.GitHub.URL + "/", "GITHUB_TOKEN": sandbox.GitHubToken}
	return sb, dir, env
}

// With github.team_sync on, the plan reports the synced team as a group
// that cannot be managed, naming the IdP group, and plans nothing for it.
func TestTeamSyncReportsSyncedTeamsUnmanageable(t *testing.T) {
	_, dir, env := syncedTeamRun(t, true)
	code, out, errOut := runCLI(t, env, "--only", "github", "--config", dir, "--now", "2026-11-23", "--format", "json")
	if code != 1 {
		t.Fatalf("exit %d, want 1 (a group cannot be managed); stderr:\n%s", code, errOut)
	}
	var p struct {
		Changes []map[string]string `json:"changes"`
		Errors  []struct {
			Target, Group, Message string
			ConfigGroups           []string `json:"config_groups"`
		} `json:"errors"`
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(p.Errors) != 1 || p.Errors[0].Target != "github" || p.Errors[0].Group != "acme-labs/contributors" ||
		!strings.Contains(p.Errors[0].Message, "okta-contributors") || strings.Join(p.Errors[0].ConfigGroups, ",") != "contributors" {
		t.Fatalf("errors %+v: want acme-labs/contributors unmanageable, naming okta-contributors and groups/contributors.yaml", p.Errors)
	}
	for _, c := range p.Changes {
		if c["group"] == "acme-labs/contributors" {
			t.Errorf("a change planned for the synced team: %v", c)
		}
	}
	if len(p.Changes) == 0 {
		t.Error("the other groups' drift is still planned")
	}
}

// With team_sync off (the default) the team-sync mappings are not read; a
// write to the synced team fails as that change's own error and the other
// changes are applied.
func TestWithoutTeamSyncASyncedTeamFailsOnlyItsChange(t *testing.T) {
	sb, dir, env := syncedTeamRun(t, false)
	code, _, errOut := runCLI(t, env, "--apply", "--only", "github", "--config", dir, "--now", "2026-11-23")
	if code != 1 {
		t.Fatalf("exit %d, want 1 (one change failed); stderr:\n%s", code, errOut)
	}
	for _, r := range sb.GitHub.Requests() {
		if strings.Contains(r, "team-sync") {
			t.Errorf("team-sync mappings read with team_sync off: %s", r)
		}
	}
	if !strings.Contains(errOut, "1 failed") || !strings.Contains(errOut, "identity provider") {
		t.Errorf("want the synced team's write reported as one failed change; stderr:\n%s", errOut)
	}
	if _, ok := sb.GitHub.OrgMembers("acme")["former-contributor"]; ok {
		t.Error("the other changes were not applied: former-contributor is still in acme")
	}
}
