package okta_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/access-as-code/access/internal/oktafake"
	"github.com/access-as-code/access/reconcile"
	"github.com/access-as-code/access/reconcile/okta"
)

// emptyListings answers the first n member listings with "200 OK" and an
// empty body instead of the server's answer: what net/http's Transport can
// hand back when a server or proxy gives up on a request that the client
// abandoned at its deadline (the response races the cancellation).
// A status other than 200 tests the pager's own check.
type emptyListings struct {
	base   http.RoundTripper
	status int
	n      atomic.Int64
}

func (e *emptyListings) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := e.base.RoundTrip(r)
	if err != nil || r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/users") || e.n.Add(-1) < 0 {
		return resp, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	h := http.Header{"Content-Length": {"0"}, "Date": resp.Header["Date"]}
	return &http.Response{Status: http.StatusText(e.status), StatusCode: e.status, Proto: resp.Proto, ProtoMajor: resp.ProtoMajor,
		ProtoMinor: resp.ProtoMinor, Header: h, Body: http.NoBody, ContentLength: 0, Request: r}, nil
}

// An empty 200 to a members listing is not "no members": the read retries
// it, and when every attempt gets one the read fails; never a group that
// looks empty, which a plan would fill with adds and empty of removals.
func TestEmptyListingBodyIsNotAnEmptyGroup(t *testing.T) {
	for _, c := range []struct {
		name    string
		status  int
		empties int64
		fail    bool
	}{
		{"once: retried", http.StatusOK, 1, false},
		{"always: an error", http.StatusOK, 1 << 30, true},
		{"304 without a body: an error", http.StatusNotModified, 1 << 30, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := oktafake.New()
			defer srv.Close()
			srv.AddGroup("Eng", "")
			for _, l := range []string{"ann@example.com", "bob@example.com"} {
				srv.AddUser(l, l)
				srv.AddMember("Eng", l)
			}
			tr := &emptyListings{base: srv.Client().Transport, status: c.status}
			tr.n.Store(c.empties)
			p := newProvider(t, srv, func(cfg *okta.Config) { cfg.HTTPClient = &http.Client{Transport: tr} })
			obs, err := p.Observe(context.Background(), reconcile.Query{Groups: []string{"Eng"}})
			if c.fail {
				if err == nil {
					t.Fatalf("every listing answered empty, yet the read succeeded: %d members", len(obs.Groups["Eng"].Members))
				}
				return
			}
			if err != nil {
				t.Fatalf("Observe: %v", err)
			}
			if n := len(obs.Groups["Eng"].Members); n != 2 {
				t.Errorf("Eng read with %d members, the group has 2", n)
			}
		})
	}
}
