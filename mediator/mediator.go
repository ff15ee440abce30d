package mediator

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Lifetimes of login state.
const (
	// codeTTL bounds the time between the mediator's redirect to the
	// relying party and its token request (RFC 6749 §4.1.2 advises ≤ 10 min).
	codeTTL = 2 * time.Minute
	// authTTL bounds the time a person takes to log in at the provider.
	authTTL = 10 * time.Minute
)

// Identity is the person behind a verified ID token.
type Identity struct {
	Subject  string
	Username string // preferred_username: the GitLab account
	Email    string
	ObjectID string // Entra ID object id, when the provider is Entra ID
}

// Account is the GitLab account name: preferred_username, else email.
func (id Identity) Account() string {
	if id.Username != "" {
		return id.Username
	}
	return id.Email
}

// Backend applies a person's groups to the service after a login.
type Backend interface {
	// Sync makes the person's memberships in the included groups equal to
	// groups (already mapped and filtered by included_groups).
	Sync(ctx context.Context, who Identity, groups []string) error
}

// Mediator is the OIDC relay. Build it with New, serve Handler.
type Mediator struct {
	cfg     *Config
	log     *slog.Logger
	client  *http.Client
	store   Store
	seal    *sealer
	up      *upstream
	rules   GroupRules
	backend Backend
	known   *KnownUsers
	metrics *metrics
	keys    jwksCache
	ctx     context.Context // background work lives as long as this
	wg      sync.WaitGroup
}

// Option adjusts a Mediator built by New.
type Option func(*Mediator)

// WithStore replaces the in-memory login store (e.g. with a shared one).
func WithStore(s Store) Option { return func(m *Mediator) { m.store = s } }

// WithHTTPClient sets the client used to reach the provider and GitLab.
func WithHTTPClient(c *http.Client) Option { return func(m *Mediator) { m.client = c } }

// WithBackend replaces the backend built from the configuration.
func WithBackend(b Backend) Option { return func(m *Mediator) { m.backend = b } }

// New builds a mediator. ctx bounds its background work (membership sync,
// key fetches): cancel it on shutdown, then call Wait.
func New(ctx context.Context, cfg *Config, log *slog.Logger, opts ...Option) (*Mediator, error) {
	m := &Mediator{cfg: cfg, log: log, client: http.DefaultClient, ctx: ctx,
		rules:   GroupRules{Map: cfg.GroupMap, Included: cfg.IncludedGroups, Required: cfg.RequiredGroups},
		known:   NewKnownUsers(),
		metrics: newMetrics()}
	for _, o := range opts {
		o(m)
	}
	if m.store == nil {
		m.store = NewMemoryStore(0)
	}
	s, err := newSealer(cfg.Secret)
	if err != nil {
		return nil, err
	}
	m.seal = s
	m.up = &upstream{issuer: cfg.Provider, clientID: cfg.ID, secret: cfg.Secret,
		callback: cfg.Self + "/callback", client: m.client, ctx: ctx}
	if m.backend == nil && cfg.Backend == "gitlab" {
		b, err := NewGitLabBackend(cfg, m.client, log)
		if err != nil {
			return nil, err
		}
		m.backend = b
	}
	return m, nil
}

// Handler serves every endpoint of the mediator.
func (m *Mediator) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /auth", m.handleAuth)
	mux.HandleFunc("GET /callback", m.handleCallback)
	mux.HandleFunc("POST /token", m.handleToken)
	mux.HandleFunc("/userinfo", m.handleUserinfo)
	mux.HandleFunc("GET /keys", m.handleKeys)
	mux.HandleFunc("GET /.well-known/openid-configuration", m.handleDiscovery)
	mux.HandleFunc("GET /healthz", m.handleHealth)
	mux.Handle("GET /metrics", m.metrics.handler())
	return mux
}

// KnownUsers is the set of people seen at login, for enforcement.
func (m *Mediator) KnownUsers() *KnownUsers { return m.known }

// Wait blocks until background membership syncs have finished.
func (m *Mediator) Wait() { m.wg.Wait() }

// admit applies the group rules to a verified login: it returns false when
// required_groups refuse it, else records the person and starts the
// backend sync in the background.
func (m *Mediator) admit(c idClaims) bool {
	who := Identity{Subject: c.Subject, Username: c.PreferredUsername, Email: c.Email, ObjectID: c.ObjectID}
	mapped := m.rules.Mapped(c.Groups)
	if !m.rules.Admitted(mapped) {
		m.metrics.logins.WithLabelValues("refused").Inc()
		m.log.Info("login refused: no required group", "user", who.Account(), "groups", len(mapped))
		return false
	}
	m.metrics.logins.WithLabelValues("admitted").Inc()
	m.log.Info("login admitted", "user", who.Account(), "groups", len(mapped))
	m.known.Remember(who)
	if m.backend == nil {
		return true
	}
	included := m.rules.IncludedOf(mapped)
	m.wg.Add(1)
	go func() { // never delays the login
		defer m.wg.Done()
		start := time.Now()
		err := m.backend.Sync(m.ctx, who, included)
		m.metrics.syncSeconds.Observe(time.Since(start).Seconds())
		if err != nil {
			m.metrics.syncs.WithLabelValues("error").Inc()
			m.log.Error("membership sync failed", "user", who.Account(), "err", err)
			return
		}
		m.metrics.syncs.WithLabelValues("ok").Inc()
	}()
	return true
}

// redirectRP sends the browser to the relying party's callback with params.
func (m *Mediator) redirectRP(w http.ResponseWriter, r *http.Request, params url.Values) {
	if err := redirectWith(w, r, m.cfg.Redirect, params); err != nil { // validated at start
		http.Error(w, "bad redirect configuration", http.StatusInternalServerError)
	}
}

// redirectWith sends the browser to base with params merged into its query
// (a param replaces base's value of the same name). Nothing is written when
// base is not a URL.
func redirectWith(w http.ResponseWriter, r *http.Request, base string, params url.Values) error {
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	q := u.Query()
	for k, vs := range params {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u.String(), http.StatusFound)
	return nil
}

// rpError redirects an OIDC error to the relying party (RFC 6749 §4.1.2.1).
func (m *Mediator) rpError(w http.ResponseWriter, r *http.Request, code, desc, state string) {
	p := url.Values{"error": {code}, "error_description": {desc}}
	if state != "" {
		p.Set("state", state)
	}
	m.redirectRP(w, r, p)
}
