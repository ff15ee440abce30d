package gitlab_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/access-as-code/access/internal/gitlabfake"
	"github.com/access-as-code/access/reconcile"
	"github.com/access-as-code/access/reconcile/gitlab"
)

const (
	membersKey = "GET /api/v4/groups/:id/members"
	allKey     = "GET /api/v4/groups/:id/members/all"
	usersKey   = "GET /api/v4/users"
	userKey    = "GET /api/v4/users/:id"
)

func setup(t *testing.T, opts ...gitlabfake.Option) (*gitlabfake.Server, *gitlab.Provider) {
	t.Helper()
	s := gitlabfake.New(opts...)
	t.Cleanup(s.Close)
	// A generous timeout: these tests count requests, and a slow -race run
	// must not turn into retries.
	p, err := gitlab.New(context.Background(), gitlab.Config{BaseURL: s.URL(), Token: s.Token(), HTTPClient: s.Client(), RequestTimeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return s, p
}

func addUsers(s *gitlabfake.Server, group string, level int, names ...string) map[string]string {
	ids := map[string]string{}
	for _, n := range names {
		ids[n] = strconv.Itoa(s.AddUser(n, n, n+"@example.com"))
		if group != "" {
			s.SetMember(group, n, level)
		}
	}
	return ids
}

func mustObserve(t *testing.T, p *gitlab.Provider, q reconcile.Query) *reconcile.Observed {
	t.Helper()
	obs, err := p.Observe(context.Background(), q)
	if err != nil {
		t.Fatalf("Observe: %v", err)
	}
	return obs
}

func TestObserveReadsAllSevenPages(t *testing.T) {
	s, p := setup(t)
	var names []string
	for i := range 650 {
		names = append(names, fmt.Sprintf("u%03d", i))
	}
	addUsers(s, "big", gitlabfake.Reporter, names...)
	s.ResetCounts()
	obs := mustObserve(t, p, reconcile.Query{Groups: []string{"big"}})
	if n := len(obs.Groups["big"].Members); n != 650 {
		t.Fatalf("observed %d members, want 650", n)
	}
	if n := s.Requests(membersKey); n != 7 {
		t.Fatalf("%d member-list requests, want 7 pages of 100", n)
	}
	if n := s.Requests(allKey); n != 0 {
		t.Fatalf("a top-level group read /members/all %d times; it has nothing to inherit", n)
	}
}

func TestAddOfExistingMemberIsSuccessAndFixesLevel(t *testing.T) {
	s, p := setup(t)
	ids := addUsers(s, "team", gitlabfake.Reporter, "alice")
	err := p.Apply(context.Background(), reconcile.Change{Op: reconcile.OpAdd, Group: "team", User: "alice", Login: "alice", AccountID: ids["alice"], Access: "developer"})
	if err != nil {
		t.Fatalf("add of an existing member: %v", err)
	}
	if got := s.Members("team")["alice"]; got != gitlabfake.Developer {
		t.Fatalf("after 409 the level is %d, want developer (30)", got)
	}
	if s.Requests("POST /api/v4/groups/:id/members") != 1 || s.Requests("PUT /api/v4/groups/:id/members/:user_id") != 1 {
		t.Fatalf("requests: %v", s.RequestCounts())
	}
}

func TestRemoveSendsSkipSubresourcesSoSubgroupMembershipSurvives(t *testing.T) {
	s, p := setup(t)
	ids := addUsers(s, "top", gitlabfake.Developer, "alice")
	addUsers(s, "", 0, "boss")
	s.SetMember("top", "boss", gitlabfake.Owner)
	s.SetMember("top/sub", "alice", gitlabfake.Maintainer)
	s.SetProjectMember("top/app", "alice", gitlabfake.Developer)
	err := p.Apply(context.Background(), reconcile.Change{Op: reconcile.OpRemove, Group: "top", User: "alice", AccountID: ids["alice"]})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Members("top")["alice"]; ok {
		t.Fatalf("alice still in top")
	}
	if got := s.Members("top/sub")["alice"]; got != gitlabfake.Maintainer {
		t.Fatalf("alice's own membership of top/sub is %d after removal from top, want it kept at 40", got)
	}
	if got := s.ProjectMembers("top/app")["alice"]; got != gitlabfake.Developer {
		t.Fatalf("alice's own membership of project top/app is %d after removal from top, want it kept", got)
	}
	r := s.Removals()
	if len(r) != 1 || !r[0].SkipSubresources || r[0].UnassignIssuables {
		t.Fatalf("removal sent %+v, want skip_subresources=true unassign_issuables=false", r)
	}
}

func TestInheritedMembersAreReportedReadOnly(t *testing.T) {
	s, p := setup(t)
	addUsers(s, "acme", gitlabfake.Owner, "boss")
	ids := addUsers(s, "acme/team", gitlabfake.Developer, "dev")
	s.ResetCounts()
	obs := mustObserve(t, p, reconcile.Query{Groups: []string{"acme/team"}, Logins: []string{"boss", "dev"}})
	og := obs.Groups["acme/team"]
	boss := obs.Accounts["boss"]
	if boss == nil {
		t.Fatalf("boss not resolved")
	}
	if m := og.Members[boss.ID]; m == nil || m.ReadOnly != "inherited" || m.Level != gitlabfake.Owner {
		t.Fatalf("inherited boss observed as %+v, want ReadOnly inherited at 50", m)
	}
	if m := og.Members[ids["dev"]]; m == nil || m.ReadOnly != "" {
		t.Fatalf("direct dev observed as %+v", m)
	}
	if n := s.Requests(usersKey); n != 0 {
		t.Fatalf("%d username lookups for logins already seen as members, want 0", n)
	}
	// With the parent managed too, its list is read once and reused.
	s.ResetCounts()
	mustObserve(t, p, reconcile.Query{Groups: []string{"acme", "acme/team"}})
	if n, all := s.Requests(membersKey), s.Requests(allKey); n != 2 || all != 0 {
		t.Fatalf("managed parent and child: %d member lists and %d /members/all, want 2 and 0", n, all)
	}
}

func TestInheritedMemberCanBeAddedDirectlyAtHigherLevel(t *testing.T) {
	s, p := setup(t)
	ids := addUsers(s, "acme", gitlabfake.Developer, "carol")
	s.AddGroup("acme/ops")
	err := p.Apply(context.Background(), reconcile.Change{Op: reconcile.OpAdd, Group: "acme/ops", User: "carol", AccountID: ids["carol"], Access: "maintainer"})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Members("acme/ops")["carol"]; got != gitlabfake.Maintainer {
		t.Fatalf("carol direct level %d, want 40", got)
	}
}

func TestLastOwnerRefusalIsOneChangesError(t *testing.T) {
	s, p := setup(t)
	ids := addUsers(s, "solo", gitlabfake.Owner, "owner")
	other := addUsers(s, "solo", gitlabfake.Developer, "dev")
	ctx := context.Background()
	err := p.Apply(ctx, reconcile.Change{Op: reconcile.OpRemove, Group: "solo", User: "owner", AccountID: ids["owner"]})
	if !errors.Is(err, gitlab.ErrLastOwner) || !strings.Contains(err.Error(), "owner") || !strings.Contains(err.Error(), "solo") {
		t.Fatalf("removing the last owner: %v, want ErrLastOwner naming the user and group", err)
	}
	err = p.Apply(ctx, reconcile.Change{Op: reconcile.OpUpdate, Group: "solo", User: "owner", AccountID: ids["owner"], Access: "developer"})
	if !errors.Is(err, gitlab.ErrLastOwner) {
		t.Fatalf("demoting the last owner: %v, want ErrLastOwner", err)
	}
	if err := p.Apply(ctx, reconcile.Change{Op: reconcile.OpRemove, Group: "solo", User: "dev", AccountID: other["dev"]}); err != nil {
		t.Fatalf("another change in the same group: %v", err)
	}
	if got := s.Members("solo"); len(got) != 1 || got["owner"] != gitlabfake.Owner {
		t.Fatalf("members %v, want only the owner", got)
	}
}

func TestPinnedIDReportsRename(t *testing.T) {
	s, p := setup(t)
	ids := addUsers(s, "team", gitlabfake.Developer, "dave")
	id, _ := strconv.Atoi(ids["dave"])
	s.RenameUser(id, "david")
	s.ResetCounts()
	obs := mustObserve(t, p, reconcile.Query{Groups: []string{"team"}, Logins: []string{"dave"}, Pinned: map[string]string{"dave": ids["dave"]}})
	if a := obs.Accounts["dave"]; a == nil || a.ID != ids["dave"] || a.Login != "david" {
		t.Fatalf("pinned dave resolved to %+v, want id %s login david", a, ids["dave"])
	}
	if n := s.Requests(userKey) + s.Requests(usersKey); n != 0 {
		t.Fatalf("%d user lookups for a pinned id seen among the members, want 0", n)
	}
	// Not a member anywhere read: one GET /users/:id.
	obs = mustObserve(t, p, reconcile.Query{Logins: []string{"dave"}, Pinned: map[string]string{"dave": ids["dave"]}})
	if a := obs.Accounts["dave"]; a == nil || a.Login != "david" || s.Requests(userKey) != 1 {
		t.Fatalf("pinned lookup: %+v after %d GET /users/:id", a, s.Requests(userKey))
	}
}

func TestCreateGroupIsRefused(t *testing.T) {
	_, p := setup(t)
	err := p.Apply(context.Background(), reconcile.Change{Op: reconcile.OpCreateGroup, Group: "new/group"})
	if !errors.Is(err, gitlab.ErrCreateGroupUnsupported) || !strings.Contains(err.Error(), "new/group") {
		t.Fatalf("create_group: %v", err)
	}
}

func TestQuotaHeadersPreventThrottling(t *testing.T) {
	// 40 requests a second: the gate must pace 100 requests so that the
	// server never answers 429.
	s, p := setup(t, gitlabfake.WithRateLimit(40, time.Second), gitlabfake.WithMaxPerPage(10))
	var names []string
	for i := range 990 {
		names = append(names, fmt.Sprintf("m%03d", i))
	}
	addUsers(s, "paced", gitlabfake.Guest, names...)
	s.ResetCounts()
	obs := mustObserve(t, p, reconcile.Query{Groups: []string{"paced"}})
	if len(obs.Groups["paced"].Members) != 990 {
		t.Fatalf("observed %d members", len(obs.Groups["paced"].Members))
	}
	if total, want := s.TotalRequests(), 99; total != want {
		t.Fatalf("%d requests for 99 pages: %v (429s were answered)", total, s.RequestCounts())
	}
}

func TestTokenIsNeverLogged(t *testing.T) {
	s := gitlabfake.New()
	defer s.Close()
	var buf bytes.Buffer
	p, err := gitlab.New(context.Background(), gitlab.Config{
		BaseURL: s.URL(), Token: s.Token(), HTTPClient: s.Client(),
		Logger: slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	addUsers(s, "g", gitlabfake.Developer, "a")
	s.InjectFault(gitlabfake.Fault{Kind: gitlabfake.FaultServerError, Count: 2})
	mustObserve(t, p, reconcile.Query{Groups: []string{"g"}})
	if !strings.Contains(buf.String(), "gitlab retry") || strings.Contains(buf.String(), s.Token()) {
		t.Fatalf("log %q: want retry lines without the token", buf.String())
	}
}

func TestNewRejectsMissingSettings(t *testing.T) {
	for _, c := range []gitlab.Config{{Token: "x"}, {BaseURL: "gitlab.example.com", Token: "x"}, {BaseURL: "https://gitlab.example.com"}} {
		if _, err := gitlab.New(context.Background(), c); err == nil {
			t.Fatalf("New(%+v) accepted", c)
		}
	}
}

func TestWorksOverTLS(t *testing.T) {
	s, p := setup(t, gitlabfake.WithTLS())
	if !strings.HasPrefix(s.URL(), "https://") {
		t.Fatalf("WithTLS served %s", s.URL())
	}
	addUsers(s, "secure", gitlabfake.Maintainer, "erin")
	obs := mustObserve(t, p, reconcile.Query{Groups: []string{"secure"}, Logins: []string{"erin"}})
	if a := obs.Accounts["erin"]; a == nil || obs.Groups["secure"].Members[a.ID].Level != gitlabfake.Maintainer {
		t.Fatalf("over TLS: %+v", obs.Groups["secure"])
	}
}

func TestObserveFollowsNextPageWhenGitLabStopsCounting(t *testing.T) {
	// Above 10,000 members GitLab sends neither X-Total nor X-Total-Pages.
	s, p := setup(t)
	var names []string
	for i := range 10050 {
		names = append(names, fmt.Sprintf("n%05d", i))
	}
	addUsers(s, "huge", gitlabfake.Guest, names...)
	s.ResetCounts()
	obs := mustObserve(t, p, reconcile.Query{Groups: []string{"huge"}})
	if n := len(obs.Groups["huge"].Members); n != 10050 {
		t.Fatalf("observed %d members of 10050", n)
	}
	if n := s.Requests(membersKey); n != 101 {
		t.Fatalf("%d member pages, want 101", n)
	}
}

// mutateOnce runs fn before the first request whose query contains match.
type mutateOnce struct {
	next  http.RoundTripper
	match string
	fn    func()
	once  sync.Once
}

func (m *mutateOnce) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.Contains(r.URL.RawQuery, m.match) {
		m.once.Do(m.fn)
	}
	return m.next.RoundTrip(r)
}

func TestObserveRereadsWhenTheListMovesWhileReading(t *testing.T) {
	s := gitlabfake.New()
	defer s.Close()
	var names []string
	for i := range 250 {
		names = append(names, fmt.Sprintf("k%03d", i))
	}
	addUsers(s, "moving", gitlabfake.Guest, names...)
	// Between page 1 and page 2 someone with a low id leaves: offset
	// pages shift and one member would silently be skipped.
	hc := s.Client()
	hc.Transport = &mutateOnce{next: hc.Transport, match: "page=2", fn: func() { s.SetMember("moving", "k000", 0) }}
	p, err := gitlab.New(context.Background(), gitlab.Config{BaseURL: s.URL(), Token: s.Token(), HTTPClient: hc, MaxConcurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	obs := mustObserve(t, p, reconcile.Query{Groups: []string{"moving"}})
	got := map[string]bool{}
	for _, m := range obs.Groups["moving"].Members {
		got[m.Login] = true
	}
	if len(got) != 249 || got["k000"] || !got["k100"] {
		t.Fatalf("observed %d members (k000 %v, k100 %v), want the 249 left: k100 present, k000 gone", len(got), got["k000"], got["k100"])
	}
}
