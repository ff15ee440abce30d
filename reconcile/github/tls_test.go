package github_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/access-as-code/access/reconcile"
	"github.com/access-as-code/access/reconcile/github"
)

// A server whose certificate does not verify will not verify on the next
// attempt: the provider reports it at once instead of retrying with backoff.
func TestUntrustedCertificateFailsWithoutRetries(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("a request reached the server through an untrusted certificate: %s %s", r.Method, r.URL)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.StartTLS()
	defer srv.Close()

	p, err := github.NewProvider(github.Config{
		APIURL: srv.URL + "/", Token: "t0ken", MaxAttempts: 5, RequestTimeout: 5 * time.Second,
		HTTPClient: &http.Client{}, // system roots: the test server's certificate is not among them
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = p.Observe(ctx, reconcile.Query{Groups: []string{"acme"}, Logins: []string{"alice"}})
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("Observe through an untrusted certificate: %v, want a certificate error", err)
	}
	// One connection per distinct request at most: a retried request
	// would open MaxAttempts of them.
	if n := conns.Load(); n > 3 {
		t.Errorf("%d TLS connections: the certificate error was retried", n)
	}
}
