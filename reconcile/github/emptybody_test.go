package github_test

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/access-as-code/access/reconcile"
	"github.com/access-as-code/access/reconcile/github"
)

// emptyOnce answers the first GET of a path containing match with 200 and
// no body, as a proxy or a connection racing a cancellation can, then lets
// every request through.
type emptyOnce struct {
	base  http.RoundTripper
	match string
	left  atomic.Int32
}

func (e *emptyOnce) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodGet && strings.Contains(req.URL.Path, e.match) && e.left.Add(-1) >= 0 {
		return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Header: http.Header{"Content-Length": {"0"}},
			Body: http.NoBody, ContentLength: 0, Request: req}, nil
	}
	return e.base.RoundTrip(req)
}

// An empty 200 to the pending-invitations read is a broken answer, not "no
// invitations": without this, the pending member would be planned as an add
// (a second invitation) and the pending admin's role change lost.
func TestEmptyInvitationListIsRetriedNotReadAsNone(t *testing.T) {
	for _, always := range []bool{false, true} {
		w := newWorld(t, func(c *github.Config) {
			e := &emptyOnce{base: c.HTTPClient.Transport, match: "/invitations"}
			e.left.Store(1)
			if always {
				e.left.Store(1 << 20)
			}
			c.HTTPClient = &http.Client{Transport: e}
			c.MaxAttempts = 3
		})
		w.s.AddOrg("k8s")
		w.s.Invite("k8s", "pending-member", "direct_member")
		wnt := want("k8s", grant("pending-member", "member"))
		if always {
			_, err := reconcile.Observe(ctx(t), []reconcile.Target{{Provider: w.p, Want: wnt, Caps: github.Capabilities()}})
			if err == nil || !strings.Contains(err.Error(), "empty body") {
				t.Fatalf("every invitation read empty: %v, want a failed read", err)
			}
			continue
		}
		if got := ops(w.plan(wnt)); strings.Contains(got, "pending-member") {
			t.Fatalf("plan %q: the pending invitation was lost to an empty answer", got)
		}
	}
}
