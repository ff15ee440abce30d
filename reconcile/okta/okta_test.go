package okta_test

import (
	"context"
	"testing"
	"time"

	"github.com/access-as-code/access/internal/oktafake"
	"github.com/access-as-code/access/reconcile"
	"github.com/access-as-code/access/reconcile/okta"
	"github.com/access-as-code/access/reconcile/providertest"
)

// harness runs the shared conformance suite against oktafake.
type harness struct {
	srv *oktafake.Server
	p   *okta.Provider
}

func newProvider(t testing.TB, srv *oktafake.Server, tweak ...func(*okta.Config)) *okta.Provider {
	t.Helper()
	cfg := okta.Config{
		OrgURL: srv.URL(), Token: srv.Token(), HTTPClient: srv.Client(), AllowHTTP: true,
		MaxConcurrency: 8, MaxAttempts: 4, RequestTimeout: 2 * time.Second, RetryBackoff: 20 * time.Millisecond,
	}
	for _, f := range tweak {
		f(&cfg)
	}
	p, err := okta.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("okta.New: %v", err)
	}
	return p
}

func newHarness(t *testing.T) providertest.Harness {
	srv := oktafake.New()
	t.Cleanup(srv.Close)
	return &harness{srv: srv, p: newProvider(t, srv)}
}

func (h *harness) Provider() reconcile.Provider   { return h.p }
func (h *harness) Access() (string, int)          { return "", 0 }
func (h *harness) CreateUser(login string) string { return h.srv.AddUser(login, login+"@example.com") }
func (h *harness) DeactivateUser(login string) {
	h.srv.SetUserStatus(login, oktafake.StatusDeprovisioned)
}
func (h *harness) CreateGroup(name string) string {
	h.srv.AddGroup(name, oktafake.TypeOkta)
	return name
}
func (h *harness) GroupName(name string) string         { return name }
func (h *harness) CanCreateGroups() bool                { return true }
func (h *harness) AddMember(group, login string, _ int) { h.srv.AddMember(group, login) }
func (h *harness) ClearFaults()                         { h.srv.ClearFaults() }
func (h *harness) Requests() int                        { return h.srv.TotalRequests() }

func (h *harness) Members(group string) map[string]int {
	out := map[string]int{}
	for _, l := range h.srv.Members(group) {
		out[l] = 0
	}
	return out
}

func (h *harness) SetFault(f providertest.Fault) bool {
	kinds := map[providertest.FaultKind]oktafake.FaultKind{
		providertest.FaultRateLimit:    oktafake.RateLimited,
		providertest.FaultServerError:  oktafake.ServerError,
		providertest.FaultTimeout:      oktafake.Timeout,
		providertest.FaultTruncated:    oktafake.Truncated,
		providertest.FaultUnauthorized: oktafake.Unauthorized,
		providertest.FaultUserWrite:    oktafake.UserWrite,
	}
	k, ok := kinds[f.Kind]
	if !ok {
		return false
	}
	h.srv.InjectFault(oktafake.Fault{Kind: k, Count: f.Count, Login: f.Login})
	return true
}

func TestConformance(t *testing.T) {
	providertest.Run(t, newHarness)
}
