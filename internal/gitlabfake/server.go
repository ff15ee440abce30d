// Package gitlabfake is a stateful fake of the GitLab REST API v4, served by
// net/http/httptest, that the GitLab client library
// (gitlab.com/gitlab-org/api/client-go) talks to unchanged.
//
// It copies the published API (docs.gitlab.com: api/groups.md,
// api/members.md, api/users.md, api/rest/index.md for pagination,
// user/gitlab_com for rate limits) for the endpoints reconcile and the
// mediator use: groups by id or URL-encoded full path, direct and inherited
// members with offset pagination, member add/update/remove with the real
// conflict and last-owner refusals, user lookup and block/unblock, and the
// RateLimit-* headers with 429 and Retry-After. Each handler says which real
// behaviour it copies. Tests, benchmarks and the sandbox seed it through the
// methods in state.go and make it misbehave through InjectFault.
package gitlabfake

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server is one fake GitLab instance. All methods are safe for concurrent
// use.
type Server struct {
	srv        *httptest.Server
	tls        bool
	token      string
	latency    time.Duration
	maxPerPage int
	rlLimit    int
	rlWindow   time.Duration
	closing    chan struct{}
	closeOnce  sync.Once

	mu          sync.Mutex
	users       map[int]*user
	userByName  map[string]int // lower-case username -> id
	later       map[string]*laterUser
	groups      map[int]*group
	groupByPath map[string]int      // lower-case full path -> id
	projects    map[string]*project // lower-case full path
	nextUser    int
	nextGroup   int
	counts      map[string]int
	total       int
	faults      []*activeFault
	rlWindowID  int64
	rlCount     int
	removals    []Removal
}

// Option configures New.
type Option func(*Server)

// WithTLS serves HTTPS with httptest's self-signed certificate; Client()
// trusts it and CACertPEM() returns it for SSL_CERT_FILE.
func WithTLS() Option { return func(s *Server) { s.tls = true } }

// WithToken sets the token the API accepts (default "glpat-fake-token").
func WithToken(tok string) Option { return func(s *Server) { s.token = tok } }

// WithLatency delays every response by d, like a remote server.
func WithLatency(d time.Duration) Option { return func(s *Server) { s.latency = d } }

// WithRateLimit throttles to perWindow requests per fixed window, aligned to
// multiples of window since the Unix epoch as Rack::Attack does; GitLab.com
// uses a one-minute window, tests scale it down.
func WithRateLimit(perWindow int, window time.Duration) Option {
	return func(s *Server) { s.rlLimit, s.rlWindow = perWindow, window }
}

// WithMaxPerPage lowers the per_page ceiling (GitLab's is 100).
func WithMaxPerPage(n int) Option { return func(s *Server) { s.maxPerPage = n } }

// New starts a fake GitLab. Close it when done.
func New(opts ...Option) *Server {
	s := &Server{
		token:       "glpat-fake-token",
		maxPerPage:  100,
		closing:     make(chan struct{}),
		users:       map[int]*user{},
		userByName:  map[string]int{},
		later:       map[string]*laterUser{},
		groups:      map[int]*group{},
		groupByPath: map[string]int{},
		projects:    map[string]*project{},
		nextUser:    1,
		nextGroup:   1,
		counts:      map[string]int{},
	}
	for _, o := range opts {
		o(s)
	}
	tls := s.tls
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	// Clients that hang up mid-handshake (a closed sandbox, a timed-out
	// test) are normal here; net/http would print each to the std logger.
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if tls {
		s.srv.StartTLS()
	} else {
		s.srv.Start()
	}
	return s
}

// URL is the instance's base URL; the API is under URL()+"/api/v4".
func (s *Server) URL() string { return s.srv.URL }

// Client is an *http.Client that trusts the server (also under WithTLS).
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Token is the token the API accepts.
func (s *Server) Token() string { return s.token }

// CACertPEM is the PEM of the TLS certificate, nil without WithTLS.
func (s *Server) CACertPEM() []byte {
	if s.srv.Certificate() == nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw})
}

// Certificate is the TLS certificate, nil without WithTLS.
func (s *Server) Certificate() *x509.Certificate { return s.srv.Certificate() }

// Close stops the server; requests held by a timeout fault are released.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closing) })
	s.srv.Close()
}

// route is a parsed API path: the route key used for counting and the
// path parameters.
type route struct {
	key    string // e.g. "GET /api/v4/groups/:id/members"
	group  string // :id of groups (unescaped id or full path)
	userID string // :user_id or users/:id
}

// parseRoute maps the escaped path to a route. Group ids may be URL-encoded
// full paths ("platform%2Fbackend"), so the path is split before unescaping,
// as GitLab's router does (docs: api/rest/index.md, "Namespaced paths").
func parseRoute(method, escaped string) route {
	rest, ok := strings.CutPrefix(escaped, "/api/v4/")
	if !ok {
		return route{key: method + " " + escaped}
	}
	seg := strings.Split(strings.TrimSuffix(rest, "/"), "/")
	un := func(s string) string {
		v, err := url.PathUnescape(s)
		if err != nil {
			return s
		}
		return v
	}
	r := route{}
	pattern := make([]string, len(seg))
	copy(pattern, seg)
	switch {
	case seg[0] == "groups" && len(seg) >= 2:
		r.group = un(seg[1])
		pattern[1] = ":id"
		if len(seg) >= 4 && seg[2] == "members" {
			if seg[3] == "all" {
				if len(seg) == 5 {
					r.userID, pattern[4] = un(seg[4]), ":user_id"
				}
			} else {
				r.userID, pattern[3] = un(seg[3]), ":user_id"
			}
		}
	case seg[0] == "users" && len(seg) >= 2:
		r.userID, pattern[1] = un(seg[1]), ":id"
	}
	r.key = method + " /api/v4/" + strings.Join(pattern, "/")
	return r
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	rt := parseRoute(r.Method, r.URL.EscapedPath())
	s.mu.Lock()
	s.counts[rt.key]++
	s.total++
	s.mu.Unlock()

	if s.latency > 0 {
		select {
		case <-time.After(s.latency):
		case <-r.Context().Done():
			return
		case <-s.closing:
			return
		}
	}
	// Auth: a personal access token in PRIVATE-TOKEN (or the private_token
	// parameter), or an OAuth token as "Authorization: Bearer" (docs:
	// api/rest/authentication.md); otherwise 401 {"message":"401 Unauthorized"}.
	if !s.authorized(r) {
		writeJSON(w, http.StatusUnauthorized, msg("401 Unauthorized"))
		return
	}
	if s.throttled(w) {
		return
	}
	p, err := readParams(r)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body is not valid JSON"})
		return
	}
	if s.fault(w, r, rt, p) {
		return
	}
	s.dispatch(w, r, rt, p)
}

func (s *Server) authorized(r *http.Request) bool {
	tok := r.Header.Get("PRIVATE-TOKEN")
	if tok == "" {
		tok = r.URL.Query().Get("private_token")
	}
	if tok == "" {
		if b, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			tok = b
		}
	}
	return tok != "" && tok == s.token
}

func (s *Server) dispatch(w http.ResponseWriter, r *http.Request, rt route, p params) {
	switch strings.TrimPrefix(rt.key, r.Method+" ") {
	case "/api/v4/groups":
		s.handleListGroups(w, r, p)
	case "/api/v4/groups/:id":
		s.handleGetGroup(w, r, rt)
	case "/api/v4/groups/:id/subgroups":
		s.handleSubgroups(w, r, rt, p)
	case "/api/v4/groups/:id/members":
		switch r.Method {
		case http.MethodGet:
			s.handleListMembers(w, r, rt, p, false)
		case http.MethodPost:
			s.handleAddMember(w, rt, p)
		default:
			notFoundRoute(w)
		}
	case "/api/v4/groups/:id/members/all":
		s.handleListMembers(w, r, rt, p, true)
	case "/api/v4/groups/:id/members/:user_id":
		switch r.Method {
		case http.MethodGet:
			s.handleGetMember(w, rt, false)
		case http.MethodPut:
			s.handleEditMember(w, rt, p)
		case http.MethodDelete:
			s.handleRemoveMember(w, rt, p)
		default:
			notFoundRoute(w)
		}
	case "/api/v4/groups/:id/members/all/:user_id":
		s.handleGetMember(w, rt, true)
	case "/api/v4/users":
		s.handleListUsers(w, r, p)
	case "/api/v4/users/:id":
		s.handleGetUser(w, rt)
	case "/api/v4/users/:id/block":
		s.handleBlock(w, r, rt, true)
	case "/api/v4/users/:id/unblock":
		s.handleBlock(w, r, rt, false)
	default:
		notFoundRoute(w)
	}
}

// notFoundRoute copies Grape's answer for an unknown route.
func notFoundRoute(w http.ResponseWriter) {
	writeJSON(w, http.StatusNotFound, map[string]string{"error": "404 Not Found"})
}

func msg(m string) map[string]any { return map[string]any{"message": m} }

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// params merges the query string, a form body and a JSON body: the real
// API (Grape) accepts every parameter in any of them.
type params map[string]string

func readParams(r *http.Request) (params, error) {
	p := params{}
	for k, v := range r.URL.Query() {
		p[k] = v[0]
	}
	ct := r.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "application/json"):
		var body map[string]any
		dec := json.NewDecoder(r.Body)
		dec.UseNumber()
		if err := dec.Decode(&body); err != nil && err.Error() != "EOF" {
			return nil, err
		}
		for k, v := range body {
			if v != nil {
				p[k] = fmt.Sprint(v)
			}
		}
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
		if err := r.ParseForm(); err == nil {
			for k, v := range r.PostForm {
				p[k] = v[0]
			}
		}
	}
	return p, nil
}

func (p params) bool(k string) bool {
	b, _ := strconv.ParseBool(p[k])
	return b
}
