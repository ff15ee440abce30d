package okta

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/access-as-code/access/reconcile"
	"github.com/access-as-code/access/reconcile/internal/retry"
)

// transport sits under the Okta SDK (whose own retries are off) and makes
// every request safe to run at scale:
//   - at most maxConc requests in flight for the provider;
//   - per rate-limit bucket it remembers X-Rate-Limit-Remaining and -Reset
//     and holds a request back until the reset when the requests in flight
//     would use up what is left, so a run paces itself instead of meeting
//     429s (Okta: "Rate limit best practices");
//   - 429 is retried after X-Rate-Limit-Reset (or Retry-After), 5xx and
//     broken connections with exponential backoff and jitter, both up to
//     maxAttempts; POST is only retried after a 429, which Okta sends before
//     doing anything, because a POST cut off mid-way may have happened;
//   - each attempt has its own deadline, and the body is read inside it, so
//     a hung or truncated response is a retryable failure, not a hang;
//   - a GET answered 2xx with an empty body is retried too: it is no
//     answer, and the SDK would decode it as an empty listing.
//
// When 429s outlast the attempts it returns a *reconcile.RateLimitError
// (the SDK passes transport errors through unchanged).
type transport struct {
	base        http.RoundTripper
	log         *slog.Logger
	maxAttempts int
	timeout     time.Duration // per attempt
	backoff     time.Duration // first 5xx backoff, doubled per attempt
	maxBackoff  time.Duration
	sem         chan struct{}

	mu      sync.Mutex
	buckets map[string]*quota
}

type quota struct {
	remaining int
	reset     time.Time
	known     bool
	inflight  int
}

// bucketKey groups URLs the way Okta's rate limits do: by endpoint family
// with ids folded, e.g. /api/v1/groups/{id} for a group, its members and
// membership writes; /api/v1/users for list and search; group rules count
// with /api/v1/groups.
func bucketKey(path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(segs) > 4 {
		segs = segs[:4]
	}
	if len(segs) == 4 {
		if segs[3] == "rules" {
			segs = segs[:3]
		} else {
			segs[3] = "{id}"
		}
	}
	return "/" + strings.Join(segs, "/")
}

func retryable(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodPut || method == http.MethodDelete
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	key := bucketKey(req.URL.Path)
	var lastReset time.Time
	var lastErr error
	for attempt := 1; ; attempt++ {
		if err := t.acquire(ctx, key); err != nil {
			return nil, err
		}
		resp, err := t.attempt(ctx, req)
		t.release(key, resp)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			lastErr = err
			if !retryable(req.Method) || attempt >= t.maxAttempts || retry.Untrusted(err) {
				return nil, giveUp(req, err, attempt)
			}
			t.log.WarnContext(ctx, "okta request failed, retrying", "method", req.Method, "path", req.URL.Path, "attempt", attempt, "error", err)
			if err := sleep(ctx, t.backoffFor(attempt)); err != nil {
				return nil, err
			}
			continue
		}
		switch {
		case resp.StatusCode == http.StatusTooManyRequests:
			wait, reset := rateLimitWait(resp, time.Now())
			lastReset, lastErr = reset, fmt.Errorf("HTTP 429 from %s %s", req.Method, req.URL.Path)
			if attempt >= t.maxAttempts {
				return nil, &reconcile.RateLimitError{Target: "okta", Reset: lastReset, Err: fmt.Errorf("%w after %d attempts", lastErr, attempt)}
			}
			t.log.WarnContext(ctx, "okta rate limit, waiting for reset", "path", req.URL.Path, "wait", wait.Round(time.Millisecond), "attempt", attempt)
			if err := sleep(ctx, wait); err != nil {
				return nil, err
			}
		case resp.StatusCode >= 500 && retryable(req.Method) && attempt < t.maxAttempts:
			t.log.WarnContext(ctx, "okta server error, retrying", "method", req.Method, "path", req.URL.Path, "status", resp.StatusCode, "attempt", attempt)
			if err := sleep(ctx, t.backoffFor(attempt)); err != nil {
				return nil, err
			}
		default:
			return resp, nil
		}
	}
}

// giveUp is the error after the last attempt. It must not unwrap to
// io.EOF: the SDK retries such errors itself, without limit or delay
// (okta-sdk-golang v2 requestExecutor.go, doWithRetries).
func giveUp(req *http.Request, err error, attempt int) error {
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("%s %s: connection closed before a response (attempt %d): %s", req.Method, req.URL.Path, attempt, err.Error())
	}
	return fmt.Errorf("%s %s: %w (attempt %d)", req.Method, req.URL.Path, err, attempt)
}

// attempt sends once with its own deadline and reads the whole body, so a
// response cut mid-body fails here, where it can be retried.
func (t *transport) attempt(ctx context.Context, req *http.Request) (*http.Response, error) {
	actx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	r := req.Clone(actx)
	if req.Body != nil && req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		r.Body = body
	}
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("reading response: %w", err)
	}
	// Every successful Okta GET answers a JSON body ("[]" for an empty
	// listing). An empty one is not an answer: net/http's Transport can
	// hand back the empty "200 OK" of a server or proxy that gave up on a
	// request this attempt abandoned at its deadline. The SDK would decode
	// it as an empty listing, so retry it like a cut-off body.
	if req.Method == http.MethodGet && resp.StatusCode/100 == 2 && len(bytes.TrimSpace(body)) == 0 {
		return nil, fmt.Errorf("HTTP %d with an empty body", resp.StatusCode)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// acquire takes a concurrency slot and waits while the bucket's known
// remaining quota is taken by requests already in flight.
func (t *transport) acquire(ctx context.Context, key string) error {
	for {
		select {
		case t.sem <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		t.mu.Lock()
		q := t.buckets[key]
		if q == nil {
			q = &quota{}
			t.buckets[key] = q
		}
		now := time.Now()
		if q.known && !now.Before(q.reset) {
			q.known = false // a new window: quota unknown until a response says
		}
		if !q.known || q.remaining-q.inflight > 0 {
			q.inflight++
			t.mu.Unlock()
			return nil
		}
		wait := q.reset.Sub(now) + time.Duration(rand.Int64N(int64(50*time.Millisecond)))
		t.mu.Unlock()
		<-t.sem
		t.log.DebugContext(ctx, "okta quota used up, pacing", "bucket", key, "wait", wait.Round(time.Millisecond))
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// release frees the slot and records the quota the response reports.
func (t *transport) release(key string, resp *http.Response) {
	t.mu.Lock()
	q := t.buckets[key]
	q.inflight--
	if resp != nil {
		rem, err1 := strconv.Atoi(resp.Header.Get("X-Rate-Limit-Remaining"))
		rs, err2 := strconv.ParseInt(resp.Header.Get("X-Rate-Limit-Reset"), 10, 64)
		if err1 == nil && err2 == nil {
			reset := time.Unix(rs, 0)
			// Responses overtake each other: within one window the lowest
			// remaining is the latest; a later reset starts a new window.
			if !q.known || reset.After(q.reset) || rem < q.remaining {
				q.remaining, q.reset, q.known = rem, reset, true
			}
		}
	}
	t.mu.Unlock()
	<-t.sem
}

// rateLimitWait is how long a 429 asks us to wait: Retry-After seconds
// when present, else until X-Rate-Limit-Reset, plus jitter. The reset is
// measured against our clock unless the response's Date (whole seconds, so
// too coarse to use always) says the clocks differ by more than 2s.
func rateLimitWait(resp *http.Response, now time.Time) (time.Duration, time.Time) {
	jitter := time.Duration(rand.Int64N(int64(100 * time.Millisecond)))
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
		d := time.Duration(s) * time.Second
		return d + jitter, now.Add(d)
	}
	rs, err := strconv.ParseInt(resp.Header.Get("X-Rate-Limit-Reset"), 10, 64)
	if err != nil {
		return time.Second + jitter, now.Add(time.Second)
	}
	reset := time.Unix(rs, 0)
	serverNow := now
	if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil && (d.Sub(now) > 2*time.Second || now.Sub(d) > 2*time.Second) {
		serverNow = d
	}
	d := max(reset.Sub(serverNow), 0)
	return d + jitter, now.Add(d)
}

func (t *transport) backoffFor(attempt int) time.Duration {
	d := t.backoff << (attempt - 1)
	if d > t.maxBackoff || d <= 0 {
		d = t.maxBackoff
	}
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
