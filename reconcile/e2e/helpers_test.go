package e2e

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/access-as-code/access/internal/gitlabfake"
	"github.com/access-as-code/access/internal/oktafake"
	"github.com/access-as-code/access/reconcile"
	"github.com/access-as-code/access/reconcile/gitlab"
	"github.com/access-as-code/access/reconcile/okta"
	"github.com/access-as-code/access/schema"
)

// exampleConfig is the example a new user starts from; exampleNow is a date
// at which it is valid and has one expired grant.
const exampleConfig = "../../access-config"

var exampleNow = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

// loadConfig validates and compiles a config directory.
func loadConfig(tb testing.TB, dir string, now time.Time) (*schema.Config, *schema.Desired) {
	tb.Helper()
	cfg, err := schema.CheckDir(dir, now)
	if err != nil {
		tb.Fatalf("config %s: %v", dir, err)
	}
	return cfg, schema.Compile(cfg, now)
}

// world is one config and the two fakes that hold its targets.
type world struct {
	cfg    *schema.Config
	d      *schema.Desired
	okta   *oktafake.Server
	gitlab *gitlabfake.Server
}

// tuning shortens the providers' timeouts and backoffs so that a fault
// matrix runs in seconds; zero values keep the providers' defaults.
type tuning struct {
	requestTimeout time.Duration
	maxAttempts    int
	concurrency    int
}

// providers builds the real providers against the fakes.
func (w *world) providers(tb testing.TB, tu tuning) (*okta.Provider, *gitlab.Provider) {
	tb.Helper()
	ctx := context.Background()
	op, err := okta.New(ctx, okta.Config{OrgURL: w.okta.URL(), Token: w.okta.Token(), HTTPClient: w.okta.Client(),
		MaxConcurrency: tu.concurrency, RequestTimeout: tu.requestTimeout, MaxAttempts: tu.maxAttempts,
		RetryBackoff: 20 * time.Millisecond, AllowHTTP: true})
	if err != nil {
		tb.Fatal(err)
	}
	gp, err := gitlab.New(ctx, gitlab.Config{BaseURL: w.gitlab.URL(), Token: w.gitlab.Token(), HTTPClient: w.gitlab.Client(),
		MaxConcurrency: tu.concurrency, RequestTimeout: tu.requestTimeout, MaxAttempts: tu.maxAttempts, MaxWait: 10 * time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	return op, gp
}

// targets wires providers to the config as cmd/reconcile does.
func (w *world) targets(op reconcile.Provider, gp reconcile.Provider) []reconcile.Target {
	var ts []reconcile.Target
	if len(w.d.Okta) > 0 {
		ts = append(ts, reconcile.Target{Provider: op, Want: okta.Want(w.d),
			Protected: w.cfg.Settings.Protected.Okta, Caps: okta.Capabilities(), Known: okta.Known(w.cfg)})
	}
	if len(w.d.GitLab) > 0 {
		ts = append(ts, reconcile.Target{Provider: gp, Want: gitlab.Want(w.d),
			Protected: w.cfg.Settings.Protected.GitLab, Caps: gitlab.Capabilities(), Known: gitlab.Known(w.cfg)})
	}
	return ts
}

// state is what the targets hold: target -> group -> login -> level
// (GitLab access level; 1 for an Okta membership). Okta logins are lower
// case, as Okta compares them.
type state map[string]map[string]map[string]int

// snapshot reads every managed group's members straight from the fakes.
func (w *world) snapshot() state {
	s := state{"okta": {}, "gitlab": {}}
	for g := range w.d.Okta {
		m := map[string]int{}
		if w.okta.GroupID(g) != "" {
			for _, l := range w.okta.Members(g) {
				m[strings.ToLower(l)] = 1
			}
		}
		s["okta"][g] = m
	}
	for path := range w.d.GitLab {
		m := map[string]int{}
		for u, l := range w.gitlab.Members(path) {
			m[u] = l
		}
		s["gitlab"][path] = m
	}
	return s
}

func (s state) clone() state {
	out := state{}
	for t, gs := range s {
		out[t] = map[string]map[string]int{}
		for g, ms := range gs {
			out[t][g] = map[string]int{}
			for l, v := range ms {
				out[t][g][l] = v
			}
		}
	}
	return out
}

// after is what s becomes when exactly the given changes are made.
func (s state) after(changes []reconcile.Change) state {
	out := s.clone()
	for _, c := range changes {
		login := c.Login
		level := 1
		if c.Target == "okta" {
			login = strings.ToLower(login)
		} else {
			level = schema.AccessLevel(c.Access).Value()
		}
		g := out[c.Target][c.Group]
		if g == nil {
			g = map[string]int{}
			out[c.Target][c.Group] = g
		}
		switch c.Op {
		case reconcile.OpAdd, reconcile.OpUpdate:
			g[login] = level
		case reconcile.OpRemove:
			delete(g, login)
		}
	}
	return out
}

// diff lists, one line each, how got differs from want.
func diff(want, got state) []string {
	var out []string
	for t, gs := range want {
		for g, ms := range gs {
			for l, v := range ms {
				if gv, ok := got[t][g][l]; !ok {
					out = append(out, fmt.Sprintf("%s %s: %s missing (want level %d)", t, g, l, v))
				} else if gv != v {
					out = append(out, fmt.Sprintf("%s %s: %s at level %d, want %d", t, g, l, gv, v))
				}
			}
			for l := range got[t][g] {
				if _, ok := ms[l]; !ok {
					out = append(out, fmt.Sprintf("%s %s: %s present, should not be", t, g, l))
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// removedOutsidePlan lists members gone from before to after whose removal
// the plan did not contain.
func removedOutsidePlan(before, after state, p *reconcile.Plan) []string {
	planned := map[string]bool{}
	for _, c := range p.Changes {
		if c.Op == reconcile.OpRemove {
			l := c.Login
			if c.Target == "okta" {
				l = strings.ToLower(l)
			}
			planned[c.Target+"\x00"+c.Group+"\x00"+l] = true
		}
	}
	var out []string
	for t, gs := range before {
		for g, ms := range gs {
			for l := range ms {
				if _, still := after[t][g][l]; !still && !planned[t+"\x00"+g+"\x00"+l] {
					out = append(out, fmt.Sprintf("%s %s: %s", t, g, l))
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// writes counts the write requests the fakes answered.
func (w *world) writes() map[string]int {
	out := map[string]int{}
	for k, v := range w.okta.RequestCounts() {
		if !strings.HasPrefix(k, "GET ") {
			out["okta "+k] = v
		}
	}
	for k, v := range w.gitlab.RequestCounts() {
		if !strings.HasPrefix(k, "GET ") {
			out["gitlab "+k] = v
		}
	}
	return out
}

func changesOf(p *reconcile.Plan, target string) []reconcile.Change {
	var out []reconcile.Change
	for _, c := range p.Changes {
		if c.Target == target {
			out = append(out, c)
		}
	}
	return out
}
