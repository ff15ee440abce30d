package mediator

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func getJSON(t *testing.T, u string, into any) *http.Response {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if into != nil {
		if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
			t.Fatalf("%s: %v", u, err)
		}
	}
	return resp
}

func TestDiscoveryNamesMediatorEndpointsWithProviderIssuer(t *testing.T) {
	e := newEnv(t, nil, "alice")
	var doc map[string]any
	getJSON(t, e.medURL+"/.well-known/openid-configuration", &doc)
	want := map[string]string{"issuer": e.op.issuer, "authorization_endpoint": e.medURL + "/auth",
		"token_endpoint": e.medURL + "/token", "userinfo_endpoint": e.medURL + "/userinfo", "jwks_uri": e.medURL + "/keys"}
	for k, v := range want {
		if doc[k] != v {
			t.Errorf("%s = %v, want %s", k, doc[k], v)
		}
	}
}

func TestKeysServeTheProvidersKeySet(t *testing.T) {
	e := newEnv(t, nil, "alice")
	var mine, theirs struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	getJSON(t, e.medURL+"/keys", &mine)
	getJSON(t, e.op.issuer+"/keys", &theirs)
	if len(mine.Keys) == 0 || len(mine.Keys) != len(theirs.Keys) || mine.Keys[0].Kid != theirs.Keys[0].Kid {
		t.Errorf("mediator keys %+v, provider keys %+v", mine, theirs)
	}
}

func TestUserinfoIsRelayedWithTheBearerToken(t *testing.T) {
	e := newEnv(t, nil, "alice")
	f := e.browse("alice", false)
	tok, _, err := e.redeem(f)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, e.medURL+"/userinfo", nil)
	tok.SetAuthHeader(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ui map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&ui)
	if resp.StatusCode != http.StatusOK || ui["sub"] != "alice" {
		t.Errorf("userinfo: HTTP %d %v", resp.StatusCode, ui)
	}
	noAuth := getJSON(t, e.medURL+"/userinfo", nil)
	if noAuth.StatusCode == http.StatusOK {
		t.Error("userinfo without a token succeeded")
	}
	e.med.Wait()
	e.checkLogs()
}

func TestHealthAndMetrics(t *testing.T) {
	e := newEnv(t, nil, "alice")
	var h map[string]string
	if resp := getJSON(t, e.medURL+"/healthz", &h); resp.StatusCode != 200 || h["provider"] != "ready" {
		t.Errorf("healthz: %d %v", resp.StatusCode, h)
	}
	e.login("alice")
	resp, err := http.Get(e.medURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`authz_mediator_logins_total{result="admitted"} 1`, `authz_mediator_token_requests_total{result="ok"} 1`, "go_goroutines"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestGroupsScopeIsAddedOnlyWhenConfigured(t *testing.T) {
	for _, groups := range []bool{true, false} {
		e := newEnv(t, func(c *Config) { c.Groups = groups }, "alice")
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.Get(e.rp.AuthCodeURL("st"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, _ := resp.Location()
		scope := loc.Query().Get("scope")
		if strings.Contains(scope, "groups") != groups {
			t.Errorf("groups=%v: scope %q", groups, scope)
		}
		if loc.Query().Get("redirect_uri") != e.medURL+"/callback" || loc.Query().Get("state") != "st" {
			t.Errorf("forwarded %s", loc.RawQuery)
		}
	}
}

func TestOnlyTheCodeFlowIsRelayed(t *testing.T) {
	e := newEnv(t, nil, "alice")
	u := e.medURL + "/auth?" + url.Values{"client_id": {testClientID}, "response_type": {"id_token token"},
		"redirect_uri": {rpCallback}, "state": {"s1"}}.Encode()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := resp.Location()
	if loc == nil || loc.Query().Get("error") != "unsupported_response_type" || loc.Query().Get("state") != "s1" {
		t.Errorf("implicit flow: HTTP %d to %v", resp.StatusCode, loc)
	}
}
