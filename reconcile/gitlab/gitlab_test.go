package gitlab_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/access-as-code/access/internal/gitlabfake"
	"github.com/access-as-code/access/reconcile"
	"github.com/access-as-code/access/reconcile/gitlab"
	"github.com/access-as-code/access/reconcile/providertest"
)

// harness runs the shared conformance suite against gitlabfake. Groups
// live under an unmanaged parent "acme", as GitLab groups usually do, so
// every case also exercises the inherited-member read.
type harness struct {
	s *gitlabfake.Server
	p *gitlab.Provider
}

func newHarness(t *testing.T) providertest.Harness {
	s := gitlabfake.New()
	t.Cleanup(s.Close)
	return &harness{s: s, p: newProvider(t, s)}
}

func newProvider(t testing.TB, s *gitlabfake.Server) *gitlab.Provider {
	t.Helper()
	p, err := gitlab.New(context.Background(), gitlab.Config{
		BaseURL: s.URL(), Token: s.Token(), HTTPClient: s.Client(),
		RequestTimeout: 2 * time.Second, // long enough for a loaded -race run; the timeout fault still trips it
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConformance(t *testing.T) { providertest.Run(t, newHarness) }

func (h *harness) Provider() reconcile.Provider         { return h.p }
func (h *harness) Access() (string, int)                { return "developer", gitlabfake.Developer }
func (h *harness) DeactivateUser(login string)          { h.s.SetUserState(login, gitlabfake.StateBlocked) }
func (h *harness) GroupName(name string) string         { return "acme/" + name }
func (h *harness) CanCreateGroups() bool                { return false }
func (h *harness) Members(group string) map[string]int  { return h.s.Members(group) }
func (h *harness) ClearFaults()                         { h.s.ClearFaults() }
func (h *harness) Requests() int                        { return h.s.TotalRequests() }
func (h *harness) AddMember(group, login string, l int) { h.s.SetMember(group, login, l) }

func (h *harness) CreateUser(login string) string {
	return strconv.Itoa(h.s.AddUser(login, login, login+"@example.com"))
}

func (h *harness) CreateGroup(name string) string {
	h.s.AddGroup(h.GroupName(name))
	return h.GroupName(name)
}

func (h *harness) SetFault(f providertest.Fault) bool {
	count := f.Count
	if count == providertest.Always {
		count = gitlabfake.Forever
	}
	kinds := map[providertest.FaultKind]gitlabfake.FaultKind{
		providertest.FaultRateLimit:    gitlabfake.FaultRateLimit,
		providertest.FaultServerError:  gitlabfake.FaultServerError,
		providertest.FaultTimeout:      gitlabfake.FaultTimeout,
		providertest.FaultTruncated:    gitlabfake.FaultTruncated,
		providertest.FaultUnauthorized: gitlabfake.FaultUnauthorized,
		providertest.FaultUserWrite:    gitlabfake.FaultUserWrites,
	}
	k, ok := kinds[f.Kind]
	if !ok {
		return false
	}
	h.s.InjectFault(gitlabfake.Fault{Kind: k, Count: count, Username: f.Login, RetryAfter: time.Second})
	return true
}
