package main

import (
	"testing"

	"github.com/access-as-code/access/schema"
)

// The GitHub token goes where the environment says, else where access.yaml
// says, except on a pull request: the access.yaml in the working tree is
// then the one under review, and must not choose where the token is sent.
func TestGitHubEndpointNeverComesFromAConfigUnderReview(t *testing.T) {
	cfg := &schema.Config{}
	cfg.Settings.GitHub.APIURL = "https://ghe.example.com/api/v3/"
	cfg.Settings.GitHub.GraphQLURL = "https://attacker.example.com/graphql"
	for _, tc := range []struct {
		name         string
		env          map[string]string
		url, graphql string
	}{
		{"local run: access.yaml", map[string]string{}, "https://ghe.example.com/api/v3/", "https://attacker.example.com/graphql"},
		{"environment first", map[string]string{"GITHUB_API_URL": "https://api.github.com", "GITHUB_GRAPHQL_URL": "https://api.github.com/graphql"},
			"https://api.github.com", "https://api.github.com/graphql"},
		{"the API URL from the environment: GraphQL not from the file", map[string]string{"GITHUB_API_URL": "https://api.github.com"}, "https://api.github.com", ""},
		{"pull request without environment URLs", map[string]string{"GITHUB_EVENT_NAME": "pull_request"}, "https://api.github.com/", ""},
		{"pull_request_target", map[string]string{"GITHUB_EVENT_NAME": "pull_request_target", "GITHUB_API_URL": "https://api.github.com"}, "https://api.github.com", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.env["GITHUB_TOKEN"] = "tok"
			ep := endpoints(cfg, func(k string) string { return tc.env[k] })["github"]
			if ep.URL != tc.url || ep.GraphQL != tc.graphql || ep.Token != "tok" {
				t.Fatalf("endpoint %+v, want URL %q GraphQL %q", ep, tc.url, tc.graphql)
			}
		})
	}
	// Without api_url anywhere, GitHub's own API.
	if ep := endpoints(&schema.Config{}, func(string) string { return "" })["github"]; ep.URL != "https://api.github.com/" {
		t.Fatalf("default API URL %q", ep.URL)
	}
}
