package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/access-as-code/access/schema"
)

// The GitHub endpoint is final only when the environment names it; the
// checked-out access.yaml (in a pull request, the config under review)
// never chooses where GITHUB_TOKEN goes.
func TestGitHubEndpointComesFromTheEnvironmentOnly(t *testing.T) {
	cfg := &schema.Config{}
	cfg.Settings.GitHub.APIURL = "https://attacker.example.com/api/v3/"
	cfg.Settings.GitHub.GraphQLURL = "https://attacker.example.com/api/graphql"
	env := map[string]string{"GITHUB_TOKEN": "tok"}
	ep := endpoints(cfg, func(k string) string { return env[k] })["github"]
	if ep.Trusted || ep.URL != "https://api.github.com/" || ep.GraphQL != "" || ep.Token != "tok" {
		t.Fatalf("without GITHUB_API_URL: %+v, want an untrusted stand-in (resolved from the base revision later)", ep)
	}
	env["GITHUB_API_URL"] = "https://ghe.example.com/api/v3"
	ep = endpoints(cfg, func(k string) string { return env[k] })["github"]
	if !ep.Trusted || ep.URL != "https://ghe.example.com/api/v3" || ep.GraphQL != "https://ghe.example.com/api/graphql" {
		t.Fatalf("with GITHUB_API_URL: %+v", ep)
	}
	env["GITHUB_GRAPHQL_URL"] = "https://ghe.example.com/graphql-proxy"
	if ep = endpoints(cfg, func(k string) string { return env[k] })["github"]; ep.GraphQL != "https://ghe.example.com/graphql-proxy" {
		t.Fatalf("GITHUB_GRAPHQL_URL: %+v", ep)
	}
}

const githubConfig = "../../testdata/valid/github-orgs-and-teams"

// The sandbox's fake GitHub, seeded from a config with GitHub groups, plans
// the seeded drift in the plan JSON's terms and converges on apply.
func TestSandboxGitHubPlanAndApply(t *testing.T) {
	code, out, errOut := runCLI(t, nil, "--sandbox", "--only", "github", "--config", githubConfig, "--format", "json", "--detailed-exitcode")
	if code != 2 {
		t.Fatalf("exit %d, want 2; stderr:\n%s", code, errOut)
	}
	var p struct {
		Changes []map[string]string `json:"changes"`
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	var got []string
	for _, c := range p.Changes {
		got = append(got, c["op"]+" "+c["target"]+" "+c["group"]+" "+c["user"]+" "+c["access"])
	}
	want := "remove github acme former-contributor ,add github acme-labs/contributors carol member"
	if strings.Join(got, ",") != want {
		t.Fatalf("changes %q, want %q", strings.Join(got, ","), want)
	}
	code, _, errOut = runCLI(t, nil, "--sandbox", "--apply", "--only", "github", "--config", githubConfig)
	if _, again, _ := strings.Cut(errOut, "Planning again after apply:"); code != 0 || !strings.Contains(again, "No changes. GitHub matches the config.") {
		t.Fatalf("exit %d; stderr:\n%s", code, errOut)
	}
}

func TestDumpGitHubFromTheSandboxValidates(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "imported")
	code, _, errOut := runCLI(t, nil, "dump", "--sandbox", "--only", "github", "--config", githubConfig, "--out", dir)
	if code != 0 {
		t.Fatalf("dump: exit %d\n%s", code, errOut)
	}
	if code, out, errOut := runCLI(t, nil, "validate", "--config", dir); code != 0 {
		t.Fatalf("the dump does not validate: %s%s", out, errOut)
	}
	b, err := os.ReadFile(filepath.Join(dir, "groups", "acme-platform-maintainers.yaml"))
	if err != nil || !strings.Contains(string(b), "role: maintainer") {
		t.Fatalf("team maintainer file: %v\n%s", err, b)
	}
}
