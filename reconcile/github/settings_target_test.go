package github

import (
	"errors"
	"strings"
	"testing"

	"github.com/access-as-code/access/schema"
)

func TestResolveTargetURLs(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	base := func(api, gql string) func() (schema.GitHubSettings, error) {
		return func() (schema.GitHubSettings, error) { return schema.GitHubSettings{APIURL: api, GraphQLURL: gql}, nil }
	}
	unreadable := func() (schema.GitHubSettings, error) { return schema.GitHubSettings{}, errors.New("no origin/main") }
	evil := schema.GitHubSettings{APIURL: "https://evil.example/"}
	for _, tc := range []struct {
		name          string
		src           Sources
		worktree      schema.GitHubSettings
		api, gql, err string
	}{
		{"environment wins", Sources{Getenv: env("GITHUB_API_URL", "https://e/api/v3/"), Base: base("https://b/", "")}, evil, "https://e/api/v3/", "https://e/api/graphql", ""},
		{"base revision", Sources{Base: base("https://b/api/v3/", "https://b/gql")}, evil, "https://b/api/v3/", "https://b/gql", ""},
		{"base without URLs: GitHub.com", Sources{Base: base("", "")}, evil, DefaultAPIURL, "https://api.github.com/graphql", ""},
		{"unreadable base, worktree silent", Sources{Base: unreadable}, schema.GitHubSettings{}, DefaultAPIURL, "https://api.github.com/graphql", ""},
		{"unreadable base, worktree names a URL", Sources{Base: unreadable}, evil, "", "", "could not be read"},
	} {
		u, err := ResolveTargetURLs(tc.src, tc.worktree)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: %v, want an error containing %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || u.API != tc.api || u.GraphQL != tc.gql {
			t.Errorf("%s: %+v %v, want %s %s", tc.name, u, err, tc.api, tc.gql)
		}
	}
}
