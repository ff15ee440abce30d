package gitlabfake

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	gl "gitlab.com/gitlab-org/api/client-go"
	"golang.org/x/time/rate"
)

func newClient(t *testing.T, s *Server, token string) *gl.Client {
	t.Helper()
	c, err := gl.NewClient(token, gl.WithBaseURL(s.URL()+"/api/v4"), gl.WithHTTPClient(s.Client()), gl.WithoutRetries(),
		// The library would otherwise pace itself from RateLimit-Limit,
		// read as a per-minute quota.
		gl.WithCustomLimiter(rate.NewLimiter(rate.Inf, 0)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func start(t *testing.T, opts ...Option) (*Server, *gl.Client) {
	s := New(opts...)
	t.Cleanup(s.Close)
	return s, newClient(t, s, s.Token())
}

func ptr[T any](v T) *T { return &v }

func statusOf(resp *gl.Response) int {
	if resp == nil {
		return 0
	}
	return resp.StatusCode
}

func TestWrongTokenIs401(t *testing.T) {
	s, _ := start(t)
	c := newClient(t, s, "wrong")
	_, resp, err := c.Users.ListUsers(&gl.ListUsersOptions{})
	if err == nil || statusOf(resp) != http.StatusUnauthorized || !strings.Contains(err.Error(), "401 Unauthorized") {
		t.Fatalf("wrong token: status %d err %v, want 401 Unauthorized", statusOf(resp), err)
	}
}

func TestBearerTokenIsAccepted(t *testing.T) {
	s := New()
	defer s.Close()
	c, err := gl.NewOAuthClient(s.Token(), gl.WithBaseURL(s.URL()+"/api/v4"), gl.WithHTTPClient(s.Client()))
	if err != nil {
		t.Fatal(err)
	}
	s.AddUser("alice", "Alice", "a@example.com")
	us, _, err := c.Users.ListUsers(&gl.ListUsersOptions{Username: ptr("alice")})
	if err != nil || len(us) != 1 {
		t.Fatalf("bearer: %v %v", us, err)
	}
}

func TestGroupByEncodedPathAndMissingGroup(t *testing.T) {
	s, c := start(t)
	id := s.AddGroup("platform/backend")
	g, _, err := c.Groups.GetGroup("Platform/Backend", nil)
	if err != nil || int(g.ID) != id || g.FullPath != "platform/backend" || g.ParentID == 0 {
		t.Fatalf("GetGroup by path: %+v %v", g, err)
	}
	_, resp, err := c.Groups.GetGroup("platform/nope", nil)
	if !errors.Is(err, gl.ErrNotFound) || statusOf(resp) != 404 {
		t.Fatalf("missing group: %v", err)
	}
}

func TestMembersPaginateWithHeaders(t *testing.T) {
	s, c := start(t)
	s.AddGroup("big")
	for i := range 205 {
		name := "u" + string(rune('a'+i/26)) + string(rune('a'+i%26))
		s.AddUser(name, name, name+"@example.com")
		s.SetMember("big", name, Developer)
	}
	seen := map[int64]bool{}
	opt := &gl.ListGroupMembersOptions{ListOptions: gl.ListOptions{PerPage: 100}}
	pages := 0
	for {
		ms, resp, err := c.Groups.ListGroupMembers("big", opt)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if resp.TotalItems != 205 || resp.TotalPages != 3 || resp.ItemsPerPage != 100 {
			t.Fatalf("page %d headers: total %d pages %d per %d", pages, resp.TotalItems, resp.TotalPages, resp.ItemsPerPage)
		}
		if pages < 3 && (resp.NextLink == "" || resp.NextPage != int64(pages+1)) {
			t.Fatalf("page %d: next %d link %q", pages, resp.NextPage, resp.NextLink)
		}
		for _, m := range ms {
			seen[m.ID] = true
		}
		if resp.NextPage == 0 {
			if resp.LastLink == "" || resp.NextLink != "" {
				t.Fatalf("last page links: %+v", resp.Header["Link"])
			}
			break
		}
		opt.Page = resp.NextPage
	}
	if pages != 3 || len(seen) != 205 {
		t.Fatalf("read %d pages, %d members", pages, len(seen))
	}
	_, resp, _ := c.Groups.ListGroupMembers("big", &gl.ListGroupMembersOptions{ListOptions: gl.ListOptions{PerPage: 1000}})
	if resp.ItemsPerPage != 100 {
		t.Fatalf("per_page 1000 served %d, want the max 100", resp.ItemsPerPage)
	}
	_, resp, _ = c.Groups.ListGroupMembers("big", nil)
	if resp.ItemsPerPage != 20 {
		t.Fatalf("default per_page %d, want 20", resp.ItemsPerPage)
	}
}

func TestMembersAllIncludesInheritedAtHighestLevel(t *testing.T) {
	s, c := start(t)
	for _, u := range []string{"boss", "dev", "both", "climb", "late"} {
		s.AddUser(u, u, u+"@x")
	}
	s.SetMember("top", "boss", Owner)
	s.SetMember("top", "both", Developer)
	s.SetMember("top", "climb", Reporter)
	s.SetMember("top/mid", "climb", Maintainer)
	s.SetMember("top/mid/sub", "dev", Developer)
	s.SetMember("top/mid/sub", "both", Maintainer)
	// Made Reporter here, then Maintainer on top (GitLab checks a new
	// membership against the levels above it, not below).
	s.SetMember("top/mid/sub", "late", Reporter)
	s.SetMember("top", "late", Maintainer)
	direct, _, err := c.Groups.ListGroupMembers("top/mid/sub", nil)
	if err != nil {
		t.Fatal(err)
	}
	all, _, err := c.Groups.ListAllGroupMembers("top/mid/sub", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(direct) != 3 {
		t.Fatalf("direct members: %d, want 3", len(direct))
	}
	got := map[string]int{}
	for _, m := range all {
		if _, dup := got[m.Username]; dup {
			t.Fatalf("%s listed twice in /members/all", m.Username)
		}
		got[m.Username] = int(m.AccessLevel)
	}
	// Each user once, at the highest of their levels (docs:
	// api/members.md): both is Developer above and Maintainer here; climb
	// is Reporter two levels up and Maintainer one level up; late is
	// Reporter here and Maintainer two levels up.
	want := map[string]int{"boss": Owner, "dev": Developer, "both": Maintainer, "climb": Maintainer, "late": Maintainer}
	if len(got) != len(want) {
		t.Fatalf("/members/all: %v, want %v", got, want)
	}
	for u, l := range want {
		if got[u] != l {
			t.Fatalf("/members/all: %s at %d, want %d (all: %v)", u, got[u], l, got)
		}
	}
}

// TestGroupRoutesTakeTheEncodedFullPath sends raw requests, as any client
// of the API may: a group's :id is its numeric id or its full path with
// each "/" encoded as %2F (docs: api/rest/index.md, "Namespaced paths"),
// matched without regard to case; a missing group is 404
// {"message":"404 Group Not Found"}; an unencoded "/" is another route,
// which does not exist: 404 {"error":"404 Not Found"}.
func TestGroupRoutesTakeTheEncodedFullPath(t *testing.T) {
	s, _ := start(t)
	s.AddUser("ann", "Ann", "a@x")
	s.SetMember("top/mid/leaf", "ann", Developer)
	get := func(path string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, s.URL()+"/api/v4/"+path, nil)
		req.Header.Set("PRIVATE-TOKEN", s.Token())
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, tc := range []struct {
		path, body string
		status     int
	}{
		{"groups/top%2Fmid%2Fleaf/members", `"username":"ann"`, 200},
		{"groups/TOP%2fMid%2FLeaf/members", `"username":"ann"`, 200},
		{"groups/top%2Fmid%2Fleaf", `"full_path":"top/mid/leaf"`, 200},
		{"groups/top%2Fmid/members", `[]`, 200},
		{"groups/top%2Fmid%2Fgone/members", `{"message":"404 Group Not Found"}`, 404},
		{"groups/top%2Fmid%2Fgone", `{"message":"404 Group Not Found"}`, 404},
		{"groups/top/mid/leaf/members", `{"error":"404 Not Found"}`, 404},
	} {
		st, body := get(tc.path)
		if st != tc.status || !strings.Contains(body, tc.body) || (st == 404 && body != tc.body) {
			t.Errorf("GET %s: %d %s, want %d with %s", tc.path, st, body, tc.status, tc.body)
		}
	}
}

func TestAddExistingMemberIs409(t *testing.T) {
	s, c := start(t)
	id := s.AddUser("alice", "Alice", "a@x")
	s.AddGroup("g")
	_, resp, err := c.GroupMembers.AddGroupMember("g", &gl.AddGroupMemberOptions{UserID: ptr(int64(id)), AccessLevel: ptr(gl.DeveloperPermissions)})
	if err != nil || statusOf(resp) != 201 {
		t.Fatalf("add: %d %v", statusOf(resp), err)
	}
	_, resp, err = c.GroupMembers.AddGroupMember("g", &gl.AddGroupMemberOptions{UserID: ptr(int64(id)), AccessLevel: ptr(gl.DeveloperPermissions)})
	if statusOf(resp) != 409 || !strings.Contains(err.Error(), "Member already exists") {
		t.Fatalf("second add: %d %v", statusOf(resp), err)
	}
	_, resp, _ = c.GroupMembers.AddGroupMember("g", &gl.AddGroupMemberOptions{UserID: ptr(int64(999)), AccessLevel: ptr(gl.DeveloperPermissions)})
	if statusOf(resp) != 404 {
		t.Fatalf("unknown user add: %d", statusOf(resp))
	}
}

func TestRemoveWithoutSkipSubresourcesDeletesSubgroupMemberships(t *testing.T) {
	s, c := start(t)
	id := s.AddUser("alice", "Alice", "a@x")
	s.AddUser("owner", "O", "o@x")
	s.SetMember("top", "owner", Owner)
	for _, tc := range []struct {
		skip     bool
		survives bool
	}{{true, true}, {false, false}} {
		s.SetMember("top", "alice", Developer)
		s.SetMember("top/sub", "alice", Maintainer)
		s.SetProjectMember("top/sub/app", "alice", Developer)
		if _, err := c.GroupMembers.RemoveGroupMember("top", int64(id), &gl.RemoveGroupMemberOptions{SkipSubresources: ptr(tc.skip), UnassignIssuables: ptr(false)}); err != nil {
			t.Fatal(err)
		}
		_, kept := s.Members("top/sub")["alice"]
		_, keptProject := s.ProjectMembers("top/sub/app")["alice"]
		if kept != tc.survives || keptProject != tc.survives {
			t.Fatalf("skip_subresources=%v: subgroup membership kept=%v, project membership kept=%v", tc.skip, kept, keptProject)
		}
		if r := s.Removals(); r[len(r)-1].SkipSubresources != tc.skip {
			t.Fatalf("recorded %+v", r[len(r)-1])
		}
	}
}

func TestLastOwnerCannotBeRemovedOrDemoted(t *testing.T) {
	s, c := start(t)
	id := s.AddUser("owner", "O", "o@x")
	s.SetMember("g", "owner", Owner)
	resp, err := c.GroupMembers.RemoveGroupMember("g", int64(id), nil)
	if statusOf(resp) != 403 || !strings.Contains(err.Error(), "403 Forbidden") {
		t.Fatalf("remove last owner: %d %v", statusOf(resp), err)
	}
	_, resp, _ = c.GroupMembers.EditGroupMember("g", int64(id), &gl.EditGroupMemberOptions{AccessLevel: ptr(gl.DeveloperPermissions)})
	if statusOf(resp) != 403 {
		t.Fatalf("demote last owner: %d", statusOf(resp))
	}
	s.AddUser("second", "S", "s@x")
	s.SetMember("g", "second", Owner)
	if _, err := c.GroupMembers.RemoveGroupMember("g", int64(id), nil); err != nil {
		t.Fatalf("remove one of two owners: %v", err)
	}
}

func TestUserLookupExactAndLater(t *testing.T) {
	s, c := start(t)
	s.AddUser("alice", "Alice", "a@x")
	s.AddUser("alice2", "Alice Two", "a2@x")
	us, _, _ := c.Users.ListUsers(&gl.ListUsersOptions{Username: ptr("ALICE")})
	if len(us) != 1 || us[0].Username != "alice" {
		t.Fatalf("exact lookup: %+v", us)
	}
	us, _, _ = c.Users.ListUsers(&gl.ListUsersOptions{Search: ptr("alice")})
	if len(us) != 2 {
		t.Fatalf("search: %d users", len(us))
	}
	s.AddUserLater("newbie", "N", "n@x", 2)
	for i := range 2 {
		if us, _, _ := c.Users.ListUsers(&gl.ListUsersOptions{Username: ptr("newbie")}); len(us) != 0 {
			t.Fatalf("lookup %d found newbie early", i+1)
		}
	}
	if us, _, _ := c.Users.ListUsers(&gl.ListUsersOptions{Username: ptr("newbie")}); len(us) != 1 {
		t.Fatalf("third lookup did not find newbie")
	}
}

func TestBlockAndUnblock(t *testing.T) {
	s, c := start(t)
	id := int64(s.AddUser("alice", "Alice", "a@x"))
	if err := c.Users.BlockUser(id); err != nil || s.UserState("alice") != StateBlocked {
		t.Fatalf("block: %v state %s", err, s.UserState("alice"))
	}
	if err := c.Users.UnblockUser(id); err != nil || s.UserState("alice") != StateActive {
		t.Fatalf("unblock: %v state %s", err, s.UserState("alice"))
	}
	s.SetUserState("alice", StateLDAPBlocked)
	if err := c.Users.UnblockUser(id); !errors.Is(err, gl.ErrUserUnblockPrevented) {
		t.Fatalf("unblock ldap_blocked: %v", err)
	}
}

func TestRateLimitHeadersAnd429(t *testing.T) {
	s, c := start(t, WithRateLimit(3, time.Hour))
	s.AddUser("a", "A", "a@x")
	for i := range 3 {
		_, resp, err := c.Users.ListUsers(nil)
		if err != nil || resp.Header.Get("RateLimit-Remaining") != string(rune('2'-i)) || resp.Header.Get("RateLimit-Reset") == "" {
			t.Fatalf("request %d: %v %v", i, err, resp.Header)
		}
	}
	_, resp, _ := c.Users.ListUsers(nil)
	if statusOf(resp) != 429 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("over the limit: %d %v", statusOf(resp), resp.Header)
	}
}

func TestFaultsFailThenClear(t *testing.T) {
	s, c := start(t)
	s.AddUser("a", "A", "a@x")
	s.InjectFault(Fault{Kind: FaultServerError, Count: 2, Status: 503})
	for range 2 {
		if _, resp, _ := c.Users.ListUsers(nil); statusOf(resp) != 503 {
			t.Fatalf("want 503, got %d", statusOf(resp))
		}
	}
	if _, _, err := c.Users.ListUsers(nil); err != nil {
		t.Fatalf("after burst: %v", err)
	}
	s.InjectFault(Fault{Kind: FaultTruncated, Count: 1})
	if _, _, err := c.Users.ListUsers(nil); err == nil {
		t.Fatalf("truncated body decoded without error")
	}
	if s.Requests("GET /api/v4/users") != 4 || s.TotalRequests() != 4 {
		t.Fatalf("counts: %v", s.RequestCounts())
	}
}
