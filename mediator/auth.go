package mediator

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// loginState is what /callback and /token need to know of the
// authorization request, sealed in the store under the hash of its state.
// It is stored only when it differs from the default (no PKCE, redirect_uri
// = AUTHZ_MEDIATOR_REDIRECT), which spares most logins a store round trip.
type loginState struct {
	PKCE        bool   `json:"k,omitempty"`
	RedirectURI string `json:"r,omitempty"`
}

// allowedRedirect says whether the relying party may send uri: the
// configured AUTHZ_MEDIATOR_REDIRECT, or the mediator's own /callback, which
// is what the GitLab omniauth example of the Apertis AuthZ mediator README
// sends. Either way the login ends at AUTHZ_MEDIATOR_REDIRECT.
func (m *Mediator) allowedRedirect(uri string) bool {
	return uri == m.cfg.Redirect || uri == m.cfg.Self+"/callback"
}

// handleAuth relays the relying party's authorization request to the
// provider. Only redirect_uri changes (to the mediator's /callback) and
// `groups` joins the scope when configured; state, nonce and the PKCE
// challenge pass untouched, so the provider binds the code to them.
func (m *Mediator) handleAuth(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect := q.Get("redirect_uri")
	if !m.allowedRedirect(redirect) {
		// Never redirect to an unknown URI (RFC 6749 §4.1.2.1): answer here.
		http.Error(w, "invalid_request: redirect_uri is neither the configured redirect nor this mediator's /callback", http.StatusBadRequest)
		return
	}
	if q.Get("client_id") != m.cfg.ID {
		http.Error(w, "invalid_request: unknown client_id", http.StatusBadRequest)
		return
	}
	state := q.Get("state")
	if q.Get("response_type") != "code" {
		// Only the code flow keeps tokens out of the browser and lets the
		// mediator verify them before the relying party acts.
		m.rpError(w, r, "unsupported_response_type", "only response_type=code is relayed", state)
		return
	}
	ls := loginState{PKCE: q.Get("code_challenge") != ""}
	if redirect != m.cfg.Redirect {
		ls.RedirectURI = redirect // /token must see the same (RFC 6749 §4.1.3)
	}
	if ls != (loginState{}) {
		// With PKCE only the relying party's verifier can redeem the code,
		// so /callback must defer the exchange to /token: remember that,
		// and the redirect URI /token must check, under the state.
		if state == "" {
			m.rpError(w, r, "invalid_request", "state is required by this mediator with PKCE or this redirect_uri", "")
			return
		}
		plain, _ := json.Marshal(ls)
		key := storeKey("login", state)
		if err := m.store.Put(r.Context(), key, m.seal.seal(key, plain), authTTL); err != nil {
			m.log.Error("store login state", "err", err)
			m.rpError(w, r, "temporarily_unavailable", "login state could not be stored", state)
			return
		}
	}
	info, err := m.up.get(r.Context())
	if err != nil {
		m.log.Error("provider unavailable", "err", err)
		m.rpError(w, r, "temporarily_unavailable", "the identity provider is unreachable", state)
		return
	}
	q.Set("redirect_uri", m.cfg.Self+"/callback")
	if m.cfg.Groups {
		scopes := strings.Fields(q.Get("scope"))
		if !slices.Contains(scopes, "groups") {
			q.Set("scope", strings.Join(append(scopes, "groups"), " "))
		}
	}
	if err := redirectWith(w, r, info.meta.AuthURL, q); err != nil {
		http.Error(w, "provider authorization endpoint is invalid", http.StatusBadGateway)
	}
}
