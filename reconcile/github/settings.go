package github

import (
	"errors"
	"fmt"

	"github.com/access-as-code/access/schema"
)

// DefaultAPIURL is GitHub.com's REST API, used when neither the
// environment nor the base revision names another.
const DefaultAPIURL = "https://api.github.com/"

// Sources are where the client's settings may come from, most trusted
// first. The token's destination (API URL) and the repository it acts on
// never come from the config under review: in a pull request the checked-out
// access.yaml is the requester's own version, and a requester who could
// choose github.api_url would have GITHUB_TOKEN sent to their server.
type Sources struct {
	// Getenv reads GITHUB_TOKEN, GITHUB_API_URL and GITHUB_REPOSITORY
	// (set by GitHub Actions in every job).
	Getenv func(string) string
	// Base reads the github settings of access.yaml at the base revision
	// (the branch the change goes into, as reviewed and merged). It is
	// called only when the environment lacks a setting; nil means there is
	// no base to read.
	Base func() (schema.GitHubSettings, error)
}

// ResolveOptions picks the client's Options: the token from GITHUB_TOKEN
// only; the API URL and repository each from the environment, else from
// the base revision's access.yaml; the API URL defaults to GitHub.com.
// HTTPClient is left for the caller.
func ResolveOptions(src Sources) (Options, error) {
	getenv := src.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	opts := Options{Token: getenv("GITHUB_TOKEN"), APIURL: getenv("GITHUB_API_URL"), Repo: getenv("GITHUB_REPOSITORY")}
	if opts.Token == "" {
		return Options{}, errors.New("GITHUB_TOKEN is not set: the GitHub API needs a token to read the pull request")
	}
	if opts.APIURL == "" || opts.Repo == "" {
		if src.Base == nil {
			return Options{}, fmt.Errorf("set GITHUB_REPOSITORY and GITHUB_API_URL: with no base revision there is no trusted access.yaml to read them from")
		}
		base, err := src.Base()
		if err != nil {
			return Options{}, fmt.Errorf("GITHUB_REPOSITORY or GITHUB_API_URL is not set, and the base revision's access.yaml could not be read (the checked-out one is not used: it is the config under review): %w", err)
		}
		if opts.APIURL == "" {
			opts.APIURL = base.APIURL
		}
		if opts.Repo == "" {
			opts.Repo = base.Repo
		}
	}
	if opts.APIURL == "" {
		opts.APIURL = DefaultAPIURL
	}
	if opts.Repo == "" {
		return Options{}, errors.New("no GitHub repository: set GITHUB_REPOSITORY, or github.repo in access.yaml on the base branch")
	}
	return opts, nil
}
