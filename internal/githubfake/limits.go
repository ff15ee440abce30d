package githubfake

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"
)

// Secondary rate limits, the GraphQL budget and injected faults. The
// documented behaviour copied is "Rate limits for the REST API" and "Rate
// limits and node limits for the GraphQL API"
// (docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api,
// docs.github.com/en/graphql/overview/rate-limits-and-node-limits-for-the-graphql-api):
//   - the primary REST and GraphQL budgets are separate (5,000 requests and
//     5,000 points an hour for a user token), each reported by
//     x-ratelimit-limit/remaining/used/reset/resource (resource "core" or
//     "graphql"); an exhausted budget answers 403 (or 429) with
//     x-ratelimit-remaining: 0;
//   - secondary limits: no more than 100 concurrent requests, and no more
//     than 80 content-generating requests a minute and 500 an hour; over
//     them the answer is 403 or 429 with a message naming the secondary
//     rate limit, with or without retry-after ("otherwise wait for at least
//     one minute before retrying").

// Limits configure the secondary limits and the GraphQL budget. The zero
// value of a field takes GitHub's figure; Minute scales every window (an
// hour is 60 Minutes) so that benchmarks keep the shape in less time.
type Limits struct {
	GraphQLPoints    int           // per hour; default 5,000
	ContentPerMinute int           // default 80
	ContentPerHour   int           // default 500
	Concurrency      int           // default 100
	Minute           time.Duration // default time.Minute
	// RetryAfter, when set, is sent as retry-after with secondary-limit
	// answers; GitHub sends it for some and not for others.
	RetryAfter bool
	// Latency delays every answer, as a network would.
	Latency time.Duration
}

func (l Limits) withDefaults() Limits {
	if l.GraphQLPoints == 0 {
		l.GraphQLPoints = 5000
	}
	if l.ContentPerMinute == 0 {
		l.ContentPerMinute = 80
	}
	if l.ContentPerHour == 0 {
		l.ContentPerHour = 500
	}
	if l.Concurrency == 0 {
		l.Concurrency = 100
	}
	if l.Minute == 0 {
		l.Minute = time.Minute
	}
	return l
}

// SetLimits replaces the limits.
func (s *Server) SetLimits(l Limits) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st().limits = l.withDefaults()
}

func (s *Server) lim() Limits {
	o := s.st()
	if o.limits.Minute == 0 {
		o.limits = o.limits.withDefaults()
	}
	return o.limits
}

// budget is a fixed-window point budget (the GraphQL one).
type budget struct {
	used    int
	resetAt time.Time
}

// FaultKind is an injected failure.
type FaultKind int

// Injected failures.
const (
	// FaultRateLimit: the primary limit, 403 with x-ratelimit-remaining 0
	// and a reset RetryAfter away.
	FaultRateLimit FaultKind = iota + 1
	// FaultTooMany: 429 with retry-after.
	FaultTooMany
	// FaultSecondary: 403 secondary rate limit with retry-after.
	FaultSecondary
	// FaultSecondaryNoRetry: 403 secondary rate limit without retry-after
	// or an exhausted budget: the client waits a minute.
	FaultSecondaryNoRetry
	FaultServerError  // 502 with GitHub's error body
	FaultTimeout      // holds the request until the client gives up
	FaultTruncated    // cuts the body mid-JSON
	FaultUnauthorized // 401 Bad credentials
	// FaultGraphQLPartial answers a GraphQL query 200 with data in which
	// one team's members are null, and an errors entry naming its path.
	FaultGraphQLPartial
)

// Forever is a Count meaning "until cleared".
const Forever = 1 << 30

// Fault is one injected failure for the next Count requests (GraphQL
// requests only for FaultGraphQLPartial).
type Fault struct {
	Kind       FaultKind
	Count      int
	RetryAfter time.Duration // default 1s
}

// InjectFault adds a fault.
func (s *Server) InjectFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.RetryAfter == 0 {
		f.RetryAfter = time.Second
	}
	s.st().faults = append(s.st().faults, &f)
}

// ClearFaults removes every fault and unblocks every account.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st().faults = nil
	for _, g := range s.st().orgs {
		g.blocked = map[int64]bool{}
	}
}

// OrgRequests counts the requests answered since New: REST and GraphQL.
func (s *Server) OrgRequests() (rest, graphql int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st().rest, s.st().graphQL
}

// Writes counts the REST requests other than GET, refused ones included.
func (s *Server) Writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st().writes
}

// GraphQLPointsUsed is the GraphQL budget spent in the current window.
func (s *Server) GraphQLPointsUsed() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st().gql.used
}

func isGraphQL(r *http.Request) bool {
	return r.URL.Path == "/graphql" || r.URL.Path == "/api/graphql"
}

// takeFault returns the fault this request meets, if any.
func (s *Server) takeFault(r *http.Request) *Fault {
	for _, f := range s.st().faults {
		if f.Count <= 0 || (f.Kind == FaultGraphQLPartial) {
			continue
		}
		f.Count--
		return f
	}
	return nil
}

// partialFault is the pending FaultGraphQLPartial, if any; the resolver
// counts it down when it fails a team's members.
func (s *Server) partialFault() *Fault {
	for _, f := range s.st().faults {
		if f.Kind == FaultGraphQLPartial && f.Count > 0 {
			return f
		}
	}
	return nil
}

const secondaryDoc = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits"

// limits wraps the API with faults, latency and the secondary limits.
func (s *Server) limits(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		o := s.st()
		l := s.lim()
		if isGraphQL(r) {
			o.graphQL++
		} else {
			o.rest++
			if r.Method != http.MethodGet {
				o.writes++
			}
		}
		now := s.clock()
		f := s.takeFault(r)
		secondary := ""
		if f == nil {
			if o.inflight >= l.Concurrency {
				secondary = "You have exceeded a secondary rate limit: too many concurrent requests."
			} else if r.Method != http.MethodGet && !isGraphQL(r) {
				perMin, perHour := 0, 0
				keep := o.content[:0]
				for _, t := range o.content {
					if now.Sub(t) < 60*l.Minute {
						keep = append(keep, t)
						perHour++
						if now.Sub(t) < l.Minute {
							perMin++
						}
					}
				}
				o.content = keep
				if perMin >= l.ContentPerMinute || perHour >= l.ContentPerHour {
					secondary = "You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later."
				} else {
					o.content = append(o.content, now)
				}
			}
		}
		o.inflight++
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			s.st().inflight--
			s.mu.Unlock()
		}()
		if l.Latency > 0 {
			time.Sleep(l.Latency)
		}
		h := w.Header()
		if secondary != "" {
			if l.RetryAfter {
				h.Set("Retry-After", strconv.Itoa(max(1, int(l.Minute/time.Second))))
			}
			writeJSON(w, http.StatusForbidden, map[string]any{"message": secondary, "documentation_url": secondaryDoc})
			return
		}
		if f == nil {
			next.ServeHTTP(w, r)
			return
		}
		secs := strconv.Itoa(max(1, int(f.RetryAfter/time.Second)))
		switch f.Kind {
		case FaultRateLimit:
			h.Set("X-RateLimit-Limit", "5000")
			h.Set("X-RateLimit-Remaining", "0")
			h.Set("X-RateLimit-Used", "5000")
			h.Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(f.RetryAfter).Unix()+1, 10))
			h.Set("X-RateLimit-Resource", map[bool]string{true: "graphql", false: "core"}[isGraphQL(r)])
			writeError(w, http.StatusForbidden, "API rate limit exceeded for user ID 1.")
		case FaultTooMany:
			h.Set("Retry-After", secs)
			writeJSON(w, http.StatusTooManyRequests, map[string]any{"message": "You have exceeded a secondary rate limit.", "documentation_url": secondaryDoc})
		case FaultSecondary:
			h.Set("Retry-After", secs)
			writeJSON(w, http.StatusForbidden, map[string]any{"message": "You have exceeded a secondary rate limit.", "documentation_url": secondaryDoc})
		case FaultSecondaryNoRetry:
			writeJSON(w, http.StatusForbidden, map[string]any{"message": "You have exceeded a secondary rate limit.", "documentation_url": secondaryDoc})
		case FaultServerError:
			writeError(w, http.StatusBadGateway, "Server Error")
		case FaultTimeout:
			// Read the body first: the server notices a client that hung
			// up only once the request body is consumed.
			_, _ = io.Copy(io.Discard, r.Body)
			select {
			case <-r.Context().Done():
			case <-time.After(30 * time.Second):
			}
			// Never answer: a handler that returns without writing makes
			// net/http send an empty "200 OK", which a client that hung up
			// at its deadline can still read (the response races the
			// cancellation) and decode as an empty list. Drop the connection.
			panic(http.ErrAbortHandler)
		case FaultTruncated:
			// The server does the work and the connection drops while the
			// answer is sent: run the real handler, send its status and
			// headers with half its body, then abort. A write that was cut
			// this way has happened, as it would have on GitHub; a client
			// that decodes the body sees it end mid-JSON. (Answering 200
			// without running the handler made a DELETE look done that
			// never happened, which no real server does.)
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			for k, v := range rec.Header() {
				if k != "Content-Length" {
					h[k] = v
				}
			}
			body := rec.Body.Bytes()
			if len(body) == 0 {
				w.WriteHeader(rec.Code)
				return
			}
			h.Set("Content-Length", strconv.Itoa(len(body)))
			w.WriteHeader(rec.Code)
			_, _ = w.Write(body[:len(body)/2])
			if fl, ok := w.(http.Flusher); ok {
				fl.Flush()
			}
			panic(http.ErrAbortHandler)
		case FaultUnauthorized:
			writeError(w, http.StatusUnauthorized, "Bad credentials")
		}
	})
}
