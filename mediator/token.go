package mediator

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
)

// handleToken redeems a mediator code for the provider's token response,
// unchanged. The relying party authenticates as the mediator's client
// (client_secret_basic, as GitLab does by default, or client_secret_post).
// A code is taken from the store in one step, so it works exactly once.
func (m *Mediator) handleToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		tokenErr(w, http.StatusBadRequest, "invalid_request", "the request body is not a form")
		return
	}
	id, secret, basic := r.BasicAuth()
	ok := false
	if basic {
		// RFC 6749 §2.3.1 form-encodes both; some clients do not.
		uid, err1 := url.QueryUnescape(id)
		usecret, err2 := url.QueryUnescape(secret)
		ok = m.clientOK(id, secret) || (err1 == nil && err2 == nil && m.clientOK(uid, usecret))
	} else {
		ok = m.clientOK(r.PostForm.Get("client_id"), r.PostForm.Get("client_secret"))
	}
	if !ok {
		if basic {
			w.Header().Set("WWW-Authenticate", `Basic realm="authz-mediator"`)
		}
		m.metrics.tokens.WithLabelValues("invalid_client").Inc()
		tokenErr(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != "authorization_code" {
		tokenErr(w, http.StatusBadRequest, "unsupported_grant_type", "only authorization_code is relayed")
		return
	}
	key := storeKey("code", r.PostForm.Get("code"))
	sealed, err := m.store.Take(r.Context(), key)
	if err != nil && !errors.Is(err, ErrNotFound) {
		// Not the code's fault: the relying party may retry the login.
		m.log.Error("read login state", "err", err)
		m.metrics.tokens.WithLabelValues("temporarily_unavailable").Inc()
		tokenErr(w, http.StatusServiceUnavailable, "temporarily_unavailable", "login state could not be read; try again")
		return
	}
	if err != nil {
		m.metrics.tokens.WithLabelValues("invalid_grant").Inc()
		tokenErr(w, http.StatusBadRequest, "invalid_grant", "the code is unknown, expired or already used")
		return
	}
	var g grant
	plain, err := m.seal.open(key, sealed)
	if err == nil {
		err = json.Unmarshal(plain, &g)
	}
	if err != nil {
		m.log.Error("login state is unreadable", "err", err)
		tokenErr(w, http.StatusBadRequest, "invalid_grant", "the code is unknown, expired or already used")
		return
	}
	want := g.RedirectURI
	if want == "" {
		want = m.cfg.Redirect
	}
	if ru := r.PostForm.Get("redirect_uri"); ru != "" && ru != want {
		// RFC 6749 §4.1.3: the one sent at /auth. The code is spent either way.
		m.metrics.tokens.WithLabelValues("invalid_grant").Inc()
		tokenErr(w, http.StatusBadRequest, "invalid_grant", "redirect_uri does not match the authorization request")
		return
	}
	raw := []byte(g.Token)
	if g.ProviderCode != "" {
		// PKCE: the provider checks the relying party's verifier itself.
		var claims idClaims
		raw, claims, err = m.up.exchange(r.Context(), g.ProviderCode, r.PostForm.Get("code_verifier"))
		if err != nil {
			m.exchangeFailed(err)
			m.metrics.tokens.WithLabelValues("invalid_grant").Inc()
			tokenErr(w, http.StatusBadRequest, "invalid_grant", "the provider did not grant the code")
			return
		}
		adm := m.admit(claims)
		if adm == nil {
			m.metrics.tokens.WithLabelValues("access_denied").Inc()
			tokenErr(w, http.StatusBadRequest, "invalid_grant", "access_denied: not a member of a group required here")
			return
		}
		m.afterLogin(*adm, true)
	}
	m.metrics.tokens.WithLabelValues("ok").Inc()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	_, _ = w.Write(raw)
}

func (m *Mediator) clientOK(id, secret string) bool {
	okID := subtle.ConstantTimeCompare([]byte(id), []byte(m.cfg.ID)) == 1
	okSecret := subtle.ConstantTimeCompare([]byte(secret), []byte(m.cfg.Secret)) == 1
	return okID && okSecret
}

// tokenErr writes an RFC 6749 §5.2 error response.
func tokenErr(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}
