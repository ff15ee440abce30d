package okta_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/access-as-code/access/reconcile"
	"github.com/access-as-code/access/reconcile/okta"
)

// A server whose rel="next" link never moves on (the same "after" cursor on
// every page) must make the read fail, not loop: without the pager's check
// the read below runs until the context gives up and the error says so.
func TestListingWhoseNextLinkRepeatsFails(t *testing.T) {
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		// Okta paginates with a Link header, rel="next" carrying the cursor
		// (developer.okta.com/docs/api/#pagination).
		w.Header().Set("Link", `<http://`+r.Host+r.URL.Path+`?after=same&limit=200>; rel="next"`)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("[]"))
	}))
	defer srv.Close()
	p, err := okta.New(context.Background(), okta.Config{OrgURL: srv.URL, Token: "t", AllowHTTP: true, HTTPClient: srv.Client(),
		MaxAttempts: 1, RequestTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = p.Observe(ctx, reconcile.Query{Groups: []string{"Eng"}})
	if err == nil || !strings.Contains(err.Error(), "pagination does not advance") {
		t.Fatalf("a repeated next page must fail the read as such: %v", err)
	}
	if n := requests.Load(); n > 8 {
		t.Errorf("%d requests: the read should stop at the first repeated page", n)
	}
}
