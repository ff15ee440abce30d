package gitlab

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// gate bounds the requests in flight and adapts to GitLab's quota headers:
// with RateLimit-Remaining known, no more requests start than the window
// has left; at zero, or after a 429, every request waits for the reset.
type gate struct {
	max int

	mu         sync.Mutex
	inflight   int
	remaining  int // -1: unknown
	resetAt    time.Time
	pauseUntil time.Time
	wake       chan struct{}
}

func newGate(max int) *gate {
	return &gate{max: max, remaining: -1, wake: make(chan struct{})}
}

func (g *gate) acquire(ctx context.Context) error {
	for {
		g.mu.Lock()
		now := time.Now()
		if g.remaining >= 0 && !g.resetAt.IsZero() && !now.Before(g.resetAt) {
			g.remaining = -1 // a new window: quota unknown until a response says
		}
		if g.remaining == 0 && now.Before(g.resetAt) && g.pauseUntil.Before(g.resetAt) {
			g.pauseUntil = g.resetAt
		}
		if now.Before(g.pauseUntil) {
			wait := g.pauseUntil.Sub(now)
			g.mu.Unlock()
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			}
			continue
		}
		allowed := g.max
		if g.remaining >= 0 {
			allowed = max(min(g.max, g.remaining), 1)
		}
		if g.inflight < allowed {
			g.inflight++
			if g.remaining > 0 {
				g.remaining--
			}
			g.mu.Unlock()
			return nil
		}
		ch := g.wake
		g.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// release ends one request and learns from its response headers (nil when
// the request failed without a response).
func (g *gate) release(resp *http.Response) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inflight--
	if resp != nil {
		h := resp.Header
		rem, errRem := strconv.Atoi(h.Get("RateLimit-Remaining"))
		reset, errReset := strconv.ParseInt(h.Get("RateLimit-Reset"), 10, 64)
		if errRem == nil && errReset == nil {
			at := time.Unix(reset, 0)
			switch {
			case at.After(g.resetAt):
				// First word of a new window: the requests still in flight
				// may not be counted in it yet.
				g.resetAt, g.remaining = at, max(rem-g.inflight, 0)
			case g.remaining < 0 || rem < g.remaining:
				g.remaining = rem
			}
		}
		if resp.StatusCode == http.StatusTooManyRequests {
			if until := retryAt(resp, time.Now()); until.After(g.pauseUntil) {
				g.pauseUntil = until
			}
		}
	}
	close(g.wake)
	g.wake = make(chan struct{})
}

// retryAt is when a throttled request may be retried: Retry-After
// (seconds or an HTTP date), else RateLimit-Reset (Unix seconds), else
// zero.
func retryAt(resp *http.Response, now time.Time) time.Time {
	if resp == nil {
		return time.Time{}
	}
	if v := resp.Header.Get("Retry-After"); v != "" {
		if s, err := strconv.Atoi(v); err == nil {
			return now.Add(time.Duration(s) * time.Second)
		}
		if t, err := http.ParseTime(v); err == nil {
			return t
		}
	}
	if v := resp.Header.Get("RateLimit-Reset"); v != "" {
		if s, err := strconv.ParseInt(v, 10, 64); err == nil {
			return time.Unix(s, 0)
		}
	}
	return time.Time{}
}

// gatedTransport passes every request through the gate.
type gatedTransport struct {
	next http.RoundTripper
	gate *gate
}

func (t *gatedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.gate.acquire(req.Context()); err != nil {
		return nil, err
	}
	resp, err := t.next.RoundTrip(req)
	t.gate.release(resp)
	if err == nil {
		noteNotFound(req, resp)
	}
	return resp, err
}

// wrapClient copies hc (never modifying the caller's client) with its
// transport behind the gate, keeping as many idle connections as requests
// may run at once.
func wrapClient(hc *http.Client, g *gate, conc int) *http.Client {
	var out http.Client
	if hc != nil {
		out = *hc
	}
	next := out.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	if tr, ok := next.(*http.Transport); ok {
		tr = tr.Clone()
		tr.MaxIdleConnsPerHost = max(tr.MaxIdleConnsPerHost, conc)
		next = tr
	}
	out.Transport = &gatedTransport{next: next, gate: g}
	return &out
}
