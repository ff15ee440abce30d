package github_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/access-as-code/access/internal/githubfake"
	"github.com/access-as-code/access/reconcile"
	"github.com/access-as-code/access/reconcile/github"
	"github.com/access-as-code/access/reconcile/providertest"
)

// harness runs the shared conformance suite against githubfake. Groups
// are teams of the org "acme"; every account the suite creates is an org
// member, so team writes are direct memberships. The token is an app
// installation token, so a team it creates gets no maintainer (a user
// token's account would, and is then kept as the token's own account:
// provider_behaviour_test.go covers that).
type harness struct {
	s *githubfake.Server
	p *github.Provider
}

const org = "acme"

func newFake(t testing.TB) *githubfake.Server {
	s := githubfake.New(githubfake.Options{Token: "secret-token"})
	t.Cleanup(s.Close)
	return s
}

func newProvider(t testing.TB, s *githubfake.Server, mod func(*github.Config)) *github.Provider {
	t.Helper()
	cfg := github.Config{APIURL: s.URL, Token: "secret-token", HTTPClient: s.Client(), RequestTimeout: 2 * time.Second}
	if mod != nil {
		mod(&cfg)
	}
	p, err := github.NewProvider(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func newHarness(t *testing.T) providertest.Harness {
	s := newFake(t)
	s.SetApp(true)
	s.AddOrg(org)
	return &harness{s: s, p: newProvider(t, s, nil)}
}

func TestConformance(t *testing.T) { providertest.Run(t, newHarness) }

func (h *harness) Provider() reconcile.Provider { return h.p }
func (h *harness) Access() (string, int)        { return github.RoleMember, github.LevelMember }
func (h *harness) DeactivateUser(login string)  { h.s.SuspendUser(login) }
func (h *harness) GroupName(name string) string { return org + "/" + name }
func (h *harness) CanCreateGroups() bool        { return true }
func (h *harness) ClearFaults()                 { h.s.ClearFaults() }
func (h *harness) AddMember(group, login string, level int) {
	role := githubfake.RoleMember
	if level == github.LevelMaintainer {
		role = githubfake.RoleMaintainer
	}
	h.s.SetTeamMember(org, group[len(org)+1:], login, role)
}

func (h *harness) Requests() int {
	rest, gql := h.s.OrgRequests()
	return rest + gql
}

func (h *harness) CreateUser(login string) string {
	id := h.s.CreateUser(login)
	h.s.SetOrgMember(org, login, githubfake.RoleMember)
	return strconv.FormatInt(id, 10)
}

func (h *harness) CreateGroup(name string) string {
	h.s.AddTeam(org, name, "")
	return h.GroupName(name)
}

func (h *harness) Members(group string) map[string]int {
	out := map[string]int{}
	for login, role := range h.s.TeamMembers(org, group[len(org)+1:]) {
		out[login] = github.RoleLevel(role)
		if role == "invited" {
			out[login] = github.LevelMember
		}
	}
	return out
}

func (h *harness) SetFault(f providertest.Fault) bool {
	count := f.Count
	if count == providertest.Always {
		count = githubfake.Forever
	}
	kinds := map[providertest.FaultKind]githubfake.FaultKind{
		providertest.FaultRateLimit:    githubfake.FaultTooMany,
		providertest.FaultServerError:  githubfake.FaultServerError,
		providertest.FaultTimeout:      githubfake.FaultTimeout,
		providertest.FaultTruncated:    githubfake.FaultTruncated,
		providertest.FaultUnauthorized: githubfake.FaultUnauthorized,
	}
	if f.Kind == providertest.FaultUserWrite {
		h.s.BlockUser(org, f.Login)
		return true
	}
	k, ok := kinds[f.Kind]
	if !ok {
		return false
	}
	h.s.InjectFault(githubfake.Fault{Kind: k, Count: count})
	return true
}
