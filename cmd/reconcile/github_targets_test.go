package main

import (
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
