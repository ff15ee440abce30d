package mediator

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
)

// grant is what a mediator-issued code stands for, sealed in the store:
// either the provider's verified token response (plain code flow) or the
// provider's code, still to be redeemed with the RP's PKCE verifier.
type grant struct {
	Token        json.RawMessage `json:"t,omitempty"`
	ProviderCode string          `json:"p,omitempty"`
}

// handleCallback receives the provider's answer. Without PKCE the mediator
// redeems the code at once, verifies the ID token and applies
// required_groups, so that a refusal reaches the relying party as
// error=access_denied on its callback. Either way the relying party gets a
// new one-time code of the mediator's, redeemed at /token.
func (m *Mediator) handleCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state := q.Get("state")
	if e := q.Get("error"); e != "" { // the provider's refusal goes on to the RP as is
		p := url.Values{"error": {e}}
		for _, k := range []string{"error_description", "error_uri", "state"} {
			if v := q.Get(k); v != "" {
				p.Set(k, v)
			}
		}
		m.redirectRP(w, r, p)
		return
	}
	code := q.Get("code")
	if code == "" {
		m.rpError(w, r, "invalid_request", "the provider returned no code", state)
		return
	}
	var g grant
	_, pkceErr := m.store.Take(r.Context(), storeKey("pkce", state))
	switch {
	case state != "" && pkceErr == nil:
		g.ProviderCode = code
	default:
		raw, claims, err := m.up.exchange(r.Context(), code, "")
		if err != nil {
			m.exchangeFailed(err)
			m.rpError(w, r, "access_denied", "the login could not be verified", state)
			return
		}
		if !m.admit(claims) {
			m.rpError(w, r, "access_denied", "you are not a member of a group required here", state)
			return
		}
		g.Token = raw
	}
	plain, err := json.Marshal(g)
	if err != nil {
		m.rpError(w, r, "server_error", "login state could not be encoded", state)
		return
	}
	ours := newCode()
	key := storeKey("code", ours)
	if err := m.store.Put(r.Context(), key, m.seal.seal(key, plain), codeTTL); err != nil {
		m.log.Error("store login state", "err", err)
		m.rpError(w, r, "temporarily_unavailable", "login state could not be stored", state)
		return
	}
	p := url.Values{"code": {ours}}
	if state != "" {
		p.Set("state", state)
	}
	m.redirectRP(w, r, p)
}

// exchangeFailed logs and counts a failed redemption at the provider
// (the error never holds the code or a token).
func (m *Mediator) exchangeFailed(err error) {
	switch {
	case errors.Is(err, errIDToken):
		m.metrics.logins.WithLabelValues("invalid_token").Inc()
		m.log.Warn("ID token rejected", "err", err)
	default:
		m.metrics.logins.WithLabelValues("exchange_error").Inc()
		m.log.Error("code exchange failed", "err", err)
	}
}
