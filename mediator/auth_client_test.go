package mediator

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAuthRefusesAClientIDOtherThanConfigured: /auth answers 400 itself,
// never relaying to the provider, when client_id is not the mediator's
// (RFC 6749 §4.1.2.1: with an invalid client the authorization server
// must not redirect). The configured client_id, as a control, is relayed.
func TestAuthRefusesAClientIDOtherThanConfigured(t *testing.T) {
	e := newEnv(t, nil, "alice")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tc := range []struct {
		name, clientID string
		relayed        bool
	}{
		{"configured", testClientID, true},
		{"other", "another-client", false},
		{"other case", strings.ToUpper(testClientID), false},
		{"empty", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := e.medURL + "/auth?" + url.Values{"client_id": {tc.clientID}, "response_type": {"code"},
				"redirect_uri": {rpCallback}, "state": {"s"}, "scope": {"openid"}}.Encode()
			resp, err := client.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			loc := resp.Header.Get("Location")
			if tc.relayed {
				if resp.StatusCode != http.StatusFound || loc == "" || strings.HasPrefix(loc, rpCallback) {
					t.Fatalf("configured client_id: HTTP %d to %q, want a redirect to the provider", resp.StatusCode, loc)
				}
				return
			}
			if resp.StatusCode != http.StatusBadRequest || loc != "" || !strings.Contains(string(body), "client_id") {
				t.Fatalf("client_id %q: HTTP %d to %q (%s), want 400 naming client_id and no redirect", tc.clientID, resp.StatusCode, loc, body)
			}
		})
	}
}
