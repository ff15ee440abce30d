package mediator

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/access-as-code/access/internal/gitlabfake"
)

const (
	testClientID = "authz-mediator"
	testSecret   = "mediator-client-secret-0123456789"
	rpCallback   = "http://gitlab.test/users/auth/openid_connect/callback"
)

// env is one mediator between a real OP and the GitLab fake, with a
// relying party driven as GitLab's omniauth drives it.
type env struct {
	t      testing.TB
	op     *testOP
	gl     *gitlabfake.Server
	cfg    *Config
	med    *Mediator
	medURL string
	logs   *syncBuffer
	store  *MemoryStore
	mux    *switchHandler // serves medURL: one mediator, or replicas behind a proxy
	others []*Mediator    // replicas besides med
	rp     *oauth2.Config
	// secrets seen during the test, none of which may appear in the logs
	secrets []string
}

func newEnv(t testing.TB, tune func(*Config), people ...string) *env {
	t.Helper()
	e := &env{t: t, logs: &syncBuffer{}, store: NewMemoryStore(0)}
	medMux := &switchHandler{}
	medSrv := httptest.NewServer(medMux)
	t.Cleanup(medSrv.Close)
	e.medURL = medSrv.URL
	e.mux = medMux
	e.op = newTestOP(t, testClientID, testSecret, e.medURL+"/callback", people...)
	e.gl = gitlabfake.New()
	t.Cleanup(e.gl.Close)
	e.cfg = &Config{Provider: e.op.issuer, Self: e.medURL, Redirect: rpCallback, Backend: "gitlab",
		ID: testClientID, Secret: testSecret, Groups: true, Retries: 3, Backoff: 1,
		GitLabURL: e.gl.URL(), GitLabSecret: e.gl.Token(), GitLabAccessLevel: "developer",
		IncludedGroups: []string{"*", "*/*"}, MediatorUsername: "mediator"}
	if tune != nil {
		tune(e.cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	m, err := New(ctx, e.cfg, log, WithStore(e.store))
	if err != nil {
		t.Fatal(err)
	}
	e.med = m
	medMux.h = m.Handler()
	t.Cleanup(func() { cancel(); m.Wait() })
	e.secrets = []string{testSecret, e.gl.Token()}
	e.rp = &oauth2.Config{ClientID: testClientID, ClientSecret: testSecret, RedirectURL: rpCallback,
		Scopes:   []string{oidc.ScopeOpenID, "profile", "email"},
		Endpoint: oauth2.Endpoint{AuthURL: e.medURL + "/auth", TokenURL: e.medURL + "/token", AuthStyle: oauth2.AuthStyleInHeader}}
	return e
}

type switchHandler struct{ h http.Handler }

func (s *switchHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.h.ServeHTTP(w, r) }

// flow is one browser login as seen by the relying party.
type flow struct {
	state, nonce, verifier string
	back                   *url.URL // the mediator's redirect to the RP's callback
}

func random(t testing.TB) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// browse starts a login at the RP and follows redirects with a cookie jar
// until the browser is sent back to the RP's callback.
func (e *env) browse(user string, pkce bool) *flow {
	e.t.Helper()
	e.op.LoginAs(user)
	f := &flow{state: random(e.t), nonce: random(e.t)}
	opts := []oauth2.AuthCodeOption{oidc.Nonce(f.nonce)}
	if pkce {
		f.verifier = oauth2.GenerateVerifier()
		opts = append(opts, oauth2.S256ChallengeOption(f.verifier))
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if c := req.URL.Query().Get("code"); c != "" {
			e.secrets = append(e.secrets, c) // the provider's and the mediator's codes
		}
		if strings.HasPrefix(req.URL.String(), rpCallback) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := browser.Get(e.rp.AuthCodeURL(f.state, opts...))
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		e.t.Fatalf("login ended with HTTP %d, not a redirect to the RP", resp.StatusCode)
	}
	f.back = loc
	return f
}

// redeem is the RP's token request, then the ID token check GitLab does.
func (e *env) redeem(f *flow) (*oauth2.Token, *oidc.IDToken, error) {
	opts := []oauth2.AuthCodeOption{}
	if f.verifier != "" {
		opts = append(opts, oauth2.VerifierOption(f.verifier))
	}
	tok, err := e.rp.Exchange(context.Background(), f.back.Query().Get("code"), opts...)
	if err != nil {
		return nil, nil, err
	}
	e.secrets = append(e.secrets, tok.AccessToken, tok.RefreshToken)
	raw, _ := tok.Extra("id_token").(string)
	e.secrets = append(e.secrets, raw)
	// GitLab verifies against the provider's issuer with keys from the mediator's /keys.
	ks := oidc.NewRemoteKeySet(context.Background(), e.medURL+"/keys")
	idt, err := oidc.NewVerifier(e.op.issuer, ks, &oidc.Config{ClientID: testClientID}).Verify(context.Background(), raw)
	if err != nil {
		return tok, nil, err
	}
	if idt.Nonce != f.nonce {
		return tok, idt, errors.New("nonce changed on the way")
	}
	return tok, idt, nil
}

// login is a whole successful login; it waits for the background sync.
func (e *env) login(user string) {
	e.t.Helper()
	f := e.browse(user, false)
	if f.back.Query().Get("error") != "" {
		e.t.Fatalf("login refused: %s", f.back.RawQuery)
	}
	if _, _, err := e.redeem(f); err != nil {
		e.t.Fatal(err)
	}
	e.wait()
}

// wait waits for the background work of every replica.
func (e *env) wait() {
	e.med.Wait()
	for _, m := range e.others {
		m.Wait()
	}
}

// checkLogs asserts that no code, token or secret reached the logs.
func (e *env) checkLogs() {
	e.t.Helper()
	logs := e.logs.String()
	for _, s := range e.secrets {
		if s != "" && strings.Contains(logs, s) {
			e.t.Errorf("logs contain a secret value %.6s…", s)
		}
	}
}
