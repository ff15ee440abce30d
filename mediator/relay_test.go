package mediator

import (
	"context"
	"crypto/rsa"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func TestLoginSyncsIncludedGroupMembershipsInGitLab(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.GroupMap = map[string]string{"Eng-Backend": "platform/backend"}
		c.IncludedGroups = []string{"platform/*"}
	}, "alice")
	e.op.storage.SetGroups("alice", "Eng-Backend", "platform/web", "Staff")
	e.gl.AddUser("alice", "Alice", "alice@example.com")
	e.gl.AddGroup("platform")
	e.gl.AddGroup("platform/backend")
	e.gl.AddGroup("platform/web")
	e.gl.AddGroup("platform/ops")
	e.gl.AddGroup("Staff")
	e.gl.SetMember("platform/ops", "alice", 30) // no longer in Okta's group: removed
	e.gl.SetMember("Staff", "alice", 40)        // not included: never touched

	e.login("alice")

	if got := e.gl.Members("platform/backend")["alice"]; got != 30 {
		t.Errorf("platform/backend (mapped from Eng-Backend): level %d, want developer (30)", got)
	}
	if got := e.gl.Members("platform/web")["alice"]; got != 30 {
		t.Errorf("platform/web: level %d, want 30", got)
	}
	if _, ok := e.gl.Members("platform/ops")["alice"]; ok {
		t.Error("platform/ops membership kept, want removed")
	}
	if got := e.gl.Members("Staff")["alice"]; got != 40 {
		t.Errorf("Staff is not included and must be untouched; level %d", got)
	}
	e.checkLogs()
}

func TestStateNonceAndPKCEPassThroughUntouched(t *testing.T) {
	e := newEnv(t, nil, "alice")
	e.gl.AddUser("alice", "Alice", "alice@example.com")
	f := e.browse("alice", true)
	if got := f.back.Query().Get("state"); got != f.state {
		t.Fatalf("state %q came back as %q", f.state, got)
	}
	// A wrong verifier must fail: the provider checks the RP's challenge.
	f.verifier = oauth2.GenerateVerifier()
	if _, _, err := e.redeem(f); err == nil {
		t.Fatal("a wrong PKCE verifier was accepted")
	}
	f2 := e.browse("alice", true)
	if _, idt, err := e.redeem(f2); err != nil {
		t.Fatalf("PKCE login: %v", err)
	} else if idt.Subject != "alice" {
		t.Errorf("subject %q", idt.Subject)
	}
	e.med.Wait()
	e.checkLogs()
}

func TestCodeReplayFails(t *testing.T) {
	for _, pkce := range []bool{false, true} {
		e := newEnv(t, nil, "alice")
		f := e.browse("alice", pkce)
		if _, _, err := e.redeem(f); err != nil {
			t.Fatalf("pkce=%v first redemption: %v", pkce, err)
		}
		_, _, err := e.redeem(f)
		var re *oauth2.RetrieveError
		if err == nil || !asRetrieve(err, &re) || re.ErrorCode != "invalid_grant" {
			t.Errorf("pkce=%v: replayed code: %v, want invalid_grant", pkce, err)
		}
		e.med.Wait()
		e.checkLogs()
	}
}

func asRetrieve(err error, re **oauth2.RetrieveError) bool {
	r, ok := err.(*oauth2.RetrieveError)
	*re = r
	return ok
}

func TestForgedIDTokensAreRejectedAndChangeNothing(t *testing.T) {
	cases := map[string]struct {
		tamper func(map[string]any)
		other  bool
	}{
		"signed by another key": {tamper: func(map[string]any) {}, other: true},
		"expired":               {tamper: func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() }},
		"other audience":        {tamper: func(c map[string]any) { c["aud"] = []string{"someone-else"} }},
		"other issuer":          {tamper: func(c map[string]any) { c["iss"] = "https://evil.example.com" }},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, nil, "alice")
			e.op.storage.SetGroups("alice", "backend")
			e.gl.AddUser("alice", "Alice", "alice@example.com")
			e.gl.AddGroup("backend")
			var key *rsa.PrivateKey
			if tc.other {
				key = otherKey(t)
			}
			e.op.Tamper(tc.tamper, key)
			f := e.browse("alice", false)
			if got := f.back.Query().Get("error"); got != "access_denied" {
				t.Errorf("error=%q, want access_denied", got)
			}
			if f.back.Query().Get("code") != "" {
				t.Error("a code was issued for a forged token")
			}
			e.med.Wait()
			if len(e.gl.Members("backend")) != 0 {
				t.Errorf("membership changed: %v", e.gl.Members("backend"))
			}
			if !strings.Contains(e.logs.String(), "ID token rejected") {
				t.Errorf("rejection not logged as a token verification failure: %s", e.logs.String())
			}
			e.checkLogs()
		})
	}
}

func TestForgedIDTokenIsRejectedAtTokenEndpointWithPKCE(t *testing.T) {
	e := newEnv(t, nil, "alice")
	e.op.storage.SetGroups("alice", "backend")
	e.gl.AddUser("alice", "Alice", "alice@example.com")
	e.gl.AddGroup("backend")
	e.op.Tamper(func(c map[string]any) { c["aud"] = "someone-else" }, nil)
	f := e.browse("alice", true)
	if _, _, err := e.redeem(f); err == nil {
		t.Fatal("forged ID token reached the RP")
	}
	e.med.Wait()
	if len(e.gl.Members("backend")) != 0 {
		t.Errorf("membership changed: %v", e.gl.Members("backend"))
	}
}

func TestRequiredGroupsRefuseWithAccessDenied(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.GroupMap = map[string]string{"Eng-Backend": "platform/backend"}
		c.RequiredGroups = []string{"platform/*"}
	}, "alice", "mallory")
	e.op.storage.SetGroups("alice", "Eng-Backend")
	e.op.storage.SetGroups("mallory", "Eng-Backend-Contractors", "platform") // "platform" does not match platform/*
	e.gl.AddUser("mallory", "Mallory", "mallory@example.com")
	e.gl.AddGroup("platform")

	f := e.browse("mallory", false)
	q := f.back.Query()
	if q.Get("error") != "access_denied" || q.Get("state") != f.state || q.Get("code") != "" {
		t.Fatalf("refused login came back as %s", f.back.RawQuery)
	}
	e.med.Wait()
	if len(e.gl.Members("platform")) != 0 {
		t.Error("a refused login changed memberships")
	}
	ok := e.browse("alice", false) // admitted through the mapping
	if ok.back.Query().Get("error") != "" {
		t.Fatalf("alice refused: %s", ok.back.RawQuery)
	}
	e.checkLogs()
}

func TestIncludeGlobsSelectWhatIsSynchronised(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.IncludedGroups = []string{"team-*"} }, "alice")
	e.op.storage.SetGroups("alice", "team-a", "team-b", "other", "team-a/sub")
	e.gl.AddUser("alice", "Alice", "alice@example.com")
	for _, g := range []string{"team-a", "team-b", "other", "team-a/sub"} {
		e.gl.AddGroup(g)
	}
	e.login("alice")
	for g, want := range map[string]bool{"team-a": true, "team-b": true, "other": false, "team-a/sub": false} {
		if _, got := e.gl.Members(g)["alice"]; got != want {
			t.Errorf("%s: member=%v, want %v (* does not cross /)", g, got, want)
		}
	}
}

func TestNoIncludedGroupsProcessesNothing(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.IncludedGroups = nil }, "alice")
	e.op.storage.SetGroups("alice", "team-a")
	e.gl.AddUser("alice", "Alice", "alice@example.com")
	e.gl.AddGroup("team-a")
	e.login("alice")
	if len(e.gl.Members("team-a")) != 0 {
		t.Error("synchronised with no included_groups")
	}
	if n := e.gl.TotalRequests(); n != 0 {
		t.Errorf("%d GitLab requests with nothing included, want 0", n)
	}
}

func TestBackendRetriesUntilGitLabCreatesTheUser(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Retries = 5; c.Backoff = time.Millisecond }, "carol")
	e.op.storage.SetGroups("carol", "team-a")
	e.gl.AddGroup("team-a")
	e.gl.AddUserLater("carol", "Carol", "carol@example.com", 3)
	e.login("carol")
	if got := e.gl.Members("team-a")["carol"]; got != 30 {
		t.Errorf("carol in team-a at level %d after the user appeared, want 30", got)
	}
}

func TestBackendGivesUpAfterRetries(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Retries = 2; c.Backoff = time.Millisecond }, "dave")
	e.op.storage.SetGroups("dave", "team-a")
	e.gl.AddGroup("team-a")
	e.gl.AddUserLater("dave", "Dave", "dave@example.com", 10)
	e.login("dave")
	if n := e.gl.Requests("GET /api/v4/users"); n != 3 {
		t.Errorf("user lookups: %d, want 1 + 2 retries (counts: %v)", n, e.gl.RequestCounts())
	}
	if !strings.Contains(e.logs.String(), "membership sync failed") {
		t.Error("a sync that never found the user was not reported")
	}
}

func TestRedirectURIOtherThanConfiguredIsRefused(t *testing.T) {
	e := newEnv(t, nil, "alice")
	u := e.medURL + "/auth?" + url.Values{"client_id": {testClientID}, "response_type": {"code"},
		"redirect_uri": {"https://evil.example.com/cb"}, "state": {"s"}}.Encode()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("HTTP %d, want 400 and no redirect", resp.StatusCode)
	}
}

func TestTokenEndpointRefusesWrongClientSecret(t *testing.T) {
	e := newEnv(t, nil, "alice")
	f := e.browse("alice", false)
	rp := *e.rp
	rp.ClientSecret = "wrong"
	_, err := rp.Exchange(context.Background(), f.back.Query().Get("code"))
	var re *oauth2.RetrieveError
	if !asRetrieve(err, &re) || re.ErrorCode != "invalid_client" {
		t.Fatalf("wrong secret: %v, want invalid_client", err)
	}
	// client_secret_post is accepted too, and the code is still good.
	rp.ClientSecret = testSecret
	rp.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	if _, err := rp.Exchange(context.Background(), f.back.Query().Get("code")); err != nil {
		t.Fatalf("client_secret_post: %v", err)
	}
	e.med.Wait()
}
