package github

import (
	"fmt"

	"github.com/access-as-code/access/schema"
)

// TargetURLs are where the github target sends GITHUB_TOKEN.
type TargetURLs struct {
	API, GraphQL string
}

// ResolveTargetURLs picks the github target's URLs by the rule of
// ResolveOptions: GITHUB_API_URL and GITHUB_GRAPHQL_URL from the
// environment; else api_url and graphql_url of access.yaml at the base
// revision (never the checked-out access.yaml, which in a pull request is
// the config under review); else GitHub.com. worktree is the checked-out
// access.yaml's settings: when it names a URL that the base revision
// cannot confirm because the base is unreadable, that is an error rather
// than a silent choice. The GraphQL URL, when no source names it, is
// derived from the API URL (DefaultGraphQLURL).
func ResolveTargetURLs(src Sources, worktree schema.GitHubSettings) (TargetURLs, error) {
	getenv := src.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	u := TargetURLs{API: getenv("GITHUB_API_URL"), GraphQL: getenv("GITHUB_GRAPHQL_URL")}
	if u.API == "" {
		var base schema.GitHubSettings
		var err error
		if src.Base == nil {
			err = fmt.Errorf("no base revision")
		} else {
			base, err = src.Base()
		}
		switch {
		case err == nil:
			u.API = base.APIURL
			if u.GraphQL == "" {
				u.GraphQL = base.GraphQLURL
			}
		case worktree.APIURL != "" || worktree.GraphQLURL != "":
			return TargetURLs{}, fmt.Errorf("access.yaml names github.api_url or graphql_url, but GITHUB_API_URL is not set and the base revision's access.yaml could not be read (the checked-out one is not trusted with the token's destination): %w", err)
		}
	}
	if u.API == "" {
		u.API = DefaultAPIURL
	}
	if u.GraphQL == "" {
		u.GraphQL = DefaultGraphQLURL(u.API)
	}
	return u, nil
}
