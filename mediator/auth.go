package mediator

import (
	"net/http"
	"slices"
	"strings"
)

// handleAuth relays the relying party's authorization request to the
// provider. Only redirect_uri changes (to the mediator's /callback) and
// `groups` joins the scope when configured; state, nonce and the PKCE
// challenge pass untouched, so the provider binds the code to them.
func (m *Mediator) handleAuth(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("redirect_uri") != m.cfg.Redirect {
		// Never redirect to an unknown URI (RFC 6749 §4.1.2.1): answer here.
		http.Error(w, "invalid_request: redirect_uri is not the one configured for this mediator", http.StatusBadRequest)
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
	if q.Get("code_challenge") != "" {
		// With PKCE only the relying party's verifier can redeem the code,
		// so /callback must defer the exchange to /token: remember that.
		if state == "" {
			m.rpError(w, r, "invalid_request", "state is required with PKCE by this mediator", "")
			return
		}
		key := storeKey("pkce", state)
		if err := m.store.Put(r.Context(), key, m.seal.seal(key, []byte{1}), authTTL); err != nil {
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
