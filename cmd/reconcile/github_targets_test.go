package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/access-as-code/access/schema"
	"github.com/access-as-code/access/schema/trusted"
)

// GitHub's two token destinations follow the rule of the others: the
// environment, else the trusted access.yaml (the checked-out one outside a
// pull request, the base branch's in one), else GitHub.com; with the API URL
// from the environment, the GraphQL URL never comes from a file.
func TestGitHubEndpoints(t *testing.T) {
	checked := &schema.Config{}
	checked.Settings.GitHub.APIURL = "https://ghe.example.com/api/v3/"
	checked.Settings.GitHub.GraphQLURL = "https://ghe.example.com/api/graphql"
	base := &schema.Config{}
	for _, tc := range []struct {
		name     string
		env      map[string]string
		run      trusted.Run
		url, gql string
	}{
		{"local run: access.yaml", nil, trusted.Run{}, "https://ghe.example.com/api/v3/", "https://ghe.example.com/api/graphql"},
		{"pull request: the base's access.yaml, which names none", nil, trusted.Run{PullRequest: true, BaseRev: "origin/main"}, "https://api.github.com/", ""},
		{"environment", map[string]string{"GITHUB_API_URL": "https://api.github.com"}, trusted.Run{}, "https://api.github.com", ""},
		{"both from the environment", map[string]string{"GITHUB_API_URL": "https://e/api/v3", "GITHUB_GRAPHQL_URL": "https://e/gql"}, trusted.Run{PullRequest: true}, "https://e/api/v3", "https://e/gql"},
	} {
		getenv := func(k string) string { return tc.env[k] }
		src := trusted.New(trusted.Options{Getenv: getenv, Checked: checked, Run: tc.run,
			ReadBase: func(string) (*schema.Config, error) { return base, nil }})
		ep := endpoints(src, getenv)["github"]
		if ep.err != nil || ep.URL != tc.url || ep.GraphQL != tc.gql {
			t.Errorf("%s: %+v, want %s and %q", tc.name, ep, tc.url, tc.gql)
		}
	}
	src := trusted.New(trusted.Options{Checked: checked, Run: trusted.Run{PullRequest: true}})
	if ep := endpoints(src, func(string) string { return "" })["github"]; ep.err == nil {
		t.Errorf("a pull request with an unknown base: %+v, want an error rather than the checked-out URL", ep)
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
	// carol's org invitation expired: she is invited again.
	want := "remove github acme former-contributor ,add github acme carol member,add github acme-labs/contributors carol member"
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
