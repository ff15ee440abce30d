package oktafake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
)

// FaultKind is a failure InjectFault can make the server produce.
type FaultKind int

// The injectable faults.
const (
	// RateLimited answers 429 E0000047 with X-Rate-Limit-Remaining 0 and a
	// reset Fault.Reset away (default 1s), as Okta does when a bucket is empty.
	RateLimited FaultKind = iota + 1
	// ServerError answers Fault.Status (default 500) with E0000009.
	ServerError
	// Timeout holds the request until the client gives up or Close, then
	// drops the connection without an answer.
	Timeout
	// Truncated sends the real response's headers and half its body, then
	// drops the connection: the client sees an unexpected EOF. (The real API
	// never ends a page early without rel="next"; a cut connection is the
	// truncation a client can actually meet.)
	Truncated
	// Unauthorized answers 401 E0000011 as for a revoked token.
	Unauthorized
	// UserWrite makes every add or remove of Fault.Login (login or id) fail
	// with Fault.Status (default 403 E0000006) until ClearFaults.
	UserWrite
)

// Fault is one injected failure. Count is how many matching requests it
// hits (UserWrite ignores it); Key limits it to one endpoint (a Requests
// key), empty for any.
type Fault struct {
	Kind   FaultKind
	Count  int
	Key    string
	Status int
	Reset  time.Duration
	Login  string
}

// InjectFault queues a failure; faults are consumed in the order given.
func (s *Server) InjectFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Kind == UserWrite {
		status := f.Status
		if status == 0 {
			status = http.StatusForbidden
		}
		s.badUser[s.mustUser(f.Login).id] = status
		return
	}
	s.faults = append(s.faults, &f)
}

// ClearFaults removes every queued and per-user fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults, s.badUser = nil, map[string]int{}
}

// takeFault consumes the first queued fault matching key. Caller holds s.mu.
func (s *Server) takeFault(key string) *Fault {
	for i, f := range s.faults {
		if f.Key != "" && f.Key != key {
			continue
		}
		f.Count--
		if f.Count <= 0 {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		return f
	}
	return nil
}

// apiError is Okta's error body (API reference, "Error response"): the
// errorCode names the error (E0000007 not found, ...), errorCauses details
// validation failures.
type apiError struct {
	ErrorCode    string       `json:"errorCode"`
	ErrorSummary string       `json:"errorSummary"`
	ErrorLink    string       `json:"errorLink"`
	ErrorID      string       `json:"errorId"`
	ErrorCauses  []errorCause `json:"errorCauses"`
}

type errorCause struct {
	ErrorSummary string `json:"errorSummary"`
}

// Error codes from Okta's "Error codes" reference.
const (
	codeValidation   = "E0000001" // 400 Api validation failed
	codeForbidden    = "E0000006" // 403 You do not have permission
	codeNotFound     = "E0000007" // 404 Not found: Resource not found
	codeInternal     = "E0000009" // 500 Internal Server Error
	codeInvalidToken = "E0000011" // 401 Invalid token provided
	codeNoEndpoint   = "E0000022" // 405/404 endpoint does not support method
	codeBadSearch    = "E0000031" // 400 Invalid search criteria
	codeRateLimit    = "E0000047" // 429 API call exceeded rate limit
)

func writeError(w http.ResponseWriter, status int, code, summary string, causes ...string) {
	e := apiError{ErrorCode: code, ErrorSummary: summary, ErrorLink: code, ErrorID: "oae" + randHex(20), ErrorCauses: []errorCause{}}
	for _, c := range causes {
		e.ErrorCauses = append(e.ErrorCauses, errorCause{ErrorSummary: c})
	}
	writeJSON(w, status, e)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// rateConfig: without WithRateLimit, each bucket has Okta's documented
// per-minute limit (defaultLimits) over a real minute.
type rateConfig struct {
	override bool
	limit    int
	window   time.Duration
}

type bucket struct {
	start time.Time
	used  int
}

// bucketOf maps an endpoint to its rate-limit bucket and Okta's default
// per-minute limit for it (developer.okta.com/docs/reference/rl-global-mgmt,
// Workforce org figures; an org's own figures are on its rate limit
// dashboard): /api/v1/groups (list, create, rules) 500; /api/v1/groups/{id}
// and everything under it (members, membership writes) 1000;
// /api/v1/users (list, search) 600; /api/v1/users/{id} 2000.
func bucketOf(key string) (string, int) {
	switch key {
	case "GET /api/v1/groups", "POST /api/v1/groups", "GET /api/v1/groups/rules":
		return "/api/v1/groups", 500
	case "GET /api/v1/groups/{id}", "GET /api/v1/groups/{id}/users",
		"PUT /api/v1/groups/{id}/users/{userId}", "DELETE /api/v1/groups/{id}/users/{userId}":
		return "/api/v1/groups/{id}", 1000
	case "GET /api/v1/users":
		return "/api/v1/users", 600
	default:
		return "/api/v1/users/{id}", 2000
	}
}

// rateLimit takes one request from the endpoint's bucket and sets the
// X-Rate-Limit-* headers Okta sends on every response: the limit, what is
// left in the current window and the window's end in epoch seconds. Windows
// are aligned to multiples of their length, as Okta's minute windows are.
// It reports false (the caller answers 429) when the bucket is empty.
// Caller holds s.mu.
func (s *Server) rateLimit(h http.Header, key string, now time.Time) bool {
	name, limit := bucketOf(key)
	window := s.rl.window
	if s.rl.override {
		limit = s.rl.limit
	}
	b := s.buckets[name]
	start := now.Truncate(window)
	if b == nil || !b.start.Equal(start) {
		b = &bucket{start: start}
		s.buckets[name] = b
	}
	reset := start.Add(window)
	shown := limit
	if limit <= 0 { // enforcement off
		shown = math.MaxInt32
	}
	ok := limit <= 0 || b.used < limit
	if ok {
		b.used++
	}
	h.Set("X-Rate-Limit-Limit", strconv.Itoa(shown))
	h.Set("X-Rate-Limit-Remaining", strconv.Itoa(max(shown-b.used, 0)))
	h.Set("X-Rate-Limit-Reset", strconv.FormatInt(ceilUnix(reset), 10))
	return ok
}

func ceilUnix(t time.Time) int64 {
	sec := t.Unix()
	if t.Nanosecond() > 0 {
		sec++
	}
	return sec
}

// middleware applies, in order: latency, counting, injected faults, the
// SSWS token check (401 E0000011), the rate limit (429 E0000047), then the
// endpoint.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.latency > 0 {
			select {
			case <-time.After(s.latency):
			case <-r.Context().Done():
				return
			case <-s.closing:
				return
			}
		}
		_, pattern := s.mux.Handler(r)
		key := pattern
		if key == "" {
			key = "other"
		}
		w.Header().Set("X-Okta-Request-Id", "fake-"+randHex(16))
		now := time.Now()

		s.mu.Lock()
		s.counts[key]++
		s.total++
		f := s.takeFault(key)
		authOK := r.Header.Get("Authorization") == "SSWS "+s.token
		var rateOK bool
		if f == nil && authOK {
			rateOK = s.rateLimit(w.Header(), key, now)
			if !rateOK {
				s.limited++
			}
		}
		s.mu.Unlock()

		if f != nil {
			s.fail(w, r, f, next, now)
			return
		}
		if !authOK {
			// Okta answers a missing or wrong token with 401 E0000011; the
			// token itself is never echoed.
			writeError(w, http.StatusUnauthorized, codeInvalidToken, "Invalid token provided")
			return
		}
		if !rateOK {
			writeError(w, http.StatusTooManyRequests, codeRateLimit, "API call exceeded rate limit due to too many requests.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, f *Fault, next http.Handler, now time.Time) {
	switch f.Kind {
	case RateLimited:
		reset := f.Reset
		if reset <= 0 {
			reset = time.Second
		}
		_, limit := bucketOf(f.Key)
		w.Header().Set("X-Rate-Limit-Limit", strconv.Itoa(limit))
		w.Header().Set("X-Rate-Limit-Remaining", "0")
		w.Header().Set("X-Rate-Limit-Reset", strconv.FormatInt(ceilUnix(now.Add(reset)), 10))
		writeError(w, http.StatusTooManyRequests, codeRateLimit, "API call exceeded rate limit due to too many requests.")
	case ServerError:
		status := f.Status
		if status == 0 {
			status = http.StatusInternalServerError
		}
		writeError(w, status, codeInternal, "Internal Server Error")
	case Unauthorized:
		writeError(w, http.StatusUnauthorized, codeInvalidToken, "Invalid token provided")
	case Timeout:
		select {
		case <-r.Context().Done():
		case <-s.closing:
		case <-time.After(10 * time.Minute):
		}
		// Never answer, not even when the hold ends: a handler that
		// returns without writing makes net/http send "200 OK" with an
		// empty body, and a client that hangs up at its deadline can
		// still read that answer (net/http's Transport uses a response
		// that races the request's cancellation). Drop the connection.
		panic(http.ErrAbortHandler)
	case Truncated:
		rec := &recorder{h: http.Header{}, code: http.StatusOK}
		next.ServeHTTP(rec, r)
		for k, v := range rec.h {
			w.Header()[k] = v
		}
		body := rec.buf.Bytes()
		if len(body) == 0 {
			panic(http.ErrAbortHandler) // nothing to cut: drop the connection
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.code)
		_, _ = w.Write(body[:len(body)/2])
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		panic(http.ErrAbortHandler) // drop the connection mid-body
	default:
		panic(fmt.Sprintf("oktafake: unknown fault kind %d", f.Kind))
	}
}

type recorder struct {
	h    http.Header
	code int
	buf  bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.h }
func (r *recorder) WriteHeader(code int)        { r.code = code }
func (r *recorder) Write(b []byte) (int, error) { return r.buf.Write(b) }
