package github_test

import (
	"strings"
	"testing"
	"time"

	"github.com/access-as-code/access/internal/githubfake"
	"github.com/access-as-code/access/reconcile"
	"github.com/access-as-code/access/reconcile/github"
)

// driftedWorld is an org with three teams and drift for every kind of
// change: two adds, an update, a team removal and an org removal.
func driftedWorld(t *testing.T) (*world, reconcile.Want) {
	w := newWorld(t, func(c *github.Config) {
		c.RequestTimeout = time.Second
		c.Pace.Minute = 300 * time.Millisecond // a secondary limit without retry-after waits this long
	})
	for _, u := range []string{"ann", "bob", "cat", "dan", "eve"} {
		w.s.SetOrgMember("k8s", u, githubfake.RoleMember)
	}
	w.s.SetOrgMember("k8s", "admin2", githubfake.RoleAdmin)
	for _, team := range []string{"a", "b", "c"} {
		w.s.AddTeam("k8s", team, "")
	}
	w.s.SetTeamMember("k8s", "a", "ann", githubfake.RoleMember)
	w.s.SetTeamMember("k8s", "a", "bob", githubfake.RoleMember)
	w.s.SetTeamMember("k8s", "b", "cat", githubfake.RoleMember) // stray: removed
	w.s.SetTeamMember("k8s", "c", "eve", githubfake.RoleMember) // eve leaves the org
	org := want("k8s", grant("access-bot", "admin"), grant("admin2", "admin"),
		grant("ann", "member"), grant("bob", "member"), grant("cat", "member"), grant("dan", "member"))
	return w, merge(org,
		want("k8s/a", grant("ann", "maintainer"), grant("bob", "member"), grant("dan", "member")), // ann: update, dan: add
		want("k8s/b", grant("bob", "member")),                                                     // bob: add, cat: remove
		want("k8s/c"))
}

// TestFaultMatrix: every transient fault, met first by the read and then
// by the writes, ends in the same converged state, each change written
// once it gets through; the faults that cannot pass fail the read or only
// their own change.
func TestFaultMatrix(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault githubfake.FaultKind
		count int
	}{
		{"429 with retry-after", githubfake.FaultTooMany, 2},
		{"403 primary limit (remaining 0, reset)", githubfake.FaultRateLimit, 2},
		{"403 secondary limit with retry-after", githubfake.FaultSecondary, 2},
		{"403 secondary limit without retry-after", githubfake.FaultSecondaryNoRetry, 1},
		{"5xx burst", githubfake.FaultServerError, 3},
		{"timeout", githubfake.FaultTimeout, 1},
		{"truncated body", githubfake.FaultTruncated, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w, wnt := driftedWorld(t)
			w.s.InjectFault(githubfake.Fault{Kind: tc.fault, Count: tc.count})
			p := w.plan(wnt)
			const wantOps = "remove k8s eve; update k8s/a ann maintainer; add k8s/a dan member; remove k8s/b cat; add k8s/b bob member"
			if got := ops(p); got != wantOps {
				t.Fatalf("plan under %s: %q, want %q", tc.name, got, wantOps)
			}
			w.s.InjectFault(githubfake.Fault{Kind: tc.fault, Count: tc.count})
			if rep := w.apply(p); !rep.OK() {
				t.Fatalf("apply under %s: %+v", tc.name, rep.Failed)
			}
			if p := w.plan(wnt); !p.Empty() {
				t.Fatalf("after apply under %s: %q, want no changes", tc.name, ops(p))
			}
		})
	}
	t.Run("GraphQL partial error", func(t *testing.T) {
		w, wnt := driftedWorld(t)
		w.s.InjectFault(githubfake.Fault{Kind: githubfake.FaultGraphQLPartial, Count: 1})
		_, err := reconcile.Observe(ctx(t), []reconcile.Target{{Provider: w.p, Want: wnt, Caps: github.Capabilities()}})
		if err == nil || !strings.Contains(err.Error(), "GraphQL errors") {
			t.Fatalf("read with a partial GraphQL answer: %v, want a failed read", err)
		}
		if p := w.plan(wnt); len(p.Changes) != 5 {
			t.Fatalf("the next read: %q", ops(p))
		}
	})
	t.Run("one blocked user", func(t *testing.T) {
		w, wnt := driftedWorld(t)
		w.s.BlockUser("k8s", "dan")
		rep := w.apply(w.plan(wnt))
		if len(rep.Failed) != 1 || rep.Failed[0].Change.Login != "dan" || len(rep.Applied) != 4 {
			t.Fatalf("applied %d, failed %+v: want dan's add alone failed", len(rep.Applied), rep.Failed)
		}
	})
	t.Run("secondary limit that outlasts MaxWait", func(t *testing.T) {
		w, wnt := driftedWorld(t)
		p := w.plan(wnt)
		w.s.InjectFault(githubfake.Fault{Kind: githubfake.FaultSecondary, Count: githubfake.Forever, RetryAfter: time.Hour})
		err := w.p.Apply(ctx(t), p.Changes[0])
		if _, ok := err.(*reconcile.RateLimitError); !ok {
			t.Fatalf("a retry-after of an hour: %T %v, want a *reconcile.RateLimitError at once", err, err)
		}
	})
}
