package mediator

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// testOP is a real OpenID provider (zitadel's op package over its example
// storage) running in-process. Logging in is automatic: the login page
// signs in whoever the test named with LoginAs.
type testOP struct {
	srv     *httptest.Server
	issuer  string
	storage *opStorage
	handler http.Handler

	mu     sync.Mutex
	user   string
	tamper func(claims map[string]any) // rewrites ID tokens at the token endpoint
	badKey *rsa.PrivateKey             // signs tampered tokens instead of the real key
	delay  time.Duration               // the token endpoint answers this late
	tokens atomic.Int32                // token requests received
}

// SlowTokens makes the token endpoint answer d late (a slow provider).
func (o *testOP) SlowTokens(d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.delay = d
}

// opStorage adds a groups claim to the example storage, and optionally
// signs with ES256 (cheap) instead of the example's RSA key.
type opStorage struct {
	*storage.Storage
	mu     sync.Mutex
	groups map[string][]string
	ec     *ecKey
}

// UseES256 switches signing to a P-256 key, so that benchmarks measure the
// relay rather than the provider's RSA signatures. Call it before any login.
func (s *opStorage) UseES256() {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	s.ec = &ecKey{k: k}
}

type ecKey struct{ k *ecdsa.PrivateKey }

func (e *ecKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.ES256 }
func (e *ecKey) Key() any                                    { return e.k }
func (e *ecKey) ID() string                                  { return "ec1" }
func (e *ecKey) Algorithm() jose.SignatureAlgorithm          { return jose.ES256 }
func (e *ecKey) Use() string                                 { return "sig" }

type ecPublic struct{ *ecKey }

func (e ecPublic) Key() any { return &e.k.PublicKey }

func (s *opStorage) SigningKey(ctx context.Context) (op.SigningKey, error) {
	if s.ec != nil {
		return s.ec, nil
	}
	return s.Storage.SigningKey(ctx)
}

func (s *opStorage) SignatureAlgorithms(ctx context.Context) ([]jose.SignatureAlgorithm, error) {
	if s.ec != nil {
		return []jose.SignatureAlgorithm{jose.ES256}, nil
	}
	return s.Storage.SignatureAlgorithms(ctx)
}

func (s *opStorage) KeySet(ctx context.Context) ([]op.Key, error) {
	if s.ec != nil {
		return []op.Key{ecPublic{s.ec}}, nil
	}
	return s.Storage.KeySet(ctx)
}

func (s *opStorage) SetGroups(user string, groups ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups[user] = groups
}

// SetUserinfoFromRequest puts the groups claim in the ID token when the
// `groups` scope was granted, as Dex does.
func (s *opStorage) SetUserinfoFromRequest(ctx context.Context, ui *oidc.UserInfo, tr op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, ui, tr, scopes); err != nil {
		return err
	}
	if slices.Contains(scopes, "groups") {
		s.mu.Lock()
		ui.AppendClaims("groups", s.groups[tr.GetSubject()])
		s.mu.Unlock()
	}
	return nil
}

func (s *opStorage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return claimsClient{c}, nil
}

// claimsClient puts profile and email claims into the ID token (GitLab reads
// preferred_username from it) and allows the groups scope.
type claimsClient struct{ op.Client }

func (claimsClient) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c claimsClient) IsScopeAllowed(s string) bool {
	return s == "groups" || c.Client.IsScopeAllowed(s)
}

// users is the OP's directory: id = username = the GitLab account.
type users map[string]*storage.User

func (u users) GetUserByID(id string) *storage.User { return u[id] }
func (u users) GetUserByUsername(n string) *storage.User {
	return u[n]
}
func (u users) ExampleClientID() string { return "service" }

func newTestOP(t testing.TB, clientID, secret, callback string, people ...string) *testOP {
	t.Helper()
	o := &testOP{}
	mux := http.NewServeMux()
	o.srv = httptest.NewServer(mux)
	t.Cleanup(o.srv.Close)
	o.issuer = o.srv.URL
	dir := users{}
	for _, p := range people {
		dir[p] = &storage.User{ID: p, Username: p, Password: "pw", FirstName: p, LastName: "Example",
			Email: p + "@example.com", EmailVerified: true}
	}
	clients := map[string]*storage.Client{clientID: storage.WebClient(clientID, secret, callback, rpCallback)}
	o.storage = &opStorage{Storage: storage.NewStorageWithClients(dir, clients), groups: map[string][]string{}}
	cfg := &op.Config{CryptoKey: sha256.Sum256([]byte("test op")), CodeMethodS256: true, AuthMethodPost: true}
	provider, err := op.NewProvider(cfg, o.storage, op.StaticIssuer(o.issuer), op.WithAllowInsecure())
	if err != nil {
		t.Fatal(err)
	}
	o.handler = provider
	mux.HandleFunc("/login/username", o.login)
	mux.HandleFunc("/oauth/token", o.token)
	mux.Handle("/", provider)
	return o
}

// LoginAs names who signs in at the next login.
func (o *testOP) LoginAs(user string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.user = user
}

// Tamper makes the token endpoint re-sign ID tokens after f rewrote their
// claims, with key (nil = the provider's own key).
func (o *testOP) Tamper(f func(map[string]any), key *rsa.PrivateKey) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.tamper, o.badKey = f, key
}

func (o *testOP) login(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("authRequestID")
	o.mu.Lock()
	user := o.user
	o.mu.Unlock()
	if err := o.storage.CheckUsernamePassword(user, "pw", id); err != nil {
		http.Error(w, err.Error(), http.StatusForbidden)
		return
	}
	http.Redirect(w, r, "/authorize/callback?id="+id, http.StatusFound)
}

// token serves the real token endpoint, then rewrites the ID token when a
// test asked for it.
func (o *testOP) token(w http.ResponseWriter, r *http.Request) {
	o.tokens.Add(1)
	o.mu.Lock()
	tamper, badKey, delay := o.tamper, o.badKey, o.delay
	o.mu.Unlock()
	time.Sleep(delay)
	if tamper == nil {
		o.handler.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	o.handler.ServeHTTP(rec, r)
	var body map[string]any
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &body) != nil {
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		return
	}
	raw, _ := body["id_token"].(string)
	parts := strings.Split(raw, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims map[string]any
	_ = json.Unmarshal(payload, &claims)
	tamper(claims)
	sk, _ := o.storage.SigningKey(r.Context())
	key := sk.Key()
	if badKey != nil {
		key = badKey
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: sk.ID()}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	b, _ := json.Marshal(claims)
	jws, err := signer.Sign(b)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	body["id_token"], _ = jws.CompactSerialize()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

func otherKey(t testing.TB) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// syncBuffer is a log sink tests read while the mediator writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
