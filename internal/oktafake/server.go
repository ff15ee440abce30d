// Package oktafake is a stateful fake of the Okta Management API (the parts
// reconcile and the mediator use: groups, group members, users, group rules)
// served by net/http/httptest, so that github.com/okta/okta-sdk-golang/v2
// talks to it unchanged.
//
// It copies the published behaviour of the real API (developer.okta.com,
// Management API reference and "Rate limits"); each handler says which part.
// Tests seed it directly (AddUser, AddGroup, AddMember, ...), inject faults
// (InjectFault) and count requests per endpoint (Requests).
package oktafake

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"time"
)

// User statuses of the Okta user lifecycle (Users API, "User status").
const (
	StatusActive          = "ACTIVE"
	StatusStaged          = "STAGED"
	StatusProvisioned     = "PROVISIONED"
	StatusSuspended       = "SUSPENDED"
	StatusDeprovisioned   = "DEPROVISIONED" // deactivated
	StatusLockedOut       = "LOCKED_OUT"
	StatusPasswordExpired = "PASSWORD_EXPIRED"
	StatusRecovery        = "RECOVERY"
)

// Group types (Groups API, "Group type").
const (
	TypeOkta    = "OKTA_GROUP"
	TypeApp     = "APP_GROUP"
	TypeBuiltIn = "BUILT_IN"
)

type user struct {
	id, login, email, status string
	created, updated         time.Time
}

type group struct {
	id, name, typ, description string
	created, updated           time.Time
	membersUpdated             time.Time
	// members maps a user id to the time the membership becomes visible
	// in listings (WithMembershipLag); the truth is immediate.
	members map[string]time.Time
}

type rule struct {
	id, name, status string
	groupIDs         []string
	created          time.Time
}

// Server is the fake Okta org. All methods are safe for concurrent use.
type Server struct {
	ts      *httptest.Server
	mux     *http.ServeMux
	token   string
	tls     bool
	latency time.Duration
	pageCap int
	lag     time.Duration
	rl      rateConfig
	closing chan struct{}
	once    sync.Once

	mu      sync.Mutex
	seq     int
	users   map[string]*user // by id
	byLogin map[string]string
	groups  map[string]*group // by id
	gorder  []string          // group ids in creation (= id) order
	uorder  []string          // user ids in creation (= id) order
	byName  map[string][]string
	rules   []*rule
	counts  map[string]int
	total   int
	limited int // 429s from an empty bucket (not injected ones)
	faults  []*Fault
	badUser map[string]int // user id -> status for writes concerning it
	buckets map[string]*bucket
}

// Option configures New.
type Option func(*Server)

// WithTLS serves HTTPS with httptest's certificate; Client trusts it and
// CertPEM returns it for SSL_CERT_FILE.
func WithTLS() Option { return func(s *Server) { s.tls = true } }

// WithToken sets the API token the server accepts (Authorization: SSWS tok).
func WithToken(tok string) Option { return func(s *Server) { s.token = tok } }

// WithLatency delays every response by d, like a remote org.
func WithLatency(d time.Duration) Option { return func(s *Server) { s.latency = d } }

// WithRateLimit replaces Okta's per-minute limits: every endpoint bucket
// allows limitPerMinute requests per window (a minute scaled down in time
// for tests and benchmarks). limitPerMinute 0 turns enforcement off; the
// headers are still sent.
func WithRateLimit(limitPerMinute int, window time.Duration) Option {
	return func(s *Server) { s.rl = rateConfig{override: true, limit: limitPerMinute, window: window} }
}

// WithPageSize caps every page below the documented maximum, so tests can
// exercise pagination with few objects.
func WithPageSize(n int) Option { return func(s *Server) { s.pageCap = n } }

// WithMembershipLag makes a member added through the API appear in member
// listings only after d, as Okta's listings may briefly lag a write.
func WithMembershipLag(d time.Duration) Option { return func(s *Server) { s.lag = d } }

// New starts a fake org; Close stops it.
func New(opts ...Option) *Server {
	s := &Server{
		closing: make(chan struct{}),
		users:   map[string]*user{},
		byLogin: map[string]string{},
		groups:  map[string]*group{},
		byName:  map[string][]string{},
		counts:  map[string]int{},
		badUser: map[string]int{},
		buckets: map[string]*bucket{},
		rl:      rateConfig{window: time.Minute},
	}
	for _, o := range opts {
		o(s)
	}
	if s.token == "" {
		s.token = "00" + randHex(20)
	}
	s.mux = s.routes()
	h := s.middleware(s.mux)
	s.ts = httptest.NewUnstartedServer(h)
	// Clients that hang up mid-handshake (a closed sandbox, a timed-out
	// test) are normal here; net/http would print each to the std logger.
	s.ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	if s.tls {
		s.ts.StartTLS()
	} else {
		s.ts.Start()
	}
	return s
}

// URL is the org URL (scheme and host), as given to the SDK's WithOrgUrl.
func (s *Server) URL() string { return s.ts.URL }

// Client is an *http.Client that trusts the server (also over TLS).
func (s *Server) Client() *http.Client { return s.ts.Client() }

// Token is the API token the server accepts.
func (s *Server) Token() string { return s.token }

// CertPEM is the server's TLS certificate in PEM (nil without WithTLS).
func (s *Server) CertPEM() []byte {
	if s.ts.Certificate() == nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.ts.Certificate().Raw})
}

// Close releases requests held by a timeout fault and stops the server.
func (s *Server) Close() {
	s.once.Do(func() { close(s.closing) })
	s.ts.Close()
}

func randHex(n int) string {
	b := make([]byte, n/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newID makes an Okta-shaped id: a 3-character type prefix ("00u" users,
// "00g" groups, "0pr" rules) and 17 characters, increasing so that listings
// ordered by id are in creation order. Caller holds s.mu.
func (s *Server) newID(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s%s%09d", prefix, "fake0000", s.seq)
}

// AddUser creates an ACTIVE user and returns its id.
func (s *Server) AddUser(login, email string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.byLogin[strings.ToLower(login)]; ok {
		panic(fmt.Sprintf("oktafake: AddUser: login %q exists (%s)", login, id))
	}
	now := time.Now().UTC()
	u := &user{id: s.newID("00u"), login: login, email: email, status: StatusActive, created: now, updated: now}
	s.users[u.id] = u
	s.uorder = append(s.uorder, u.id)
	s.byLogin[strings.ToLower(login)] = u.id
	return u.id
}

// SetUserStatus sets a user's lifecycle status (login or id).
func (s *Server) SetUserStatus(login, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.mustUser(login)
	u.status, u.updated = status, time.Now().UTC()
}

// RenameUser changes a user's login (profile.login); the id stays.
func (s *Server) RenameUser(id, newLogin string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.mustUser(id)
	delete(s.byLogin, strings.ToLower(u.login))
	u.login, u.updated = newLogin, time.Now().UTC()
	s.byLogin[strings.ToLower(newLogin)] = u.id
}

// UserID returns the id of a login, "" when there is none.
func (s *Server) UserID(login string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byLogin[strings.ToLower(login)]
}

// AddGroup creates a group of type typ (OKTA_GROUP when empty) and returns
// its id. Names need not be unique, as APP_GROUPs from two apps may share one.
func (s *Server) AddGroup(name, typ string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if typ == "" {
		typ = TypeOkta
	}
	return s.addGroupLocked(name, typ, "")
}

func (s *Server) addGroupLocked(name, typ, desc string) string {
	now := time.Now().UTC()
	g := &group{id: s.newID("00g"), name: name, typ: typ, description: desc, created: now, updated: now, membersUpdated: now, members: map[string]time.Time{}}
	s.groups[g.id] = g
	s.gorder = append(s.gorder, g.id)
	s.byName[name] = append(s.byName[name], g.id)
	return g.id
}

// GroupID returns the id of the first group with this exact name, "" when
// there is none.
func (s *Server) GroupID(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.findGroup(name); g != nil {
		return g.id
	}
	return ""
}

// AddMember puts a user (login or id) into a group (name or id) at once.
func (s *Server) AddMember(group, login string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, u := s.mustGroup(group), s.mustUser(login)
	g.members[u.id] = time.Time{}
	g.membersUpdated = time.Now().UTC()
}

// RemoveMember takes a user (login or id) out of a group (name or id).
func (s *Server) RemoveMember(group, login string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, u := s.mustGroup(group), s.mustUser(login)
	delete(g.members, u.id)
}

// Members lists the logins in a group (name or id), sorted: the truth,
// including members a lag still hides from listings.
func (s *Server) Members(group string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.mustGroup(group)
	out := make([]string, 0, len(g.members))
	for id := range g.members {
		out = append(out, s.users[id].login)
	}
	sort.Strings(out)
	return out
}

// AddGroupRule creates a group rule assigning users to the named groups
// (every group with each name); active sets status ACTIVE, else INACTIVE.
// The fake does not evaluate rule expressions: tests add the members.
func (s *Server) AddGroupRule(name string, groupNames []string, active bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := &rule{id: s.newID("0pr"), name: name, status: "INACTIVE", created: time.Now().UTC()}
	if active {
		r.status = "ACTIVE"
	}
	for _, n := range groupNames {
		ids := s.byName[n]
		if s.groups[n] != nil {
			ids = []string{n}
		}
		r.groupIDs = append(r.groupIDs, ids...)
		if len(ids) == 0 {
			panic(fmt.Sprintf("oktafake: AddGroupRule: no group %q", n))
		}
	}
	s.rules = append(s.rules, r)
}

// Requests is how many requests an endpoint answered (failed ones
// included). Keys are "METHOD path-pattern": "GET /api/v1/groups",
// "POST /api/v1/groups", "GET /api/v1/groups/rules", "GET /api/v1/groups/{id}",
// "GET /api/v1/groups/{id}/users", "PUT /api/v1/groups/{id}/users/{userId}",
// "DELETE /api/v1/groups/{id}/users/{userId}", "GET /api/v1/users",
// "GET /api/v1/users/{id}", "GET /api/v1/users/{id}/groups"; anything else
// is "other".
func (s *Server) Requests(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[key]
}

// TotalRequests counts every request.
func (s *Server) TotalRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

// RequestCounts is a copy of the per-endpoint counts.
func (s *Server) RequestCounts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.counts))
	for k, v := range s.counts {
		out[k] = v
	}
	return out
}

// Throttled counts the 429s the rate limit itself answered (injected
// RateLimited faults are not included).
func (s *Server) Throttled() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limited
}

// ResetCounts zeroes the request counters.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts, s.total, s.limited = map[string]int{}, 0, 0
}

func (s *Server) mustUser(loginOrID string) *user {
	if u := s.users[loginOrID]; u != nil {
		return u
	}
	if id, ok := s.byLogin[strings.ToLower(loginOrID)]; ok {
		return s.users[id]
	}
	panic(fmt.Sprintf("oktafake: no user %q", loginOrID))
}

func (s *Server) findGroup(nameOrID string) *group {
	if g := s.groups[nameOrID]; g != nil {
		return g
	}
	if ids := s.byName[nameOrID]; len(ids) > 0 {
		return s.groups[ids[0]]
	}
	return nil
}

func (s *Server) mustGroup(nameOrID string) *group {
	if g := s.findGroup(nameOrID); g != nil {
		return g
	}
	panic(fmt.Sprintf("oktafake: no group %q", nameOrID))
}
