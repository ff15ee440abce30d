package githubfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func post(t *testing.T, s *Server, query string, vars map[string]any) (*http.Response, map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	resp, err := s.Client().Post(s.URL+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return resp, out
}

func errorsOf(out map[string]any) string {
	b, _ := json.Marshal(out["errors"])
	return string(b)
}

func TestGraphQLPaginationRulesAndCost(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	for i := range 150 {
		s.SetOrgMember("o", fmt.Sprintf("u%03d", i), RoleMember)
	}
	for _, tc := range []struct{ query, wantErr string }{
		{`{ organization(login: "o") { membersWithRole { totalCount } } }`, "must provide a `first` or `last`"},
		{`{ organization(login: "o") { membersWithRole(first: 101) { totalCount } } }`, "exceeds the `first` limit of 100"},
		{`{ organization(login: "o") { membersWithRole(first: 0) { totalCount } } }`, "exceeds the `first` limit"},
		{`{ organization(login: "o") { teams(first: 100) { nodes { members(first: 100) { edges { node { login } } } } } membersWithRole(first: 100) { nodes { login } } } o2: organization(login: "o") { teams(first: 100) { nodes { members(first: 100) { nodes { login } } } } } x: organization(login: "o") { teams(first: 50) { nodes { members(first: 100) { nodes { login } } } } } y: organization(login: "o") { teams(first: 100) { nodes { members(first: 100) { nodes { login } } } } } z: organization(login: "o") { teams(first: 100) { nodes { members(first: 100) { nodes { login } } } } } }`, ""},
		{`{ organization(login: "o") { login nosuchfield } }`, "Field 'nosuchfield' doesn't exist"},
		{`mutation { x }`, "only query operations"},
	} {
		_, out := post(t, s, tc.query, nil)
		if got := errorsOf(out); (tc.wantErr == "") != (got == "null") || !strings.Contains(got, tc.wantErr) {
			t.Errorf("%.60s...: errors %s, want %q", tc.query, got, tc.wantErr)
		}
	}
	// 50 aliases of 100 teams x 100 members: 50 x 10,100 = 505,000 nodes.
	var b strings.Builder
	b.WriteString("{")
	for i := range 50 {
		fmt.Fprintf(&b, ` o%d: organization(login: "o") { teams(first: 100) { nodes { members(first: 100) { nodes { login } } } } }`, i)
	}
	b.WriteString(" }")
	_, out := post(t, s, b.String(), nil)
	if !strings.Contains(errorsOf(out), "MAX_NODE_LIMIT_EXCEEDED") {
		t.Errorf("over 500,000 nodes: %s", errorsOf(out))
	}

	q := `query($org: String!, $after: String) { organization(login: $org) { membersWithRole(first: 100, after: $after) {
	  pageInfo { hasNextPage endCursor } edges { role node { databaseId login } } } }
	  rateLimit { cost remaining resetAt } }`
	resp, out := post(t, s, q, map[string]any{"org": "o"})
	if resp.Header.Get("X-RateLimit-Resource") != "graphql" || resp.Header.Get("X-RateLimit-Limit") != "5000" {
		t.Errorf("headers %v", resp.Header)
	}
	data := out["data"].(map[string]any)
	conn := data["organization"].(map[string]any)["membersWithRole"].(map[string]any)
	if n := len(conn["edges"].([]any)); n != 100 {
		t.Fatalf("first page %d edges", n)
	}
	rl := data["rateLimit"].(map[string]any)
	if rl["cost"].(float64) != 1 {
		t.Errorf("cost %v, want 1 point (1 request / 100, at least 1)", rl["cost"])
	}
	after := conn["pageInfo"].(map[string]any)["endCursor"]
	_, out = post(t, s, q, map[string]any{"org": "o", "after": after})
	conn = out["data"].(map[string]any)["organization"].(map[string]any)["membersWithRole"].(map[string]any)
	if n := len(conn["edges"].([]any)); n != 51 || conn["pageInfo"].(map[string]any)["hasNextPage"] != false {
		t.Fatalf("second page %d edges (150 members and the token's account), hasNextPage %v", n, conn["pageInfo"])
	}
	// A nested connection costs the requests it implies: 100 teams' members.
	_, out = post(t, s, `{ organization(login: "o") { teams(first: 100) { nodes { members(first: 100) { nodes { login } } } } } rateLimit { cost } }`, nil)
	if c := out["data"].(map[string]any)["rateLimit"].(map[string]any)["cost"].(float64); c != 1 {
		t.Errorf("teams x members cost %v, want round(101/100) = 1", c)
	}
}

func TestGraphQLBudgetIsSeparateAndExhausts(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	s.SetLimits(Limits{GraphQLPoints: 2})
	s.AddOrg("o")
	q := `{ organization(login: "o") { login } }`
	for i := range 2 {
		if resp, out := post(t, s, q, nil); resp.StatusCode != 200 || out["errors"] != nil {
			t.Fatalf("query %d: %d %v", i, resp.StatusCode, out)
		}
	}
	resp, out := post(t, s, q, nil)
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("X-RateLimit-Remaining") != "0" || !strings.Contains(errorsOf(out), "RATE_LIMITED") {
		t.Fatalf("over the budget: %d %v %s", resp.StatusCode, resp.Header, errorsOf(out))
	}
	r, err := s.Client().Get(s.URL + "/user")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != 200 || r.Header.Get("X-RateLimit-Resource") != "core" {
		t.Fatalf("REST after GraphQL ran out: %d %s", r.StatusCode, r.Header.Get("X-RateLimit-Resource"))
	}
}

func do(t *testing.T, s *Server, method, path, body string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestContentCreationLimit(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	s.SetLimits(Limits{Minute: 200 * time.Millisecond, ContentPerMinute: 3, ContentPerHour: 5})
	s.AddTeam("o", "t", "")
	for i := range 3 {
		s.SetOrgMember("o", fmt.Sprintf("u%d", i), RoleMember)
		if r := do(t, s, "PUT", fmt.Sprintf("/orgs/o/teams/t/memberships/u%d", i), ""); r.StatusCode != 200 {
			t.Fatalf("write %d: %d", i, r.StatusCode)
		}
	}
	r := do(t, s, "PUT", "/orgs/o/teams/t/memberships/u0", "")
	if r.StatusCode != http.StatusForbidden || r.Header.Get("Retry-After") != "" {
		t.Fatalf("4th write in a minute: %d retry-after %q, want 403 without retry-after", r.StatusCode, r.Header.Get("Retry-After"))
	}
	time.Sleep(250 * time.Millisecond)
	for i := range 2 {
		if r := do(t, s, "DELETE", fmt.Sprintf("/orgs/o/teams/t/memberships/u%d", i), ""); r.StatusCode != http.StatusNoContent {
			t.Fatalf("write after the minute: %d", r.StatusCode)
		}
	}
	time.Sleep(250 * time.Millisecond)
	if r := do(t, s, "DELETE", "/orgs/o/teams/t/memberships/u2", ""); r.StatusCode != http.StatusForbidden {
		t.Fatalf("6th write in an hour: %d, want 403", r.StatusCode)
	}
}

func TestInvitationsExpireAndAreCapped(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	s.AddOrg("o")
	s.CreateUser("new")
	if r := do(t, s, "PUT", "/orgs/o/memberships/new", `{"role":"admin"}`); r.StatusCode != 200 {
		t.Fatalf("invite: %d", r.StatusCode)
	}
	if got := s.OrgMembers("o")["new"]; got != "invited:admin" {
		t.Fatalf("after PUT membership of a non-member: %q", got)
	}
	s.Advance(InvitationTTL + time.Second)
	if _, ok := s.OrgMembers("o")["new"]; ok {
		t.Fatal("an invitation older than 7 days is still pending")
	}
	r, err := s.Client().Get(s.URL + "/orgs/o/failed_invitations")
	if err != nil {
		t.Fatal(err)
	}
	var failed []map[string]any
	_ = json.NewDecoder(r.Body).Decode(&failed)
	r.Body.Close()
	if len(failed) != 1 || failed[0]["failed_reason"] != "Invitation expired" || failed[0]["login"] != "new" {
		t.Fatalf("failed invitations %v", failed)
	}
	for i := range InvitationsPerDay {
		s.Invite("o", fmt.Sprintf("x%d", i), "direct_member")
	}
	if r := do(t, s, "PUT", "/orgs/o/memberships/new", ""); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("the 501st invitation in 24 hours: %d, want 422", r.StatusCode)
	}
}

func TestRESTTeamMembersIncludeChildTeamsAndOwnersAreMaintainers(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	s.AddTeam("o", "parent", "")
	s.AddTeam("o", "child", "parent")
	s.SetTeamMember("o", "parent", "p", RoleMember)
	s.SetTeamMember("o", "child", "c", RoleMember)
	s.SetOrgMember("o", "owner", RoleAdmin)
	s.SetTeamMember("o", "parent", "owner", RoleMember)
	r, err := s.Client().Get(s.URL + "/orgs/o/teams/parent/members?per_page=1")
	if err != nil {
		t.Fatal(err)
	}
	var page []map[string]any
	_ = json.NewDecoder(r.Body).Decode(&page)
	r.Body.Close()
	if len(page) != 1 || !strings.Contains(r.Header.Get("Link"), `rel="next"`) || !strings.Contains(r.Header.Get("Link"), "page=3") {
		t.Fatalf("page of 1: %d items, Link %q", len(page), r.Header.Get("Link"))
	}
	r, _ = s.Client().Get(s.URL + "/orgs/o/teams/parent/memberships/owner")
	var m map[string]any
	_ = json.NewDecoder(r.Body).Decode(&m)
	r.Body.Close()
	if m["role"] != RoleMaintainer {
		t.Fatalf("owner's team role %v, want maintainer", m["role"])
	}
}

func TestRenameKeepsIDAndOldLogin404s(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	id := s.CreateUser("old")
	s.RenameUser("old", "new")
	if r := do(t, s, "GET", "/users/old", ""); r.StatusCode != 404 {
		t.Fatalf("old login: %d", r.StatusCode)
	}
	r, _ := s.Client().Get(fmt.Sprintf("%s/user/%d", s.URL, id))
	var u map[string]any
	_ = json.NewDecoder(r.Body).Decode(&u)
	r.Body.Close()
	if u["login"] != "new" {
		t.Fatalf("GET /user/%d: %v", id, u)
	}
}

func FuzzParseGraphQL(f *testing.F) {
	for _, s := range []string{
		`query($org: String!, $after: String) { organization(login: $org) { membersWithRole(first: 100, after: $after) { pageInfo { hasNextPage endCursor } edges { role node { databaseId login } } } } rateLimit { cost remaining resetAt } }`,
		`{ a: user(login: "x\"y") { login } }`,
		`query Q($n: Int = 3, $l: [String!]!) { x(list: [1, "a", null, true, ENUM]) { y } }`,
		`{ x { y { z { w } } } }`, `{`, `}`, `query(`, `{ x(a: ) }`, `# comment` + "\n" + `{ x }`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		op, err := parseGraphQL(src)
		if err == nil && (op == nil || len(op.sel) == 0) {
			t.Fatalf("parsed %q without error into no selection", src)
		}
	})
}
