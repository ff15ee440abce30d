package gitlabfake

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// FaultKind is a failure the server can inject.
type FaultKind int

// The injectable faults.
const (
	// FaultRateLimit answers 429 with Retry-After and RateLimit-* headers.
	FaultRateLimit FaultKind = iota + 1
	// FaultServerError answers Status (default 500) with GitLab's error body.
	FaultServerError
	// FaultTimeout holds the request until the client gives up.
	FaultTimeout
	// FaultTruncated sends half of the JSON body and drops the connection.
	FaultTruncated
	// FaultUnauthorized answers 401 as for a revoked token.
	FaultUnauthorized
	// FaultUserWrites fails every write (POST/PUT/DELETE) concerning
	// Username with Status (default 403), permanently.
	FaultUserWrites
)

// Forever is a Count meaning "every matching request from now on".
const Forever = math.MaxInt

// Fault is one injected failure.
type Fault struct {
	Kind FaultKind
	// Count is how many matching requests fail (ignored by FaultUserWrites,
	// which is permanent until ClearFaults).
	Count int
	// Endpoint, when set, limits the fault to one route key such as
	// "GET /api/v4/groups/:id/members".
	Endpoint string
	// Status for FaultServerError and FaultUserWrites.
	Status int
	// RetryAfter for FaultRateLimit, sent in whole seconds as the header
	// requires (default 1s).
	RetryAfter time.Duration
	// Username for FaultUserWrites.
	Username string
}

type activeFault struct {
	Fault
	left int
}

// InjectFault adds a failure; several may be active, the oldest wins.
func (s *Server) InjectFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &activeFault{Fault: f, left: f.Count})
}

// ClearFaults removes every injected failure.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// fault answers the request with the first matching injected failure and
// reports whether it did.
func (s *Server) fault(w http.ResponseWriter, r *http.Request, rt route, p params) bool {
	s.mu.Lock()
	var hit *activeFault
	for _, f := range s.faults {
		if f.Endpoint != "" && f.Endpoint != rt.key {
			continue
		}
		if f.Kind == FaultUserWrites {
			if r.Method != http.MethodGet && s.concernsLocked(rt, p, f.Username) {
				hit = f
				break
			}
			continue
		}
		if f.left > 0 {
			if f.left != Forever {
				f.left--
			}
			hit = f
			break
		}
	}
	s.mu.Unlock()
	if hit == nil {
		return false
	}
	switch hit.Kind {
	case FaultRateLimit:
		ra := hit.RetryAfter
		if ra <= 0 {
			ra = time.Second
		}
		secs := int(math.Ceil(ra.Seconds()))
		reset := time.Now().Add(time.Duration(secs) * time.Second)
		h := w.Header()
		if h.Get("RateLimit-Limit") == "" {
			h.Set("RateLimit-Limit", "600")
			h.Set("RateLimit-Observed", "601")
			h.Set("RateLimit-Remaining", "0")
		}
		h.Set("RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
		h.Set("RateLimit-ResetTime", reset.UTC().Format(http.TimeFormat))
		h.Set("Retry-After", strconv.Itoa(secs))
		tooMany(w)
	case FaultServerError:
		st := hit.Status
		if st == 0 {
			st = http.StatusInternalServerError
		}
		writeJSON(w, st, msg(strconv.Itoa(st)+" "+http.StatusText(st)))
	case FaultTimeout:
		select {
		case <-r.Context().Done():
		case <-s.closing:
		}
		// Never answer: a handler that returns without writing makes
		// net/http send an empty "200 OK", which a client that hung up at
		// its deadline can still read (the response races the
		// cancellation) and decode as an empty list. Drop the connection.
		panic(http.ErrAbortHandler)
	case FaultTruncated:
		// Compute the real answer, then send half of it and abort, so the
		// client sees a body that ends mid-JSON.
		rec := &recorder{h: http.Header{}}
		s.dispatch(rec, r, rt, p)
		for k, v := range rec.h {
			if k != "Content-Length" {
				w.Header()[k] = v
			}
		}
		w.WriteHeader(rec.status)
		_, _ = w.Write(rec.body[:len(rec.body)/2])
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		panic(http.ErrAbortHandler)
	case FaultUnauthorized:
		writeJSON(w, http.StatusUnauthorized, msg("401 Unauthorized"))
	case FaultUserWrites:
		st := hit.Status
		if st == 0 {
			st = http.StatusForbidden
		}
		writeJSON(w, st, msg(strconv.Itoa(st)+" "+http.StatusText(st)))
	}
	return true
}

// concernsLocked reports whether a write names the user: by :user_id in
// the path or user_id/username in the parameters.
func (s *Server) concernsLocked(rt route, p params, username string) bool {
	u := s.userLocked(username)
	if u == nil {
		return false
	}
	id := strconv.Itoa(u.ID)
	return rt.userID == id || p["user_id"] == id || strings.EqualFold(p["username"], username)
}

// tooMany copies Rack::Attack's throttled response on GitLab: 429 with a
// plain-text "Retry later" body (docs: user/gitlab_com, "Rate limits";
// administration/settings/user_and_ip_rate_limits.md, "Response headers").
func tooMany(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = w.Write([]byte("Retry later\n"))
}

// throttled applies WithRateLimit: every response carries RateLimit-Limit,
// RateLimit-Observed, RateLimit-Remaining, RateLimit-Reset (Unix seconds)
// and RateLimit-ResetTime (HTTP date); past the limit the answer is 429
// with Retry-After in seconds, as GitLab.com does (docs: user/gitlab_com,
// "Rate limits"). Windows are fixed and aligned to the epoch.
func (s *Server) throttled(w http.ResponseWriter) bool {
	if s.rlLimit <= 0 || s.rlWindow <= 0 {
		return false
	}
	now := time.Now()
	s.mu.Lock()
	win := now.UnixNano() / int64(s.rlWindow)
	if win != s.rlWindowID {
		s.rlWindowID, s.rlCount = win, 0
	}
	s.rlCount++
	observed := s.rlCount
	s.mu.Unlock()
	reset := time.Unix(0, (win+1)*int64(s.rlWindow))
	remaining := max(s.rlLimit-observed, 0)
	h := w.Header()
	h.Set("RateLimit-Limit", strconv.Itoa(s.rlLimit))
	h.Set("RateLimit-Observed", strconv.Itoa(observed))
	h.Set("RateLimit-Remaining", strconv.Itoa(remaining))
	// The header carries whole seconds: round up so a client waiting for
	// it never comes back early.
	h.Set("RateLimit-Reset", strconv.FormatInt(int64(math.Ceil(float64(reset.UnixNano())/1e9)), 10))
	h.Set("RateLimit-ResetTime", reset.UTC().Format(http.TimeFormat))
	if observed <= s.rlLimit {
		return false
	}
	h.Set("Retry-After", strconv.Itoa(int(math.Ceil(time.Until(reset).Seconds()))))
	tooMany(w)
	return true
}

// recorder captures a handler's answer for FaultTruncated.
type recorder struct {
	h      http.Header
	status int
	body   []byte
}

func (r *recorder) Header() http.Header { return r.h }
func (r *recorder) WriteHeader(st int) {
	if r.status == 0 {
		r.status = st
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.body = append(r.body, b...)
	return len(b), nil
}
