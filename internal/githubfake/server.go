// Package githubfake is a stateful fake of the parts of the GitHub REST API
// that access-as-code uses through go-github: pull requests, their reviews,
// issue comments (list, create, update) and commit statuses, with GitHub's
// pagination (page/per_page and the Link header), its authentication error
// and its X-RateLimit-* headers. Each handler's comment names the published
// endpoint it copies (docs.github.com/en/rest). Tests drive it through its
// methods (open a pull request, push, review, dismiss) and read its state.
package githubfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server is the fake API. Its zero configuration accepts any token; set
// Token to require one.
type Server struct {
	*httptest.Server

	mu        sync.Mutex
	token     string
	limit     int // requests per window; 0 = unlimited (headers still sent)
	used      int
	resetAt   time.Time
	nextID    int64
	clock     func() time.Time
	repos     map[string]*repo
	users     map[string]int64
	requests  []string // "METHOD path" log, for tests
	userAgent string
	orgs      *orgState // organizations and teams (orgs.go)
}

type repo struct {
	pulls    map[int]*pull
	comments map[int][]*comment // by issue/pull number
	statuses map[string][]*status
	git      *gitData       // git objects and refs: gitdata.go
	issues   map[int]*issue // issues that are not pull requests: issues.go
}

type pull struct {
	Number  int
	Author  string
	Head    string
	HeadRef string
	Base    string
	BaseRef string
	Title   string
	Body    string
	State   string
	reviews []*review
}

type review struct {
	ID          int64
	User        string
	State       string // APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING
	Body        string
	CommitID    string
	SubmittedAt time.Time
}

type comment struct {
	ID        int64
	User      string
	Body      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

type status struct {
	ID          int64
	State       string
	Context     string
	Description string
	TargetURL   string
	Creator     string
	CreatedAt   time.Time
}

// Options configure New.
type Options struct {
	// Token, when set, is the only accepted credential ("Bearer" or "token").
	Token string
	// Login is the authenticated user that comments and statuses are
	// attributed to; default "access-bot".
	Login string
	// RateLimit, when > 0, is the number of requests allowed per hour.
	RateLimit int
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// New starts a fake GitHub API; close it with Close.
func New(opts Options) *Server {
	s := &Server{token: opts.Token, limit: opts.RateLimit, clock: opts.Now, repos: map[string]*repo{},
		users: map[string]int64{}, userAgent: opts.Login}
	if s.clock == nil {
		s.clock = time.Now
	}
	if s.userAgent == "" {
		s.userAgent = "access-bot"
	}
	s.resetAt = s.clock().Add(time.Hour)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /repos/{owner}/{repo}/pulls/{number}", s.getPull)
	mux.HandleFunc("GET /repos/{owner}/{repo}/pulls/{number}/reviews", s.listReviews)
	mux.HandleFunc("GET /repos/{owner}/{repo}/issues/{number}/comments", s.listComments)
	mux.HandleFunc("POST /repos/{owner}/{repo}/issues/{number}/comments", s.createIssueComment)
	mux.HandleFunc("PATCH /repos/{owner}/{repo}/issues/comments/{id}", s.updateComment)
	mux.HandleFunc("POST /repos/{owner}/{repo}/statuses/{sha}", s.createStatus)
	mux.HandleFunc("GET /repos/{owner}/{repo}/commits/{ref}/statuses", s.listStatuses)
	s.registerGitData(mux)
	s.routeOrgs(mux)
	s.Server = httptest.NewServer(s.limits(s.middleware(mux)))
	return s
}

// middleware copies GitHub's cross-cutting behaviour: 401 "Bad credentials"
// for a wrong token ("Authenticating to the REST API"), and the primary
// rate limit ("Rate limits for the REST API"): every response carries
// X-RateLimit-Limit/Remaining/Used/Reset/Resource, and when none remain the
// answer is 403 with "API rate limit exceeded" and X-RateLimit-Remaining: 0.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.Method+" "+r.URL.Path)
		if s.token != "" {
			auth := r.Header.Get("Authorization")
			if auth != "Bearer "+s.token && auth != "token "+s.token {
				s.mu.Unlock()
				writeError(w, http.StatusUnauthorized, "Bad credentials")
				return
			}
		}
		if isGraphQL(r) {
			s.mu.Unlock() // GraphQL has its own budget (graphql.go)
			next.ServeHTTP(w, r)
			return
		}
		now := s.clock()
		if now.After(s.resetAt) {
			s.used, s.resetAt = 0, now.Add(time.Hour)
		}
		limit := s.limit
		if limit == 0 {
			limit = 5000
		}
		exceeded := s.limit > 0 && s.used >= s.limit
		if !exceeded {
			s.used++
		}
		remaining := limit - s.used
		h := w.Header()
		h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
		h.Set("X-RateLimit-Remaining", strconv.Itoa(max(remaining, 0)))
		h.Set("X-RateLimit-Used", strconv.Itoa(s.used))
		h.Set("X-RateLimit-Reset", strconv.FormatInt(s.resetAt.Unix(), 10))
		h.Set("X-RateLimit-Resource", "core")
		s.mu.Unlock()
		if exceeded {
			writeError(w, http.StatusForbidden, "API rate limit exceeded for user ID 1.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Requests is the log of "METHOD path" seen so far.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

func (s *Server) repo(ownerRepo string) *repo {
	r := s.repos[strings.ToLower(ownerRepo)]
	if r == nil {
		r = &repo{pulls: map[int]*pull{}, comments: map[int][]*comment{}, statuses: map[string][]*status{}}
		s.repos[strings.ToLower(ownerRepo)] = r
	}
	return r
}

func (s *Server) id() int64 { s.nextID++; return s.nextID }

func (s *Server) userID(login string) int64 {
	if id, ok := s.users[login]; ok {
		return id
	}
	s.users[login] = int64(1000 + len(s.users))
	return s.users[login]
}

func (s *Server) userJSON(login string) map[string]any {
	return map[string]any{"login": login, "id": s.userID(login), "type": userType(login),
		"html_url": s.URL + "/" + login}
}

// writeError copies GitHub's error body: {"message", "documentation_url"}.
func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]any{"message": msg, "documentation_url": "https://docs.github.com/rest"})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// paginate copies GitHub's pagination ("Using pagination in the REST API"):
// page is 1-based, per_page defaults to 30 and is capped at 100, and a Link
// header lists the first, prev, next and last pages that exist.
func paginate[T any](w http.ResponseWriter, r *http.Request, items []T) ([]T, bool) {
	q := r.URL.Query()
	page, perPage := 1, 30
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "Invalid page")
			return nil, false
		}
		page = n
	}
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "Invalid per_page")
			return nil, false
		}
		perPage = min(n, 100)
	}
	last := max((len(items)+perPage-1)/perPage, 1)
	link := func(p int, rel string) string {
		u := *r.URL
		u.Scheme, u.Host = "http", r.Host
		v := u.Query()
		v.Set("page", strconv.Itoa(p))
		v.Set("per_page", strconv.Itoa(perPage))
		u.RawQuery = v.Encode()
		return fmt.Sprintf("<%s>; rel=%q", u.String(), rel)
	}
	var links []string
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		links = append(links, link(1, "first"), link(page-1, "prev"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	start := min((page-1)*perPage, len(items))
	end := min(start+perPage, len(items))
	return items[start:end], true
}

func pathInt(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	n, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return 0, false
	}
	return n, true
}
