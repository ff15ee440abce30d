package oktafake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

type reply struct {
	status int
	header http.Header
	body   []byte
}

func call(t *testing.T, s *Server, method, path, token string) reply {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "SSWS "+token)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return reply{resp.StatusCode, resp.Header, body}
}

func errorCodeOf(t *testing.T, r reply) string {
	t.Helper()
	var e apiError
	if err := json.Unmarshal(r.body, &e); err != nil || e.ErrorID == "" || e.ErrorSummary == "" || e.ErrorCauses == nil {
		t.Fatalf("error body %s is not an Okta error (%v)", r.body, err)
	}
	return e.ErrorCode
}

var nextRe = regexp.MustCompile(`<([^>]+)>; rel="next"`)

func nextLink(r reply) string {
	for _, l := range r.header.Values("Link") {
		if m := nextRe.FindStringSubmatch(l); m != nil {
			return m[1]
		}
	}
	return ""
}

func TestGroupMembersArePagedByLinkHeaders(t *testing.T) {
	s := New()
	defer s.Close()
	s.AddGroup("big", "")
	for i := 0; i < 2500; i++ {
		l := fmt.Sprintf("u%04d@example.com", i)
		s.AddUser(l, l)
		s.AddMember("big", l)
	}
	path := "/api/v1/groups/" + s.GroupID("big") + "/users"
	var sizes []int
	seen := map[string]bool{}
	for path != "" {
		r := call(t, s, "GET", path, s.Token())
		if r.status != 200 {
			t.Fatalf("GET %s: %d %s", path, r.status, r.body)
		}
		if !strings.Contains(strings.Join(r.header.Values("Link"), ","), `rel="self"`) {
			t.Fatalf("page without a self link: %v", r.header.Values("Link"))
		}
		var users []struct {
			ID      string
			Profile struct{ Login string }
		}
		if err := json.Unmarshal(r.body, &users); err != nil {
			t.Fatal(err)
		}
		for _, u := range users {
			if seen[u.ID] {
				t.Fatalf("user %s listed twice", u.ID)
			}
			seen[u.ID] = true
		}
		sizes = append(sizes, len(users))
		path = ""
		if next := nextLink(r); next != "" {
			u, _ := url.Parse(next)
			if u.Query().Get("after") == "" {
				t.Fatalf("next link %s has no after cursor", next)
			}
			path = u.RequestURI()
		}
	}
	if fmt.Sprint(sizes) != "[1000 1000 500]" || len(seen) != 2500 {
		t.Fatalf("pages %v with %d distinct users, want [1000 1000 500] and 2500", sizes, len(seen))
	}
}

func TestLimitsAboveTheMaximumAreClamped(t *testing.T) {
	s := New()
	defer s.Close()
	for i := 0; i < 250; i++ {
		s.AddUser(fmt.Sprintf("u%03d", i), "")
	}
	r := call(t, s, "GET", "/api/v1/users?limit=1000", s.Token())
	var users []any
	_ = json.Unmarshal(r.body, &users)
	if len(users) != 200 || nextLink(r) == "" {
		t.Fatalf("limit=1000 on users gave %d users (next %q), want the maximum 200 and a next link", len(users), nextLink(r))
	}
	if r := call(t, s, "GET", "/api/v1/users?limit=abc", s.Token()); r.status != 400 || errorCodeOf(t, r) != codeValidation {
		t.Fatalf("limit=abc: %d %s, want 400 E0000001", r.status, r.body)
	}
}

func TestRequestsWithoutTheTokenAreUnauthorized(t *testing.T) {
	s := New(WithToken("secret-token"))
	defer s.Close()
	for _, tok := range []string{"", "wrong"} {
		r := call(t, s, "GET", "/api/v1/groups", tok)
		if r.status != 401 || errorCodeOf(t, r) != codeInvalidToken {
			t.Fatalf("token %q: %d %s, want 401 E0000011", tok, r.status, r.body)
		}
		if strings.Contains(string(r.body), "secret-token") {
			t.Fatal("error body echoes the token")
		}
	}
	if r := call(t, s, "GET", "/api/v1/groups", "secret-token"); r.status != 200 {
		t.Fatalf("right token: %d", r.status)
	}
}

func TestRateLimitHeadersCountDownThen429(t *testing.T) {
	s := New(WithRateLimit(3, time.Minute))
	defer s.Close()
	for want := 2; want >= 0; want-- {
		r := call(t, s, "GET", "/api/v1/groups", s.Token())
		if r.status != 200 || r.header.Get("X-Rate-Limit-Limit") != "3" || r.header.Get("X-Rate-Limit-Remaining") != strconv.Itoa(want) {
			t.Fatalf("status %d limit %s remaining %s, want 200 3 %d", r.status, r.header.Get("X-Rate-Limit-Limit"), r.header.Get("X-Rate-Limit-Remaining"), want)
		}
	}
	r := call(t, s, "GET", "/api/v1/groups", s.Token())
	if r.status != 429 || errorCodeOf(t, r) != codeRateLimit || r.header.Get("X-Rate-Limit-Remaining") != "0" {
		t.Fatalf("4th request: %d %s remaining %s, want 429 E0000047 with 0 remaining", r.status, r.body, r.header.Get("X-Rate-Limit-Remaining"))
	}
	reset, _ := strconv.ParseInt(r.header.Get("X-Rate-Limit-Reset"), 10, 64)
	if until := time.Until(time.Unix(reset, 0)); until <= 0 || until > time.Minute {
		t.Fatalf("X-Rate-Limit-Reset %d is %v away, want within the minute window", reset, until)
	}
	// Another bucket is unaffected.
	if r := call(t, s, "GET", "/api/v1/users", s.Token()); r.status != 200 {
		t.Fatalf("users endpoint after groups bucket emptied: %d", r.status)
	}
	if s.Throttled() != 1 {
		t.Fatalf("Throttled() = %d, want 1", s.Throttled())
	}
}

func TestMembershipWritesAreIdempotentAndCounted(t *testing.T) {
	s := New()
	defer s.Close()
	gid := s.AddGroup("g", "")
	uid := s.AddUser("a@example.com", "a@example.com")
	for i := 0; i < 2; i++ {
		if r := call(t, s, "PUT", "/api/v1/groups/"+gid+"/users/"+uid, s.Token()); r.status != 204 {
			t.Fatalf("PUT #%d: %d %s", i, r.status, r.body)
		}
	}
	if fmt.Sprint(s.Members("g")) != "[a@example.com]" {
		t.Fatalf("members %v", s.Members("g"))
	}
	for i := 0; i < 2; i++ {
		if r := call(t, s, "DELETE", "/api/v1/groups/"+gid+"/users/"+uid, s.Token()); r.status != 204 {
			t.Fatalf("DELETE #%d: %d %s", i, r.status, r.body)
		}
	}
	if len(s.Members("g")) != 0 || s.Requests("PUT /api/v1/groups/{id}/users/{userId}") != 2 {
		t.Fatalf("members %v, PUT count %d", s.Members("g"), s.Requests("PUT /api/v1/groups/{id}/users/{userId}"))
	}
	if r := call(t, s, "PUT", "/api/v1/groups/00gnope/users/"+uid, s.Token()); r.status != 404 || errorCodeOf(t, r) != codeNotFound {
		t.Fatalf("PUT to unknown group: %d %s, want 404 E0000007", r.status, r.body)
	}
	app := s.AddGroup("app", TypeApp)
	if r := call(t, s, "PUT", "/api/v1/groups/"+app+"/users/"+uid, s.Token()); r.status != 403 {
		t.Fatalf("PUT to an APP_GROUP: %d, want 403", r.status)
	}
}

func TestUserSearchMatchesLoginsAndIncludesDeprovisioned(t *testing.T) {
	s := New()
	defer s.Close()
	s.AddUser("a@example.com", "a@example.com")
	s.AddUser("b@example.com", "b@example.com")
	s.AddUser("c@example.com", "c@example.com")
	s.SetUserStatus("b@example.com", StatusDeprovisioned)
	q := url.Values{"search": {`profile.login eq "A@example.com" or profile.login eq "b@example.com"`}}
	r := call(t, s, "GET", "/api/v1/users?"+q.Encode(), s.Token())
	var users []struct{ Status string }
	_ = json.Unmarshal(r.body, &users)
	if len(users) != 2 {
		t.Fatalf("search for a and b: %d users (%s)", len(users), r.body)
	}
	r = call(t, s, "GET", "/api/v1/users", s.Token())
	_ = json.Unmarshal(r.body, &users)
	if len(users) != 2 {
		t.Fatalf("plain list: %d users, want 2 (DEPROVISIONED left out)", len(users))
	}
	bad := url.Values{"search": {`profile.login eq`}}
	if r := call(t, s, "GET", "/api/v1/users?"+bad.Encode(), s.Token()); r.status != 400 || errorCodeOf(t, r) != codeBadSearch {
		t.Fatalf("bad search: %d %s, want 400 E0000031", r.status, r.body)
	}
}

func TestCreateGroupRefusesATakenName(t *testing.T) {
	s := New()
	defer s.Close()
	s.AddGroup("Eng", "")
	req, _ := http.NewRequest("POST", s.URL()+"/api/v1/groups", strings.NewReader(`{"profile":{"name":"eng"}}`))
	req.Header.Set("Authorization", "SSWS "+s.Token())
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(body), "already exists") {
		t.Fatalf("POST of a taken name: %d %s, want 400 E0000001 'already exists'", resp.StatusCode, body)
	}
}

func TestMembershipLagHidesNewMembersBriefly(t *testing.T) {
	s := New(WithMembershipLag(300 * time.Millisecond))
	defer s.Close()
	gid := s.AddGroup("g", "")
	uid := s.AddUser("a@example.com", "a@example.com")
	call(t, s, "PUT", "/api/v1/groups/"+gid+"/users/"+uid, s.Token())
	list := func() int {
		var users []any
		_ = json.Unmarshal(call(t, s, "GET", "/api/v1/groups/"+gid+"/users", s.Token()).body, &users)
		return len(users)
	}
	if n := list(); n != 0 || len(s.Members("g")) != 1 {
		t.Fatalf("just after PUT: listing shows %d, truth %v; want 0 and 1", n, s.Members("g"))
	}
	time.Sleep(350 * time.Millisecond)
	if n := list(); n != 1 {
		t.Fatalf("after the lag: listing shows %d, want 1", n)
	}
}

func TestInjectedFaults(t *testing.T) {
	s := New()
	defer s.Close()
	s.AddGroup("g", "")
	s.InjectFault(Fault{Kind: ServerError, Count: 2, Status: 503})
	for i := 0; i < 2; i++ {
		if r := call(t, s, "GET", "/api/v1/groups", s.Token()); r.status != 503 {
			t.Fatalf("fault %d: %d", i, r.status)
		}
	}
	if r := call(t, s, "GET", "/api/v1/groups", s.Token()); r.status != 200 {
		t.Fatalf("after the burst: %d", r.status)
	}
	s.InjectFault(Fault{Kind: RateLimited, Count: 1, Reset: 3 * time.Second})
	r := call(t, s, "GET", "/api/v1/groups", s.Token())
	if r.status != 429 || r.header.Get("X-Rate-Limit-Remaining") != "0" || r.header.Get("X-Rate-Limit-Reset") == "" {
		t.Fatalf("injected 429: %d %v", r.status, r.header)
	}
	s.InjectFault(Fault{Kind: Truncated, Count: 1})
	resp, err := s.Client().Get(s.URL() + "/api/v1/groups")
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if err == nil {
		t.Fatal("a truncated response was read without an error")
	}
	if n := s.Requests("GET /api/v1/groups"); n != 5 {
		t.Fatalf("Requests(GET /api/v1/groups) = %d, want 5 (faults counted)", n)
	}
}

// A request held by a Timeout fault is never answered: when the hold ends
// (here by Close, as when the client hangs up) the connection is dropped.
// An empty "200 OK" would read as an empty member listing.
func TestTimeoutNeverAnswers(t *testing.T) {
	s := New()
	defer s.Close()
	g := s.AddGroup("Eng", "")
	s.AddUser("a@example.com", "a@example.com")
	s.AddMember(g, "a@example.com")
	const key = "GET /api/v1/groups/{id}/users"
	s.InjectFault(Fault{Kind: Timeout, Count: 1, Key: key})

	type result struct {
		status int
		body   string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest("GET", s.URL()+"/api/v1/groups/"+g+"/users", nil)
		req.Header.Set("Authorization", "SSWS "+s.Token())
		resp, err := s.Client().Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		done <- result{status: resp.StatusCode, body: string(b), err: err}
	}()
	for s.Requests(key) == 0 {
		time.Sleep(time.Millisecond)
	}
	s.Close()
	if r := <-done; r.err == nil {
		t.Fatalf("a held request was answered: %d %q", r.status, r.body)
	}
}
