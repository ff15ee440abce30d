package github_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/access-as-code/access/reconcile/github"
	"github.com/access-as-code/access/schema"
)

func env(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }

func TestSettingsComeFromTheEnvironmentFirst(t *testing.T) {
	called := false
	opts, err := github.ResolveOptions(github.Sources{
		Getenv: env(map[string]string{"GITHUB_TOKEN": "tok", "GITHUB_API_URL": "https://ghe.example/api/v3", "GITHUB_REPOSITORY": "acme/cfg"}),
		Base: func() (schema.GitHubSettings, error) {
			called = true
			return schema.GitHubSettings{APIURL: "https://base.example", Repo: "base/cfg"}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if opts.Token != "tok" || opts.APIURL != "https://ghe.example/api/v3" || opts.Repo != "acme/cfg" {
		t.Fatalf("options %+v, want the environment's", opts)
	}
	if called {
		t.Fatal("the base revision was read although the environment names everything")
	}
}

func TestMissingSettingsComeFromTheBaseRevision(t *testing.T) {
	base := func() (schema.GitHubSettings, error) {
		return schema.GitHubSettings{APIURL: "https://base.example/api/v3", Repo: "base/cfg"}, nil
	}
	for _, tc := range []struct {
		name          string
		env           map[string]string
		wantURL, repo string
	}{
		{"no repository", map[string]string{"GITHUB_API_URL": "https://env.example"}, "https://env.example", "base/cfg"},
		{"no API URL", map[string]string{"GITHUB_REPOSITORY": "env/cfg"}, "https://base.example/api/v3", "env/cfg"},
		{"neither", map[string]string{}, "https://base.example/api/v3", "base/cfg"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.env["GITHUB_TOKEN"] = "tok"
			opts, err := github.ResolveOptions(github.Sources{Getenv: env(tc.env), Base: base})
			if err != nil {
				t.Fatal(err)
			}
			if opts.APIURL != tc.wantURL || opts.Repo != tc.repo {
				t.Fatalf("options %+v, want api %s repo %s", opts, tc.wantURL, tc.repo)
			}
		})
	}
}

func TestAPIURLDefaultsToGitHubDotCom(t *testing.T) {
	opts, err := github.ResolveOptions(github.Sources{
		Getenv: env(map[string]string{"GITHUB_TOKEN": "tok"}),
		Base:   func() (schema.GitHubSettings, error) { return schema.GitHubSettings{Repo: "base/cfg"}, nil },
	})
	if err != nil || opts.APIURL != github.DefaultAPIURL || opts.Repo != "base/cfg" {
		t.Fatalf("options %+v, %v", opts, err)
	}
}

func TestAnUnreadableBaseIsAnErrorNotAFallback(t *testing.T) {
	_, err := github.ResolveOptions(github.Sources{
		Getenv: env(map[string]string{"GITHUB_TOKEN": "tok"}),
		Base: func() (schema.GitHubSettings, error) {
			return schema.GitHubSettings{}, errors.New("no such revision origin/main")
		},
	})
	if err == nil || !strings.Contains(err.Error(), "origin/main") || !strings.Contains(err.Error(), "GITHUB_REPOSITORY") {
		t.Fatalf("err = %v, want one naming the base read and the variables to set", err)
	}
	_, err = github.ResolveOptions(github.Sources{Getenv: env(map[string]string{"GITHUB_TOKEN": "tok"})})
	if err == nil {
		t.Fatal("no environment and no base gave options")
	}
}

func TestTokenAndRepositoryAreRequired(t *testing.T) {
	if _, err := github.ResolveOptions(github.Sources{Getenv: env(map[string]string{"GITHUB_REPOSITORY": "a/b", "GITHUB_API_URL": "https://x"})}); err == nil || !strings.Contains(err.Error(), "GITHUB_TOKEN") {
		t.Fatalf("no token: %v", err)
	}
	_, err := github.ResolveOptions(github.Sources{
		Getenv: env(map[string]string{"GITHUB_TOKEN": "tok"}),
		Base:   func() (schema.GitHubSettings, error) { return schema.GitHubSettings{}, nil },
	})
	if err == nil || !strings.Contains(err.Error(), "GITHUB_REPOSITORY") {
		t.Fatalf("no repository anywhere: %v", err)
	}
}
