package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
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
	"github.com/access-as-code/access/schema/trusted"
)

// endpoint is where one target is reached and with what token.
type endpoint struct {
	URL, Token string
	Client     *http.Client // nil: the default client (system roots, SSL_CERT_FILE)
	err        error        // the URL could not be resolved safely
	where      string       // where the URL is looked for, for messages
	GraphQL    string       // GitHub only: the GraphQL URL, "" for the default of URL
}

// targetKind is one target system as the CLI wires it: where its settings
// come from, how its provider is built, and what of the config it is given.
// A new target is one more entry in targetKinds; the engine needs nothing.
type targetKind struct {
	name      string          // as in plans and --only
	url       trusted.Setting // the URL: its environment variable, else a trusted access.yaml
	tokenEnv  string          // tokens come only from the environment
	caps      func() reconcile.Capabilities
	want      func(*schema.Desired) reconcile.Want
	known     func(*schema.Config) map[string]string
	protected func(*schema.Config) []string
	provider  func(ctx context.Context, ep endpoint, log *slog.Logger, concurrency int, s setup) (reconcile.Provider, error)
	sandbox   func(*sandbox.Sandbox) endpoint
	// graphql, when set, is a second token destination (GitHub's GraphQL
	// URL), resolved like url.
	graphql *trusted.Setting
	// notes, when set, are the config's own warnings about this target.
	notes func(*schema.Desired) []reconcile.Warning
}

// setup is what of the config a provider is built with beyond its endpoint.
type setup struct {
	cfg     *schema.Config
	desired *schema.Desired // nil when dumping
}

// targetKinds are the targets reconcile knows, in plan order.
func targetKinds() []targetKind {
	return []targetKind{
		{name: "okta", tokenEnv: "OKTA_API_TOKEN",
			url: trusted.Setting{Env: "OKTA_ORG_URL", Key: "okta.org_url",
				Field: func(c *schema.Config) string { return c.Settings.Okta.OrgURL }},
			caps:      okta.Capabilities,
			want:      okta.Want,
			known:     okta.Known,
			protected: func(c *schema.Config) []string { return c.Settings.Protected.Okta },
			provider: func(ctx context.Context, ep endpoint, log *slog.Logger, concurrency int, _ setup) (reconcile.Provider, error) {
				return okta.New(ctx, okta.Config{OrgURL: ep.URL, Token: ep.Token, HTTPClient: ep.Client, Logger: log, MaxConcurrency: concurrency})
			},
			sandbox: func(sb *sandbox.Sandbox) endpoint {
				return endpoint{URL: sb.Okta.URL(), Token: sb.Okta.Token(), Client: sb.Okta.Client()}
			}},
		{name: "gitlab", tokenEnv: "GITLAB_TOKEN",
			url: trusted.Setting{Env: "GITLAB_URL", Key: "gitlab.url",
				Field: func(c *schema.Config) string { return c.Settings.GitLab.URL }},
			caps:      gitlab.Capabilities,
			want:      gitlab.Want,
			known:     gitlab.Known,
			protected: func(c *schema.Config) []string { return c.Settings.Protected.GitLab },
			provider: func(ctx context.Context, ep endpoint, log *slog.Logger, concurrency int, _ setup) (reconcile.Provider, error) {
				return gitlab.New(ctx, gitlab.Config{BaseURL: ep.URL, Token: ep.Token, HTTPClient: ep.Client, Logger: log, MaxConcurrency: concurrency})
			},
			sandbox: func(sb *sandbox.Sandbox) endpoint {
				return endpoint{URL: sb.GitLab.URL(), Token: sb.GitLab.Token(), Client: sb.GitLab.Client()}
			}},
		{name: "github", tokenEnv: "GITHUB_TOKEN",
			url: trusted.Setting{Env: "GITHUB_API_URL", Key: "github.api_url", Field: func(c *schema.Config) string {
				if c.Settings.GitHub.APIURL != "" {
					return c.Settings.GitHub.APIURL
				}
				return rgh.DefaultAPIURL
			}},
			graphql: &trusted.Setting{Env: "GITHUB_GRAPHQL_URL", Key: "github.graphql_url",
				Field: func(c *schema.Config) string { return c.Settings.GitHub.GraphQLURL }},
			caps:      rgh.Capabilities,
			want:      func(d *schema.Desired) reconcile.Want { return rgh.Want(d) },
			known:     rgh.Known,
			protected: func(c *schema.Config) []string { return c.Settings.Protected.GitHub },
			notes:     rgh.Notes,
			provider: func(ctx context.Context, ep endpoint, log *slog.Logger, concurrency int, s setup) (reconcile.Provider, error) {
				cfg := rgh.Config{APIURL: ep.URL, GraphQLURL: ep.GraphQL, Token: ep.Token, HTTPClient: ep.Client, Logger: log,
					Teams: rgh.TeamsOf(s.desired)}
				if s.cfg != nil {
					cfg.MinAdmins = s.cfg.Settings.GitHub.MinAdmins
					cfg.TeamSync = s.cfg.Settings.GitHub.TeamSync
				}
				return rgh.NewProvider(cfg)
			},
			sandbox: func(sb *sandbox.Sandbox) endpoint {
				return endpoint{URL: sb.GitHub.URL + "/", Token: sandbox.GitHubToken, Client: sb.GitHub.Client()}
			}},
	}
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

// endpoints reads provider settings. Tokens come only from the environment;
// URLs, which choose where a token is sent, from the environment, else from
// the access.yaml src trusts (never the pull request's own). An URL that
// cannot be resolved is an error only for a target that is used.
func endpoints(src *trusted.Source, getenv func(string) string) map[string]endpoint {
	eps := map[string]endpoint{}
	for _, k := range targetKinds() {
		url, err := src.Value(k.url)
		ep := endpoint{URL: url, Token: getenv(k.tokenEnv), err: err, where: src.Where(k.url)}
		if k.graphql != nil && err == nil {
			// With the API URL from the environment, the GraphQL URL comes
			// from there too or is derived: never half from a file.
			if getenv(k.url.Env) != "" {
				ep.GraphQL = getenv(k.graphql.Env)
			} else {
				ep.GraphQL, ep.err = src.Value(*k.graphql)
			}
		}
		eps[k.name] = ep
	}
	return eps
}

// trustedSource is where this run may take token destinations from: the
// checked-out config outside a pull request, the base branch's in one.
func trustedSource(a *app, cfg *schema.Config) *trusted.Source {
	return trusted.New(trusted.Options{Getenv: a.getenv, Checked: cfg,
		Run: trusted.RunOf(a.getenv), ReadBase: trusted.AtRevision(a.configDir)})
}

// newProvider builds the provider of one target from its endpoint.
func newProvider(ctx context.Context, a *app, target string, ep endpoint, concurrency int, s setup, what string) (reconcile.Provider, error) {
	k, ok := kindOf(target)
	if !ok {
		return nil, fmt.Errorf("%s: unknown target %q", what, target)
	}
	others := slices.DeleteFunc(targetNames(), func(n string) bool { return n == target })
	if ep.err != nil {
		return nil, fmt.Errorf("%s: %w; or use --only %s", what, ep.err, strings.Join(others, ","))
	}
	if ep.URL == "" || ep.Token == "" {
		where := ep.where
		if where == "" {
			where = k.url.Env
		}
		return nil, fmt.Errorf("%s: set %s and %s, or use --only %s, or try --sandbox",
			what, where, k.tokenEnv, strings.Join(others, ","))
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
		p, err := newProvider(ctx, a, k.name, eps[k.name], concurrency, setup{cfg: cfg, desired: d}, fmt.Sprintf("the config manages %d %s groups", len(want), caps.System))
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
		return nil, fmt.Errorf("nothing to reconcile: no group file names an %s group for the targets %v", orList(systems), slices.Sorted(maps.Keys(only)))
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

// systemsSentence names every target system: "Okta and GitLab".
func systemsSentence() string {
	var names []string
	for _, k := range targetKinds() {
		names = append(names, k.caps().System)
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// orList joins names as a sentence does: "a", "a or b", "a, b or c".
func orList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
