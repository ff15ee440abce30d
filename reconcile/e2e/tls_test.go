package e2e

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/access-as-code/access/internal/gitlabfake"
	"github.com/access-as-code/access/internal/oktafake"
	"github.com/access-as-code/access/reconcile"
	"github.com/access-as-code/access/reconcile/gitlab"
	"github.com/access-as-code/access/reconcile/okta"
)

// countingTransport counts the attempts made per request.
type countingTransport struct {
	base http.RoundTripper
	mu   sync.Mutex
	n    map[string]int
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.n[r.Method+" "+r.URL.String()]++
	c.mu.Unlock()
	return c.base.RoundTrip(r)
}

// TestUntrustedCertificateFailsAtOnce: a server whose certificate does not
// verify will not verify on the next attempt either; the providers report
// it after one attempt per request instead of retrying with backoff.
func TestUntrustedCertificateFailsAtOnce(t *testing.T) {
	ok := oktafake.New(oktafake.WithTLS())
	defer ok.Close()
	gl := gitlabfake.New(gitlabfake.WithTLS())
	defer gl.Close()
	ok.AddGroup("Eng", oktafake.TypeOkta)
	gl.AddGroup("acme/eng")

	// The system roots only: the fakes' test certificate is not trusted.
	untrusted := func() *countingTransport {
		return &countingTransport{base: http.DefaultTransport.(*http.Transport).Clone(), n: map[string]int{}}
	}
	ctx := context.Background()
	okT, glT := untrusted(), untrusted()
	op, err := okta.New(ctx, okta.Config{OrgURL: ok.URL(), Token: ok.Token(), HTTPClient: &http.Client{Transport: okT},
		MaxAttempts: 4, RetryBackoff: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	gp, err := gitlab.New(ctx, gitlab.Config{BaseURL: gl.URL(), Token: gl.Token(), HTTPClient: &http.Client{Transport: glT}, MaxAttempts: 4})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		p     reconcile.Provider
		group string
		tr    *countingTransport
	}{{op, "Eng", okT}, {gp, "acme/eng", glT}} {
		_, err := c.p.Observe(ctx, reconcile.Query{Groups: []string{c.group}})
		if err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Errorf("%s: err = %v, want a certificate error", c.p.Name(), err)
		}
		for req, n := range c.tr.n {
			if n > 1 {
				t.Errorf("%s: %s was tried %d times; a certificate that does not verify is not transient", c.p.Name(), req, n)
			}
		}
	}
}
