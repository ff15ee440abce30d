package mediator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/coreos/go-oidc/v3/oidc"
)

// upstream is the OIDC provider, discovered on first use and then kept:
// the provider may start after the mediator (as in docker-compose).
type upstream struct {
	issuer, clientID, secret, callback string
	client                             *http.Client
	ctx                                context.Context // lives as long as the mediator: go-oidc fetches keys with it

	mu   sync.Mutex
	info *upstreamInfo
}

type upstreamInfo struct {
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
	meta     providerMeta
}

// providerMeta is the part of the provider's discovery document the
// mediator uses or republishes.
type providerMeta struct {
	Issuer           string   `json:"issuer"`
	AuthURL          string   `json:"authorization_endpoint"`
	TokenURL         string   `json:"token_endpoint"`
	UserinfoURL      string   `json:"userinfo_endpoint"`
	JWKSURL          string   `json:"jwks_uri"`
	ResponseTypes    []string `json:"response_types_supported"`
	SubjectTypes     []string `json:"subject_types_supported"`
	IDTokenAlgs      []string `json:"id_token_signing_alg_values_supported"`
	Scopes           []string `json:"scopes_supported"`
	Claims           []string `json:"claims_supported"`
	CodeChallenge    []string `json:"code_challenge_methods_supported"`
	TokenAuthMethods []string `json:"token_endpoint_auth_methods_supported"`
}

func (u *upstream) get(ctx context.Context) (*upstreamInfo, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.info != nil {
		return u.info, nil
	}
	// Discovery uses the request's deadline; the key set keeps u.ctx.
	p, err := oidc.NewProvider(oidc.ClientContext(u.ctx, u.client), u.issuer)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("discover provider %s: %w", u.issuer, err)
	}
	info := &upstreamInfo{provider: p, verifier: p.Verifier(&oidc.Config{ClientID: u.clientID})}
	if err := p.Claims(&info.meta); err != nil {
		return nil, fmt.Errorf("provider discovery document: %w", err)
	}
	u.info = info
	return info, nil
}

// idClaims are the ID token claims the mediator acts on.
type idClaims struct {
	Subject           string     `json:"sub"`
	PreferredUsername string     `json:"preferred_username"`
	Email             string     `json:"email"`
	ObjectID          string     `json:"oid"` // Entra ID's user object id, for Microsoft Graph
	Groups            stringList `json:"groups"`
}

// stringList reads a claim that is a list of strings or a single string.
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = stringList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("groups claim: %w", err)
	}
	*l = many
	return nil
}

// tokenError is the provider's refusal of a token request (RFC 6749 §5.2).
type tokenError struct {
	Status int
	Code   string
}

func (e *tokenError) Error() string {
	return fmt.Sprintf("provider refused the token request: HTTP %d %s", e.Status, e.Code)
}

// errIDToken marks an ID token that failed verification.
var errIDToken = errors.New("ID token rejected")

// exchange redeems the provider's code (once: the mediator never retries it)
// and verifies the ID token before returning anything. raw is the
// provider's token response, byte for byte.
func (u *upstream) exchange(ctx context.Context, code, verifier string) (raw []byte, claims idClaims, err error) {
	info, err := u.get(ctx)
	if err != nil {
		return nil, claims, err
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {u.callback}}
	if verifier != "" {
		form.Set("code_verifier", verifier)
	}
	post := slices.Contains(info.meta.TokenAuthMethods, "client_secret_post") &&
		!slices.Contains(info.meta.TokenAuthMethods, "client_secret_basic")
	if post {
		form.Set("client_id", u.clientID)
		form.Set("client_secret", u.secret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, info.meta.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, claims, fmt.Errorf("token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if !post { // RFC 6749 §2.3.1: form-encode both before Basic
		req.SetBasicAuth(url.QueryEscape(u.clientID), url.QueryEscape(u.secret))
	}
	resp, err := u.client.Do(req)
	if err != nil {
		return nil, claims, fmt.Errorf("token request: %w", err)
	}
	defer resp.Body.Close()
	raw, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, claims, fmt.Errorf("token response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(raw, &e)
		return nil, claims, &tokenError{Status: resp.StatusCode, Code: e.Error}
	}
	var tr struct {
		IDToken string `json:"id_token"`
	}
	if err := json.Unmarshal(raw, &tr); err != nil {
		return nil, claims, fmt.Errorf("token response is not JSON: %w", err)
	}
	if tr.IDToken == "" {
		return nil, claims, fmt.Errorf("%w: the token response has no id_token", errIDToken)
	}
	tok, err := info.verifier.Verify(ctx, tr.IDToken)
	if err != nil {
		return nil, claims, fmt.Errorf("%w: %w", errIDToken, err)
	}
	if err := tok.Claims(&claims); err != nil {
		return nil, claims, fmt.Errorf("%w: claims: %w", errIDToken, err)
	}
	return raw, claims, nil
}
