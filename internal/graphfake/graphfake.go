// Package graphfake is a stateful fake of the small part of Microsoft Graph
// and the Microsoft identity platform the mediator uses: the
// client-credentials token endpoint and a user's transitive group
// memberships, paginated with @odata.nextLink. Behaviour follows the
// published documentation (cited beside each handler), so an independent
// implementation can replace it.
package graphfake

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Server is a fake Microsoft Graph plus token endpoint.
type Server struct {
	srv                    *httptest.Server
	clientID, clientSecret string
	pageSize               int

	mu         sync.Mutex
	tokens     map[string]bool
	users      map[string]*user  // by id
	upn        map[string]string // lower-case userPrincipalName -> id
	groups     map[string]*group // by id
	byName     map[string]string // displayName -> id
	throttle   int               // next N Graph requests answer 429
	retryAfter int
	down       bool
	requests   int
}

type user struct{ id, upn, mail string }

type group struct {
	id, name string
	members  map[string]bool // user or group ids
}

// Option configures a Server.
type Option func(*Server)

// WithPageSize caps the page size (Graph's default page for
// transitiveMemberOf is 100, $top up to 999).
func WithPageSize(n int) Option { return func(s *Server) { s.pageSize = n } }

// WithClient sets the application (client) id and secret the token endpoint accepts.
func WithClient(id, secret string) Option {
	return func(s *Server) { s.clientID, s.clientSecret = id, secret }
}

// New starts a fake. Close it when done.
func New(opts ...Option) *Server {
	s := &Server{clientID: "graph-client", clientSecret: "graph-secret", pageSize: 100,
		tokens: map[string]bool{}, users: map[string]*user{}, upn: map[string]string{},
		groups: map[string]*group{}, byName: map[string]string{}}
	for _, o := range opts {
		o(s)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", s.handleToken)
	mux.HandleFunc("GET /v1.0/users/{id}/transitiveMemberOf", s.handleMemberOf)
	mux.HandleFunc("GET /v1.0/users/{id}/transitiveMemberOf/microsoft.graph.group", s.handleMemberOf)
	s.srv = httptest.NewServer(mux)
	return s
}

// URL is the Graph base URL (Graph's is https://graph.microsoft.com).
func (s *Server) URL() string { return s.srv.URL }

// TokenURL is the client-credentials token endpoint for tenant.
func (s *Server) TokenURL(tenant string) string {
	return s.srv.URL + "/" + tenant + "/oauth2/v2.0/token"
}

// ClientID and ClientSecret are the credentials the token endpoint accepts.
func (s *Server) ClientID() string     { return s.clientID }
func (s *Server) ClientSecret() string { return s.clientSecret }

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// AddUser creates a user and returns its object id.
func (s *Server) AddUser(upn, mail string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := newID()
	s.users[id] = &user{id: id, upn: upn, mail: mail}
	s.upn[strings.ToLower(upn)] = id
	return id
}

// AddGroup creates a security group and returns its object id.
func (s *Server) AddGroup(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := newID()
	s.groups[id] = &group{id: id, name: name, members: map[string]bool{}}
	s.byName[name] = id
	return id
}

// AddMember puts a user (by UPN) or a group (by display name) into group.
func (s *Server) AddMember(groupName, member string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[s.byName[groupName]]
	if id, ok := s.upn[strings.ToLower(member)]; ok {
		g.members[id] = true
	} else if id, ok := s.byName[member]; ok {
		g.members[id] = true
	}
}

// RemoveMember takes a direct member out of group.
func (s *Server) RemoveMember(groupName, member string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[s.byName[groupName]]
	delete(g.members, s.upn[strings.ToLower(member)])
	delete(g.members, s.byName[member])
}

// Throttle makes the next n Graph requests answer 429 with Retry-After.
func (s *Server) Throttle(n, retryAfterSeconds int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle, s.retryAfter = n, retryAfterSeconds
}

// SetDown makes every Graph request answer 503 (service unavailable).
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// Requests is the number of Graph (not token) requests served.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// handleToken copies the client credentials grant of the Microsoft identity
// platform (learn.microsoft.com: "OAuth 2.0 client credentials flow",
// "Get a token"): form fields client_id, client_secret (or HTTP Basic),
// scope=https://graph.microsoft.com/.default, grant_type=client_credentials;
// the answer has token_type Bearer, expires_in, access_token; failures are
// 400/401 with error and error_description.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthErr(w, http.StatusBadRequest, "invalid_request", "body is not a form")
		return
	}
	id, secret, ok := r.BasicAuth()
	if ok {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if r.PostForm.Get("grant_type") != "client_credentials" {
		oauthErr(w, http.StatusBadRequest, "unsupported_grant_type", "AADSTS70003")
		return
	}
	if !strings.HasSuffix(r.PostForm.Get("scope"), "/.default") {
		oauthErr(w, http.StatusBadRequest, "invalid_scope", "AADSTS1002012: the scope must end in /.default")
		return
	}
	if id != s.clientID || secret != s.clientSecret {
		oauthErr(w, http.StatusUnauthorized, "invalid_client", "AADSTS7000215: invalid client secret")
		return
	}
	tok := newID()
	s.mu.Lock()
	s.tokens[tok] = true
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": tok})
}

// handleMemberOf copies GET /users/{id | userPrincipalName}/transitiveMemberOf
// (learn.microsoft.com: "List a user's memberships (direct and
// transitive)"): groups reached directly or through nested groups, $top
// sizes a page, the next page is @odata.nextLink (an opaque absolute URL,
// followed as is); the /microsoft.graph.group cast keeps only groups. A
// missing user is 404 Request_ResourceNotFound; a missing or bad token 401
// InvalidAuthenticationToken; throttling is 429 with Retry-After
// ("Microsoft Graph throttling guidance").
func (s *Server) handleMemberOf(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	if s.down {
		graphErr(w, http.StatusServiceUnavailable, "serviceNotAvailable", "The service is temporarily unavailable.")
		return
	}
	if s.throttle > 0 {
		s.throttle--
		w.Header().Set("Retry-After", strconv.Itoa(s.retryAfter))
		graphErr(w, http.StatusTooManyRequests, "TooManyRequests", "Too many requests.")
		return
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || !s.tokens[tok] {
		graphErr(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token is empty or invalid.")
		return
	}
	key := r.PathValue("id")
	uid := key
	if _, ok := s.users[key]; !ok {
		uid = s.upn[strings.ToLower(key)]
	}
	if _, ok := s.users[uid]; !ok {
		graphErr(w, http.StatusNotFound, "Request_ResourceNotFound",
			fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", key))
		return
	}
	all := s.transitiveLocked(uid)
	top := s.pageSize
	if t, err := strconv.Atoi(r.URL.Query().Get("$top")); err == nil && t > 0 && t < top {
		top = t
	}
	skip, _ := strconv.Atoi(r.URL.Query().Get("$skiptoken"))
	end := min(skip+top, len(all))
	page := []map[string]any{}
	for _, g := range all[skip:end] {
		page = append(page, map[string]any{"@odata.type": "#microsoft.graph.group", "id": g.id, "displayName": g.name})
	}
	body := map[string]any{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#groups", "value": page}
	if end < len(all) {
		next := *r.URL
		next.Scheme, next.Host = "http", r.Host
		q := next.Query()
		q.Set("$skiptoken", strconv.Itoa(end))
		next.RawQuery = q.Encode()
		body["@odata.nextLink"] = next.String()
	}
	writeJSON(w, http.StatusOK, body)
}

// transitiveLocked lists the groups that contain id directly or through
// other groups, sorted by name.
func (s *Server) transitiveLocked(id string) []*group {
	seen := map[string]bool{}
	frontier := []string{id}
	for len(frontier) > 0 {
		var next []string
		for _, g := range s.groups {
			if seen[g.id] {
				continue
			}
			for _, m := range frontier {
				if g.members[m] {
					seen[g.id] = true
					next = append(next, g.id)
					break
				}
			}
		}
		frontier = next
	}
	out := make([]*group, 0, len(seen))
	for gid := range seen {
		out = append(out, s.groups[gid])
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func graphErr(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": msg}})
}

func oauthErr(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]any{"error": code, "error_description": desc})
}
