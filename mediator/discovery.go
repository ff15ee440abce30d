package mediator

import (
	"encoding/json"
	"net/http"
	"slices"
)

// handleDiscovery describes the mediator's endpoints. The issuer stays the
// provider's, because the ID tokens are the provider's: a relying party
// verifies them against the provider's issuer and keys (served at /keys).
func (m *Mediator) handleDiscovery(w http.ResponseWriter, r *http.Request) {
	info, err := m.up.get(r.Context())
	if err != nil {
		m.log.Error("provider unavailable", "err", err)
		http.Error(w, "the identity provider is unreachable", http.StatusBadGateway)
		return
	}
	p := info.meta
	scopes := p.Scopes
	if m.cfg.Groups && len(scopes) > 0 && !slices.Contains(scopes, "groups") {
		scopes = append(append([]string(nil), scopes...), "groups")
	}
	doc := map[string]any{
		"issuer":                                p.Issuer,
		"authorization_endpoint":                m.cfg.Self + "/auth",
		"token_endpoint":                        m.cfg.Self + "/token",
		"userinfo_endpoint":                     m.cfg.Self + "/userinfo",
		"jwks_uri":                              m.cfg.Self + "/keys",
		"response_types_supported":              []string{"code"},
		"grant_types_supported":                 []string{"authorization_code"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
	}
	for k, v := range map[string][]string{
		"subject_types_supported":               p.SubjectTypes,
		"id_token_signing_alg_values_supported": p.IDTokenAlgs,
		"scopes_supported":                      scopes,
		"claims_supported":                      p.Claims,
		"code_challenge_methods_supported":      p.CodeChallenge,
	} {
		if len(v) > 0 {
			doc[k] = v
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_ = json.NewEncoder(w).Encode(doc)
}
