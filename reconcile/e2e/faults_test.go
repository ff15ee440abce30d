package e2e

import (
	"context"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/access-as-code/access/internal/gitlabfake"
	"github.com/access-as-code/access/internal/oktafake"
	"github.com/access-as-code/access/internal/sandbox"
	"github.com/access-as-code/access/reconcile"
)

// Endpoint keys of the fakes' request counters and fault filters.
const (
	oktaMembers = "GET /api/v1/groups/{id}/users"
	oktaAdd     = "PUT /api/v1/groups/{id}/users/{userId}"
	oktaRemove  = "DELETE /api/v1/groups/{id}/users/{userId}"
	glMembers   = "GET /api/v4/groups/:id/members"
	glAdd       = "POST /api/v4/groups/:id/members"
	glUpdate    = "PUT /api/v4/groups/:id/members/:user_id"
	glRemove    = "DELETE /api/v4/groups/:id/members/:user_id"
)

// faultTuning keeps a faulted run short: a timeout is given up on after
// 500ms, and five attempts outlast every transient fault injected here.
var faultTuning = tuning{requestTimeout: 500 * time.Millisecond, maxAttempts: 5, concurrency: 4}

// startExample seeds the fakes from the example config with the sandbox's
// drift (a missing member, a stray, a wrong level, a pending user, an
// expired grant) and more of it, so that each target has several adds and
// removes and a fault has changes to land on.
func startExample(t *testing.T) *world {
	t.Helper()
	cfg, d := loadConfig(t, exampleConfig, exampleNow)
	sb := sandbox.Start(cfg, d)
	t.Cleanup(sb.Close)
	w := &world{cfg: cfg, d: d, okta: sb.Okta, gitlab: sb.GitLab}

	oktaGroups := slices.Sorted(maps.Keys(d.Okta))
	w.okta.AddUser("contractor.one@example.com", "contractor.one@example.com")
	w.okta.AddMember(oktaGroups[0], "contractor.one@example.com")
	w.okta.AddMember(oktaGroups[1%len(oktaGroups)], "contractor.one@example.com")
	for _, g := range oktaGroups[1:min(3, len(oktaGroups))] {
		if ms := w.okta.Members(g); len(ms) > 0 {
			w.okta.RemoveMember(g, ms[0])
		}
	}

	paths := slices.Sorted(maps.Keys(d.GitLab))
	w.gitlab.AddUser("contractor.two", "Contractor Two", "contractor.two@example.com")
	w.gitlab.SetMember(paths[0], "contractor.two", gitlabfake.Developer)
	w.gitlab.SetMember(paths[len(paths)-1], "contractor.two", gitlabfake.Reporter)
	for _, p := range paths[1:min(3, len(paths))] {
		for _, u := range slices.Sorted(maps.Keys(d.GitLab[p])) {
			if _, ok := w.gitlab.Members(p)[u]; ok {
				w.gitlab.SetMember(p, u, 0)
				break
			}
		}
	}
	return w
}

// transientFault is a failure that goes away on retry, injected on the
// members listing and on every membership write of one target.
type transientFault struct {
	name string
	okta func(key string) oktafake.Fault
	gl   func(key string) gitlabfake.Fault
}

var transientFaults = []transientFault{
	{"429 with a reset",
		func(k string) oktafake.Fault {
			return oktafake.Fault{Kind: oktafake.RateLimited, Count: 1, Key: k, Reset: time.Second}
		},
		func(k string) gitlabfake.Fault {
			return gitlabfake.Fault{Kind: gitlabfake.FaultRateLimit, Count: 1, Endpoint: k, RetryAfter: time.Second}
		}},
	{"a burst of 5xx",
		func(k string) oktafake.Fault {
			return oktafake.Fault{Kind: oktafake.ServerError, Count: 3, Key: k, Status: 503}
		},
		func(k string) gitlabfake.Fault {
			return gitlabfake.Fault{Kind: gitlabfake.FaultServerError, Count: 3, Endpoint: k, Status: 502}
		}},
	{"a request that never answers",
		func(k string) oktafake.Fault { return oktafake.Fault{Kind: oktafake.Timeout, Count: 1, Key: k} },
		func(k string) gitlabfake.Fault {
			return gitlabfake.Fault{Kind: gitlabfake.FaultTimeout, Count: 1, Endpoint: k}
		}},
	{"a response cut off mid-body",
		func(k string) oktafake.Fault { return oktafake.Fault{Kind: oktafake.Truncated, Count: 1, Key: k} },
		func(k string) gitlabfake.Fault {
			return gitlabfake.Fault{Kind: gitlabfake.FaultTruncated, Count: 1, Endpoint: k}
		}},
}

// TestApplyConvergesThroughFaults is the fault matrix: for each target and
// each fault, the apply run retries through it, applies exactly the plan
// (nothing removed that the plan did not remove, every change made), and a
// fresh plan afterwards is empty. A person whose writes fail for good is
// reported in Report.Failed and does not stop the others.
func TestApplyConvergesThroughFaults(t *testing.T) {
	type tc struct {
		name      string
		target    string
		inject    func(w *world, p *reconcile.Plan) (failing string)
		transient bool
	}
	var cases []tc
	for _, f := range transientFaults {
		cases = append(cases,
			tc{"okta recovers from " + f.name, "okta", func(w *world, _ *reconcile.Plan) string {
				for _, k := range []string{oktaMembers, oktaAdd, oktaRemove} {
					w.okta.InjectFault(f.okta(k))
				}
				return ""
			}, true},
			tc{"gitlab recovers from " + f.name, "gitlab", func(w *world, _ *reconcile.Plan) string {
				for _, k := range []string{glMembers, glAdd, glUpdate, glRemove} {
					w.gitlab.InjectFault(f.gl(k))
				}
				return ""
			}, true})
	}
	cases = append(cases,
		tc{"okta reports one person whose writes always fail and applies the rest", "okta", func(w *world, p *reconcile.Plan) string {
			login := changesOf(p, "okta")[0].Login
			w.okta.InjectFault(oktafake.Fault{Kind: oktafake.UserWrite, Login: login})
			return login
		}, false},
		tc{"gitlab reports one person whose writes always fail and applies the rest", "gitlab", func(w *world, p *reconcile.Plan) string {
			login := changesOf(p, "gitlab")[0].Login
			w.gitlab.InjectFault(gitlabfake.Fault{Kind: gitlabfake.FaultUserWrites, Username: login})
			return login
		}, false})

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			w := startExample(t)
			op, gp := w.providers(t, faultTuning)
			targets := w.targets(op, gp)

			reviewed, err := reconcile.Run(ctx, reconcile.RunOptions{Targets: targets, Out: io.Discard})
			if err != nil {
				t.Fatalf("plan before the faults: %v", err)
			}
			mine := changesOf(reviewed.Plan, c.target)
			if len(mine) < 3 {
				t.Fatalf("the seeded drift should give %s several changes, got %v", c.target, mine)
			}
			before := w.snapshot()
			failing := c.inject(w, reviewed.Plan)
			w.okta.ResetCounts()
			w.gitlab.ResetCounts()

			// The guards are not under test here (reconcile's own tests
			// cover them): turn them off explicitly.
			out, err := reconcile.Run(ctx, reconcile.RunOptions{Targets: targets, Apply: true, Out: io.Discard,
				Limits:       reconcile.Limits{MaxRemovals: -1, MaxRemovalRatio: -1},
				ApplyOptions: reconcile.ApplyOptions{Concurrency: 4, Commit: "e2e"}})
			if err != nil {
				t.Fatalf("apply run: %v", err)
			}
			if out.Plan.Hash != reviewed.Plan.Hash {
				t.Fatalf("the faults changed what was read: plan %s, before the faults %s\n%v\nvs\n%v",
					out.Plan.Hash, reviewed.Plan.Hash, out.Plan.Changes, reviewed.Plan.Changes)
			}
			if out.Report == nil {
				t.Fatal("the plan had changes but nothing was applied")
			}
			after := w.snapshot()
			if gone := removedOutsidePlan(before, after, out.Plan); len(gone) > 0 {
				t.Errorf("members removed that the plan did not remove:\n%s", strings.Join(gone, "\n"))
			}

			var wantFailed []reconcile.Change
			for _, ch := range out.Plan.Changes {
				if failing != "" && ch.Target == c.target && strings.EqualFold(ch.Login, failing) {
					wantFailed = append(wantFailed, ch)
				}
			}
			var gotFailed, applied []reconcile.Change
			for _, r := range out.Report.Failed {
				gotFailed = append(gotFailed, r.Change)
				if !strings.Contains(r.Error, failing) || !strings.Contains(r.Error, "403") {
					t.Errorf("the error of a failed change should name the person and the status: %q", r.Error)
				}
			}
			for _, r := range out.Report.Applied {
				applied = append(applied, r.Change)
			}
			if !sameChanges(gotFailed, wantFailed) {
				t.Errorf("failed changes:\n got %v\nwant %v", out.Report.Failed, wantFailed)
			}
			if d := diff(before.after(applied), after); len(d) > 0 {
				t.Errorf("the targets are not what the applied changes make of them:\n%s", strings.Join(d, "\n"))
			}
			if len(applied)+len(gotFailed) != len(out.Plan.Changes) {
				t.Errorf("%d applied + %d failed != %d planned", len(applied), len(gotFailed), len(out.Plan.Changes))
			}

			if c.transient {
				// The fault was hit: the faulted target answered more
				// requests than a clean run needs (its reads plus one per change).
				total, clean := w.total(c.target), w.readsOfCleanPlan(t, c.target)+len(mine)
				if total <= clean {
					t.Errorf("%s answered %d requests, a clean run needs %d: the fault was never hit", c.target, total, clean)
				}
			}

			again, err := reconcile.Run(ctx, reconcile.RunOptions{Targets: targets, Out: io.Discard})
			if err != nil {
				t.Fatalf("plan after apply: %v", err)
			}
			if !sameChanges(again.Plan.Changes, wantFailed) {
				t.Errorf("a fresh plan should hold only the failed person's changes, got:\n%v", again.Plan.Changes)
			}
		})
	}
}

// TestFailedReadChangesNothing: a members listing that keeps failing (a
// revoked token, a server that stays broken) makes the run an error before
// any write, in both targets, never a plan that removes everyone.
func TestFailedReadChangesNothing(t *testing.T) {
	cases := []struct {
		name   string
		inject func(w *world)
		want   string
	}{
		{"okta 401 on a members listing", func(w *world) {
			w.okta.InjectFault(oktafake.Fault{Kind: oktafake.Unauthorized, Count: 1 << 30, Key: oktaMembers})
		}, "reading okta"},
		{"okta permanent 500 on a members listing", func(w *world) {
			w.okta.InjectFault(oktafake.Fault{Kind: oktafake.ServerError, Count: 1 << 30, Key: oktaMembers})
		}, "reading okta"},
		{"gitlab 401 on a members listing", func(w *world) {
			w.gitlab.InjectFault(gitlabfake.Fault{Kind: gitlabfake.FaultUnauthorized, Count: gitlabfake.Forever, Endpoint: glMembers})
		}, "reading gitlab"},
		{"gitlab permanent 500 on a members listing", func(w *world) {
			w.gitlab.InjectFault(gitlabfake.Fault{Kind: gitlabfake.FaultServerError, Count: gitlabfake.Forever, Endpoint: glMembers})
		}, "reading gitlab"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := startExample(t)
			op, gp := w.providers(t, tuning{requestTimeout: time.Second, maxAttempts: 3, concurrency: 4})
			before := w.snapshot()
			c.inject(w)
			w.okta.ResetCounts()
			w.gitlab.ResetCounts()
			out, err := reconcile.Run(context.Background(), reconcile.RunOptions{Targets: w.targets(op, gp), Apply: true,
				Out: io.Discard, Limits: reconcile.Limits{AllowMass: true}})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want an error %q", err, c.want)
			}
			if out != nil && out.Report != nil {
				t.Errorf("a run whose read failed applied changes: %+v", out.Report)
			}
			for k, n := range w.writes() {
				if n > 0 {
					t.Errorf("%d write requests %s after a failed read", n, k)
				}
			}
			if d := diff(before, w.snapshot()); len(d) > 0 {
				t.Errorf("the targets changed:\n%s", strings.Join(d, "\n"))
			}
		})
	}
}

// total is every request one target's fake answered since ResetCounts.
func (w *world) total(target string) int {
	if target == "okta" {
		return w.okta.TotalRequests()
	}
	return w.gitlab.TotalRequests()
}

// readsOfCleanPlan counts the requests of one fault-free plan of target,
// on a fresh copy of the example world.
func (w *world) readsOfCleanPlan(t *testing.T, target string) int {
	t.Helper()
	fresh := startExample(t)
	op, gp := fresh.providers(t, faultTuning)
	fresh.okta.ResetCounts()
	fresh.gitlab.ResetCounts()
	if _, err := reconcile.Run(context.Background(), reconcile.RunOptions{Targets: fresh.targets(op, gp), Out: io.Discard}); err != nil {
		t.Fatal(err)
	}
	return fresh.total(target)
}

func sameChanges(a, b []reconcile.Change) bool {
	key := func(cs []reconcile.Change) []string {
		out := make([]string, len(cs))
		for i, c := range cs {
			out[i] = c.String() + "\x00" + c.Access
		}
		sort.Strings(out)
		return out
	}
	ka, kb := key(a), key(b)
	if len(ka) != len(kb) {
		return false
	}
	for i := range ka {
		if ka[i] != kb[i] {
			return false
		}
	}
	return true
}
