package mediator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
)

// omniauthOIDC is GitLab's omniauth openid_connect strategy, configured as
// in the GitLab example of the Apertis AuthZ mediator README; each field is
// one of its 'args', and the flow below is what the strategy does with them
// (omniauth_openid_connect: discovery off takes every endpoint from
// client_options; client_auth_method unset is basic; no PKCE unless 'pkce';
// the nonce is sent and checked; uid is the userinfo's uid_field).
type omniauthOIDC struct {
	Name             string   // 'name' => 'openid_connect'
	Scope            []string // 'scope' => ['openid', 'profile', 'email']
	ResponseType     string   // 'response_type' => 'code'
	Issuer           string   // 'issuer' => 'http://${oidc-provider}:${oidc-provider-port:-5556}/dex'
	Discovery        bool     // 'discovery' => false
	UIDField         string   // 'uid_field' => 'preferred_username'
	ClientAuthMethod string   // not set: basic
	ClientOptions    struct {
		Identifier            string // 'identifier' => 'authz-mediator'
		Secret                string // 'secret' => '${MEDIATOR_SECRET}'
		RedirectURI           string // 'redirect_uri' => 'http://${mediator}:${mediator-port:-5555}/callback'
		AuthorizationEndpoint string // 'authorization_endpoint' => 'http://${mediator}:${mediator-port:-5555}/auth'
		TokenEndpoint         string // 'token_endpoint' => 'http://${mediator}:${mediator-port:-5555}/token'
		UserinfoEndpoint      string // 'userinfo_endpoint' => 'http://${mediator}:${mediator-port:-5555}/userinfo'
		JwksURI               string // 'jwks_uri' => 'http://${mediator}:${mediator-port:-5555}/keys'
	}
}

// apertisGitLab is that block with ${oidc-provider...} = the test provider and
// ${mediator...} = the mediator under test.
func apertisGitLab(issuer, mediator, secret string) *omniauthOIDC {
	g := &omniauthOIDC{Name: "openid_connect", Scope: []string{"openid", "profile", "email"}, ResponseType: "code",
		Issuer: issuer, Discovery: false, UIDField: "preferred_username"}
	g.ClientOptions.Identifier = "authz-mediator"
	g.ClientOptions.Secret = secret
	g.ClientOptions.RedirectURI = mediator + "/callback"
	g.ClientOptions.AuthorizationEndpoint = mediator + "/auth"
	g.ClientOptions.TokenEndpoint = mediator + "/token"
	g.ClientOptions.UserinfoEndpoint = mediator + "/userinfo"
	g.ClientOptions.JwksURI = mediator + "/keys"
	return g
}

// apertisEnv is the mediator's environment in the README's example, with
// ${...} filled in; GITLAB_URL names the GitLab API the README leaves implicit.
func apertisEnv(issuer, mediator, gitlabURL, gitlabToken string) map[string]string {
	return map[string]string{
		"GITLAB_SECRET":           gitlabToken,
		"AUTHZ_MEDIATOR_SECRET":   testSecret,
		"AUTHZ_MEDIATOR_SELF":     mediator,
		"AUTHZ_MEDIATOR_PROVIDER": issuer,
		"AUTHZ_MEDIATOR_REDIRECT": rpCallback, // http://${service:-gitlab}/${authz-callback:-users/auth/openid_connect/callback}
		"AUTHZ_MEDIATOR_BACKEND":  "gitlab",
		"GITLAB_URL":              gitlabURL,
	}
}

// login is one GitLab sign-in: request phase, the browser through the
// mediator and the provider, then the callback phase (token request with
// basic auth and the configured redirect_uri, ID token verification against
// 'issuer' with keys from jwks_uri, nonce check, userinfo). It returns uid.
func (g *omniauthOIDC) login(ctx context.Context, hc *http.Client) (string, error) {
	if g.Discovery {
		return "", errors.New("this strategy copy only does discovery off")
	}
	state, nonce := fmt.Sprintf("st-%p", g), fmt.Sprintf("n-%p", &ctx)
	authURL := g.ClientOptions.AuthorizationEndpoint + "?" + url.Values{
		"client_id": {g.ClientOptions.Identifier}, "response_type": {g.ResponseType},
		"scope": {strings.Join(g.Scope, " ")}, "redirect_uri": {g.ClientOptions.RedirectURI},
		"state": {state}, "nonce": {nonce}}.Encode()
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Transport: hc.Transport, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), rpCallback) {
			return http.ErrUseLastResponse // GitLab's own callback: handled below
		}
		return nil
	}}
	resp, err := browser.Get(authURL)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	back, err := resp.Location()
	if err != nil {
		return "", fmt.Errorf("the login did not come back to GitLab (HTTP %d)", resp.StatusCode)
	}
	q := back.Query()
	if e := q.Get("error"); e != "" {
		return "", fmt.Errorf("callback error=%s", e)
	}
	if q.Get("state") != state {
		return "", errors.New("state changed on the way")
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")}, "redirect_uri": {g.ClientOptions.RedirectURI}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, g.ClientOptions.TokenEndpoint, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if g.ClientAuthMethod == "" || g.ClientAuthMethod == "basic" {
		req.SetBasicAuth(url.QueryEscape(g.ClientOptions.Identifier), url.QueryEscape(g.ClientOptions.Secret))
	} else {
		return "", errors.New("only basic is configured in the README")
	}
	tr, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer tr.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
		IDToken     string `json:"id_token"`
		Error       string `json:"error"`
	}
	if err := json.NewDecoder(tr.Body).Decode(&tok); err != nil || tr.StatusCode != http.StatusOK {
		return "", fmt.Errorf("token endpoint: HTTP %d %s %v", tr.StatusCode, tok.Error, err)
	}
	keys := oidc.NewRemoteKeySet(oidc.ClientContext(ctx, hc), g.ClientOptions.JwksURI)
	idt, err := oidc.NewVerifier(g.Issuer, keys, &oidc.Config{ClientID: g.ClientOptions.Identifier}).Verify(oidc.ClientContext(ctx, hc), tok.IDToken)
	if err != nil {
		return "", fmt.Errorf("ID token: %w", err)
	}
	if idt.Nonce != nonce {
		return "", errors.New("nonce changed on the way")
	}
	ureq, _ := http.NewRequestWithContext(ctx, http.MethodGet, g.ClientOptions.UserinfoEndpoint, nil)
	ureq.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	ur, err := hc.Do(ureq)
	if err != nil {
		return "", err
	}
	defer ur.Body.Close()
	var info map[string]any
	if err := json.NewDecoder(ur.Body).Decode(&info); err != nil || ur.StatusCode != http.StatusOK {
		return "", fmt.Errorf("userinfo: HTTP %d %v", ur.StatusCode, err)
	}
	uid, _ := info[g.UIDField].(string)
	if uid == "" {
		uid, _ = info["sub"].(string)
	}
	return uid, nil
}

// The deployment of the Apertis AuthZ mediator README, as written: GitLab's
// redirect_uri is the mediator's own /callback, the provider knows only that
// one, and the login still ends on GitLab's callback (AUTHZ_MEDIATOR_REDIRECT).
func TestApertisREADMEGitLabConfigurationLogsIn(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		loaded, err := LoadConfig("", func(k string) string {
			return apertisEnv(c.Provider, c.Self, c.GitLabURL, c.GitLabSecret)[k]
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		*c = *loaded
		c.IncludedGroups = []string{"*"}
		c.Groups = true
	}, "alice")
	e.op.storage.SetGroups("alice", "team-a")
	e.gl.AddUser("alice", "Alice", "alice@example.com")
	e.gl.AddGroup("team-a")
	e.op.LoginAs("alice")
	gitlab := apertisGitLab(e.op.issuer, e.medURL, testSecret)
	uid, err := gitlab.login(context.Background(), http.DefaultClient)
	if err != nil {
		t.Fatal(err)
	}
	if uid != "alice" {
		t.Errorf("uid %q, want alice (preferred_username)", uid)
	}
	e.med.Wait()
	if got := e.gl.Members("team-a")["alice"]; got != 30 {
		t.Errorf("membership not synced after the README's login: level %d", got)
	}

	// The token request must name the redirect_uri of its authorization request.
	other := apertisGitLab(e.op.issuer, e.medURL, testSecret)
	other.ClientOptions.RedirectURI = e.medURL + "/callback"
	f := e.browseWith(other.ClientOptions.RedirectURI)
	e.rp.RedirectURL = rpCallback // not the one sent at /auth
	if _, err := e.rp.Exchange(context.Background(), f.back.Query().Get("code")); err == nil {
		t.Error("a code issued for redirect_uri <self>/callback was redeemed with another redirect_uri")
	}
	e.med.Wait()
	e.checkLogs()
}

// browseWith is a login whose /auth names redirectURI; it returns where the
// browser was sent back to (always AUTHZ_MEDIATOR_REDIRECT).
func (e *env) browseWith(redirectURI string) *flow {
	e.t.Helper()
	rp := *e.rp
	rp.RedirectURL = redirectURI
	saved := e.rp
	e.rp = &rp
	defer func() { e.rp = saved }()
	return e.browse("alice", false)
}
