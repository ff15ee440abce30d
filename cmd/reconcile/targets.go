package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/access-as-code/access/internal/sandbox"
	"github.com/access-as-code/access/reconcile"
	rgh "github.com/access-as-code/access/reconcile/github"
	"github.com/access-as-code/access/reconcile/gitlab"
	"github.com/access-as-code/access/reconcile/okta"
	"github.com/access-as-code/access/schema"
	"github.com/access-as-code/access/schema/gitrev"
)

// endpoint is where one target is reached and with what token.
type endpoint struct {
	URL, Token string
	Client     *http.Client // nil: the default client (system roots, SSL_CERT_FILE)
	GraphQL    string       // GitHub only: the GraphQL URL, "" for the default of URL
	// Trusted: URL and GraphQL are final (the environment or the sandbox
	// named them). Otherwise the github target resolves them from the base
	// revision when it is built.
	Trusted bool
}

// targetKind is one target system as the CLI wires it: where its settings
// come from, how its provider is built, and what of the config it is given.
// A new target is one more entry in targetKinds; the engine needs nothing.
type targetKind struct {
	name       string // as in plans and --only
	urlEnv     string // environment variable of the URL, which wins over access.yaml
	urlSetting string // the access.yaml key of the URL, for messages
	tokenEnv   string // tokens come only from the environment
	url        func(*schema.Config) string
	caps       func() reconcile.Capabilities
	want       func(*schema.Desired) reconcile.Want
	known      func(*schema.Config) map[string]string
	protected  func(*schema.Config) []string
	provider   func(ctx context.Context, ep endpoint, log *slog.Logger, concurrency int, s setup) (reconcile.Provider, error)
	sandbox    func(*sandbox.Sandbox) endpoint
	// adjust, when set, finishes the endpoint from more settings than one
	// URL (GitHub's GraphQL URL, and where a token may be sent).
	adjust func(ep *endpoint, cfg *schema.Config, getenv func(string) string)
	// notes, when set, are the config's own warnings about this target.
	notes func(*schema.Desired) []reconcile.Warning
}

// setup is what of the config a provider is built with beyond its endpoint.
type setup struct {
	cfg     *schema.Config
	desired *schema.Desired // nil when dumping
	// base reads access.yaml's github settings at the base revision.
	base func() (schema.GitHubSettings, error)
}

// setupFor is the setup of a's config: the base revision is origin/main.
func setupFor(a *app, cfg *schema.Config, d *schema.Desired) setup {
	return setup{cfg: cfg, desired: d, base: func() (schema.GitHubSettings, error) { return baseGitHubSettings(a.configDir, "origin/main") }}
}

// targetKinds are the targets reconcile knows, in plan order.
func targetKinds() []targetKind {
	return []targetKind{
		{name: "okta", urlEnv: "OKTA_ORG_URL", urlSetting: "okta.org_url", tokenEnv: "OKTA_API_TOKEN",
			url:       func(c *schema.Config) string { return c.Settings.Okta.OrgURL },
			caps:      okta.Capabilities,
			want:      reconcile.WantOkta,
			known:     reconcile.KnownOkta,
			protected: func(c *schema.Config) []string { return c.Settings.Protected.Okta },
			provider: func(ctx context.Context, ep endpoint, log *slog.Logger, concurrency int, _ setup) (reconcile.Provider, error) {
				return okta.New(ctx, okta.Config{OrgURL: ep.URL, Token: ep.Token, HTTPClient: ep.Client, Logger: log, MaxConcurrency: concurrency})
			},
			sandbox: func(sb *sandbox.Sandbox) endpoint {
				return endpoint{URL: sb.Okta.URL(), Token: sb.Okta.Token(), Client: sb.Okta.Client()}
			}},
		{name: "gitlab", urlEnv: "GITLAB_URL", urlSetting: "gitlab.url", tokenEnv: "GITLAB_TOKEN",
			url:       func(c *schema.Config) string { return c.Settings.GitLab.URL },
			caps:      gitlab.Capabilities,
			want:      reconcile.WantGitLab,
			known:     reconcile.KnownGitLab,
			protected: func(c *schema.Config) []string { return c.Settings.Protected.GitLab },
			provider: func(ctx context.Context, ep endpoint, log *slog.Logger, concurrency int, _ setup) (reconcile.Provider, error) {
				return gitlab.New(ctx, gitlab.Config{BaseURL: ep.URL, Token: ep.Token, HTTPClient: ep.Client, Logger: log, MaxConcurrency: concurrency})
			},
			sandbox: func(sb *sandbox.Sandbox) endpoint {
				return endpoint{URL: sb.GitLab.URL(), Token: sb.GitLab.Token(), Client: sb.GitLab.Client()}
			}},
		{name: "github", urlEnv: "GITHUB_API_URL", urlSetting: "github.api_url", tokenEnv: "GITHUB_TOKEN",
			url:       githubAPIURL,
			caps:      rgh.Capabilities,
			want:      func(d *schema.Desired) reconcile.Want { return rgh.Want(d) },
			known:     rgh.Known,
			protected: func(c *schema.Config) []string { return c.Settings.Protected.GitHub },
			provider: func(ctx context.Context, ep endpoint, log *slog.Logger, concurrency int, s setup) (reconcile.Provider, error) {
				if !ep.Trusted {
					var worktree schema.GitHubSettings
					if s.cfg != nil {
						worktree = s.cfg.Settings.GitHub
					}
					u, err := rgh.ResolveTargetURLs(rgh.Sources{Getenv: func(string) string { return "" }, Base: s.base}, worktree)
					if err != nil {
						return nil, err
					}
					ep.URL, ep.GraphQL = u.API, u.GraphQL
				}
				cfg := rgh.Config{APIURL: ep.URL, GraphQLURL: ep.GraphQL, Token: ep.Token, HTTPClient: ep.Client, Logger: log,
					Teams: rgh.TeamsOf(s.desired)}
				if s.cfg != nil {
					cfg.MinAdmins = s.cfg.Settings.GitHub.MinAdmins
				}
				return rgh.NewProvider(cfg)
			},
			sandbox: func(sb *sandbox.Sandbox) endpoint {
				return endpoint{URL: sb.GitHub.URL + "/", Token: sandbox.GitHubToken, Client: sb.GitHub.Client(), Trusted: true}
			},
			adjust: githubEndpoint,
			notes:  rgh.Notes},
	}
}

// githubAPIURL is never access.yaml's: the checked-out file may be the
// config under review, which must not choose where GITHUB_TOKEN goes. Until
// the provider is built (and reads the base revision), GitHub.com stands in.
func githubAPIURL(*schema.Config) string { return rgh.DefaultAPIURL }

// githubEndpoint takes GITHUB_API_URL and GITHUB_GRAPHQL_URL from the
// environment; with GITHUB_API_URL set the endpoint is final, else the
// provider resolves it from the base revision (rgh.ResolveTargetURLs).
func githubEndpoint(ep *endpoint, _ *schema.Config, getenv func(string) string) {
	ep.URL, ep.GraphQL = getenv("GITHUB_API_URL"), getenv("GITHUB_GRAPHQL_URL")
	if ep.URL != "" {
		ep.Trusted = true
		if ep.GraphQL == "" {
			ep.GraphQL = rgh.DefaultGraphQLURL(ep.URL)
		}
		return
	}
	ep.URL = rgh.DefaultAPIURL
}

// kindOf returns the target named name.
func kindOf(name string) (targetKind, bool) {
	for _, k := range targetKinds() {
		if k.name == name {
			return k, true
		}
	}
	return targetKind{}, false
}

// targetNames lists the known targets, in plan order.
func targetNames() []string {
	var out []string
	for _, k := range targetKinds() {
		out = append(out, k.name)
	}
	return out
}

// endpoints reads provider settings, environment first, then access.yaml.
// Tokens come only from the environment.
func endpoints(cfg *schema.Config, getenv func(string) string) map[string]endpoint {
	eps := map[string]endpoint{}
	for _, k := range targetKinds() {
		url := getenv(k.urlEnv)
		if url == "" {
			url = k.url(cfg)
		}
		ep := endpoint{URL: url, Token: getenv(k.tokenEnv)}
		if k.adjust != nil {
			k.adjust(&ep, cfg, getenv)
		}
		eps[k.name] = ep
	}
	return eps
}

// newProvider builds the provider of one target from its endpoint.
func newProvider(ctx context.Context, a *app, target string, ep endpoint, concurrency int, s setup, what string) (reconcile.Provider, error) {
	k, ok := kindOf(target)
	if !ok {
		return nil, fmt.Errorf("%s: unknown target %q", what, target)
	}
	if ep.URL == "" || ep.Token == "" {
		others := slices.DeleteFunc(targetNames(), func(n string) bool { return n == target })
		return nil, fmt.Errorf("%s: set %s (or %s in access.yaml) and %s, or use --only %s, or try --sandbox",
			what, k.urlEnv, k.urlSetting, k.tokenEnv, strings.Join(others, ","))
	}
	p, err := k.provider(ctx, ep, a.log, concurrency, s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", target, err)
	}
	return p, nil
}

// buildTargets makes one provider per requested target that the config
// manages anything in.
func buildTargets(ctx context.Context, a *app, cfg *schema.Config, d *schema.Desired, only map[string]bool, eps map[string]endpoint, concurrency int) ([]reconcile.Target, error) {
	var (
		targets []reconcile.Target
		systems []string
	)
	for _, k := range targetKinds() {
		caps := k.caps()
		systems = append(systems, caps.System)
		want := k.want(d)
		if !only[k.name] || len(want) == 0 {
			continue
		}
		p, err := newProvider(ctx, a, k.name, eps[k.name], concurrency, setupFor(a, cfg, d), fmt.Sprintf("the config manages %d %s groups", len(want), caps.System))
		if err != nil {
			return nil, err
		}
		t := reconcile.Target{Provider: p, Want: want, Caps: caps, Protected: k.protected(cfg), Known: k.known(cfg)}
		if k.notes != nil {
			t.Notes = k.notes(d)
		}
		targets = append(targets, t)
	}
	if len(targets) == 0 {
		return nil, fmt.Errorf("nothing to reconcile: no group file names an %s group for the targets %v", orList(systems), keysOf(only))
	}
	return targets, nil
}

// startSandbox starts the fakes and returns their endpoints.
func startSandbox(a *app, cfg *schema.Config, d *schema.Desired) (map[string]endpoint, func()) {
	sb := sandbox.Start(cfg, d)
	fmt.Fprintf(a.stderr, "Sandbox: fake Okta at %s, fake GitLab at %s and fake GitHub at %s, seeded from %s with this drift:\n%s\n\n",
		sb.Okta.URL(), sb.GitLab.URL(), sb.GitHub.URL, a.configDir, sb.Describe())
	eps := map[string]endpoint{}
	for _, k := range targetKinds() {
		eps[k.name] = k.sandbox(sb)
	}
	return eps, sb.Close
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

// orList joins names as a sentence does: "a", "a or b", "a, b or c".
func orList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

func keysOf(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
