package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/access-as-code/access/internal/sandbox"
	"github.com/access-as-code/access/reconcile"
	"github.com/access-as-code/access/reconcile/gitlab"
	"github.com/access-as-code/access/reconcile/okta"
	"github.com/access-as-code/access/schema"
	"github.com/access-as-code/access/schema/gitrev"
)

// endpoint is where one target is reached and with what token.
type endpoint struct {
	URL, Token string
	Client     *http.Client // nil: the default client (system roots, SSL_CERT_FILE)
}

// endpoints reads provider settings, environment first, then access.yaml.
// Tokens come only from the environment.
func endpoints(cfg *schema.Config, getenv func(string) string) map[string]endpoint {
	first := func(vals ...string) string {
		for _, v := range vals {
			if v != "" {
				return v
			}
		}
		return ""
	}
	return map[string]endpoint{
		"okta":   {URL: first(getenv("OKTA_ORG_URL"), cfg.Settings.Okta.OrgURL), Token: getenv("OKTA_API_TOKEN")},
		"gitlab": {URL: first(getenv("GITLAB_URL"), cfg.Settings.GitLab.URL), Token: getenv("GITLAB_TOKEN")},
	}
}

// newProvider builds the provider of one target from its endpoint.
func newProvider(ctx context.Context, a *app, target string, ep endpoint, concurrency int, what string) (reconcile.Provider, error) {
	if ep.URL == "" || ep.Token == "" {
		switch target {
		case "okta":
			return nil, fmt.Errorf("%s: set OKTA_ORG_URL (or okta.org_url in access.yaml) and OKTA_API_TOKEN, or use --only gitlab, or try --sandbox", what)
		default:
			return nil, fmt.Errorf("%s: set GITLAB_URL (or gitlab.url in access.yaml) and GITLAB_TOKEN, or use --only okta, or try --sandbox", what)
		}
	}
	var (
		p   reconcile.Provider
		err error
	)
	switch target {
	case "okta":
		p, err = okta.New(ctx, okta.Config{OrgURL: ep.URL, Token: ep.Token, HTTPClient: ep.Client, Logger: a.log, MaxConcurrency: concurrency})
	case "gitlab":
		p, err = gitlab.New(ctx, gitlab.Config{BaseURL: ep.URL, Token: ep.Token, HTTPClient: ep.Client, Logger: a.log, MaxConcurrency: concurrency})
	default:
		err = fmt.Errorf("unknown target %q", target)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", target, err)
	}
	return p, nil
}

// buildTargets makes one provider per requested target that the config
// manages anything in.
func buildTargets(ctx context.Context, a *app, cfg *schema.Config, d *schema.Desired, only map[string]bool, eps map[string]endpoint, concurrency int) ([]reconcile.Target, error) {
	var targets []reconcile.Target
	if only["okta"] && len(d.Okta) > 0 {
		p, err := newProvider(ctx, a, "okta", eps["okta"], concurrency, fmt.Sprintf("the config manages %d Okta groups", len(d.Okta)))
		if err != nil {
			return nil, err
		}
		targets = append(targets, reconcile.Target{Provider: p, Want: reconcile.WantOkta(d),
			Protected: cfg.Settings.Protected.Okta, CanCreateGroups: true, Known: reconcile.KnownOkta(cfg)})
	}
	if only["gitlab"] && len(d.GitLab) > 0 {
		p, err := newProvider(ctx, a, "gitlab", eps["gitlab"], concurrency, fmt.Sprintf("the config manages %d GitLab groups", len(d.GitLab)))
		if err != nil {
			return nil, err
		}
		targets = append(targets, reconcile.Target{Provider: p, Want: reconcile.WantGitLab(d),
			Protected: cfg.Settings.Protected.GitLab, Known: reconcile.KnownGitLab(cfg)})
	}
	if len(targets) == 0 {
		return nil, fmt.Errorf("nothing to reconcile: no group file names an Okta or GitLab group for the targets %v", keysOf(only))
	}
	return targets, nil
}

// startSandbox starts the fakes and returns their endpoints.
func startSandbox(a *app, cfg *schema.Config, d *schema.Desired) (map[string]endpoint, func()) {
	sb := sandbox.Start(cfg, d)
	fmt.Fprintf(a.stderr, "Sandbox: fake Okta at %s and fake GitLab at %s, seeded from %s with this drift:\n%s\n\n",
		sb.Okta.URL(), sb.GitLab.URL(), a.configDir, sb.Describe())
	return map[string]endpoint{
		"okta":   {URL: sb.Okta.URL(), Token: sb.Okta.Token(), Client: sb.Okta.Client()},
		"gitlab": {URL: sb.GitLab.URL(), Token: sb.GitLab.Token(), Client: sb.GitLab.Client()},
	}, sb.Close
}

// commitOf is the config revision for the apply log: GITHUB_SHA in Actions,
// else the HEAD of the repository holding the config, else "unknown".
func commitOf(a *app) string {
	if sha := a.getenv("GITHUB_SHA"); sha != "" {
		return sha
	}
	repo, err := gitrev.Open(a.configDir)
	if err != nil {
		return "unknown"
	}
	c, err := repo.Resolve("HEAD")
	if err != nil {
		return "unknown"
	}
	return c.Hash.String()
}

// progressWriter is stderr when it is a terminal, else nothing: progress
// lines in CI logs are noise.
func progressWriter(a *app) io.Writer {
	if f, ok := a.stderr.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			return f
		}
	}
	return nil
}

func keysOf(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
