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
	RedirectURI  string          `json:"r,omitempty"` // the RP's, when not AUTHZ_MEDIATOR_REDIRECT
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
	ls, err := m.loginState(r, state)
	if err != nil {
		m.log.Error("read login state", "err", err)
		m.rpError(w, r, "temporarily_unavailable", "login state could not be read", state)
		return
	}
	g := grant{RedirectURI: ls.RedirectURI}
	var writes []Write
	var adm *admission
	if ls.PKCE {
		g.ProviderCode = code
	} else {
		raw, claims, err := m.up.exchange(r.Context(), code, "")
		if err != nil {
			m.exchangeFailed(err)
			m.rpError(w, r, "access_denied", "the login could not be verified", state)
			return
		}
		adm = m.admit(claims)
		if adm == nil {
			m.rpError(w, r, "access_denied", "you are not a member of a group required here", state)
			return
		}
		g.Token = raw
		writes = append(writes, m.rememberWrite(adm.who)...) // with the code: one round trip
	}
	plain, err := json.Marshal(g)
	if err != nil {
		m.rpError(w, r, "server_error", "login state could not be encoded", state)
		return
	}
	ours := newCode()
	key := storeKey("code", ours)
	writes = append(writes, Write{Key: key, Value: m.seal.seal(key, plain), TTL: codeTTL})
	if err := m.store.Write(r.Context(), writes...); err != nil {
		m.log.Error("store login state", "err", err)
		m.rpError(w, r, "temporarily_unavailable", "login state could not be stored", state)
		return
	}
	if adm != nil {
		m.afterLogin(*adm, false)
	}
	p := url.Values{"code": {ours}}
	if state != "" {
		p.Set("state", state)
	}
	m.redirectRP(w, r, p)
}

// loginState reads (and removes) what /auth stored under state; the
// default when it stored nothing.
func (m *Mediator) loginState(r *http.Request, state string) (loginState, error) {
	var ls loginState
	if state == "" {
		return ls, nil
	}
	key := storeKey("login", state)
	sealed, err := m.store.Take(r.Context(), key)
	if errors.Is(err, ErrNotFound) {
		return ls, nil
	}
	if err != nil {
		return ls, err
	}
	plain, err := m.seal.open(key, sealed)
	if err == nil {
		err = json.Unmarshal(plain, &ls)
	}
	return ls, err
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
