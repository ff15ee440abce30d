package github

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	gh "github.com/google/go-github/v60/github"

	"github.com/access-as-code/access/reconcile"
	"github.com/access-as-code/access/reconcile/internal/retry"
)

// call is one API request; it must use the context it is given.
type call func(ctx context.Context) (*gh.Response, error)

// httpResponse is the HTTP response behind a go-github result, if any.
func httpResponse(resp *gh.Response, err error) *http.Response {
	if resp != nil && resp.Response != nil {
		return resp.Response
	}
	var er *gh.ErrorResponse
	if errors.As(err, &er) {
		return er.Response
	}
	var rl *gh.RateLimitError
	if errors.As(err, &rl) {
		return rl.Response
	}
	var ab *gh.AbuseRateLimitError
	if errors.As(err, &ab) {
		return ab.Response
	}
	return nil
}

func statusOf(resp *gh.Response, err error) int {
	if hr := httpResponse(resp, err); hr != nil {
		return hr.StatusCode
	}
	return 0
}

// limitedUntil says whether a failed request hit a rate limit and when to
// retry, following "Rate limits for the REST API": retry-after first; else,
// with x-ratelimit-remaining 0, x-ratelimit-reset; else, for a secondary
// limit, "wait for at least one minute".
func (p *Provider) limitedUntil(resp *gh.Response, err error, now time.Time) (time.Time, bool) {
	var rl *gh.RateLimitError
	if errors.As(err, &rl) {
		return rl.Rate.Reset.Time, true
	}
	var ab *gh.AbuseRateLimitError
	if errors.As(err, &ab) && ab.RetryAfter != nil {
		return now.Add(*ab.RetryAfter), true
	}
	hr := httpResponse(resp, err)
	if hr == nil || (hr.StatusCode != http.StatusForbidden && hr.StatusCode != http.StatusTooManyRequests && !errors.Is(err, errGraphQLLimited)) {
		return time.Time{}, false
	}
	if v := hr.Header.Get("Retry-After"); v != "" {
		if s, err := strconv.Atoi(v); err == nil {
			return now.Add(time.Duration(s) * time.Second), true
		}
	}
	if hr.Header.Get("X-RateLimit-Remaining") == "0" {
		if s, err := strconv.ParseInt(hr.Header.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			return time.Unix(s, 0), true
		}
	}
	secondary := errors.As(err, &ab) || errors.Is(err, errGraphQLLimited) || hr.StatusCode == http.StatusTooManyRequests ||
		strings.Contains(strings.ToLower(err.Error()), "rate limit")
	if secondary {
		return now.Add(p.cfg.Pace.Minute), true
	}
	return time.Time{}, false
}

// do runs fn with a per-attempt timeout and retries what may succeed
// later: rate limits (at the time GitHub names), 5xx, and transport or
// decoding failures such as timeouts and truncated bodies, with capped
// exponential backoff and at most MaxAttempts attempts. Every write this
// package makes is a PUT or DELETE of a membership, safe to repeat; a team
// creation repeated is a 422 "already exists", treated as done. A rate
// limit that outlasts the attempts or MaxWait is a *reconcile.RateLimitError;
// before a write's every attempt, pace waits its turn.
func (p *Provider) do(ctx context.Context, what string, write bool, fn call) (*gh.Response, error) {
	var lastErr error
	for attempt := 1; ; attempt++ {
		if write {
			if err := p.pace.wait(ctx); err != nil {
				return nil, fmt.Errorf("%s: %w", what, errors.Join(err, lastErr))
			}
		}
		actx, cancel := context.WithTimeout(ctx, p.cfg.RequestTimeout)
		resp, err := fn(actx)
		cancel()
		if write {
			p.pace.sentAt(time.Now())
		}
		if err == nil {
			return resp, nil
		}
		if ctx.Err() != nil {
			return resp, fmt.Errorf("%s: %w", what, errors.Join(ctx.Err(), err))
		}
		var pe permanent
		if errors.As(err, &pe) {
			return resp, fmt.Errorf("%s: %w", what, err)
		}
		st := statusOf(resp, err)
		now := time.Now()
		var wait time.Duration
		if until, limited := p.limitedUntil(resp, err, now); limited {
			if attempt >= p.cfg.MaxAttempts || until.Sub(now) > p.cfg.MaxWait {
				return resp, &reconcile.RateLimitError{Target: Name, Reset: until, Err: fmt.Errorf("%s: %w", what, err)}
			}
			wait = max(until.Sub(now), 0)
			if write {
				p.pace.pause(until)
			}
		} else {
			switch {
			case st == 0 && retry.Untrusted(err):
				// A certificate that does not verify will not verify next time.
				return resp, fmt.Errorf("%s: %w", what, err)
			case st >= 500, st == 0, st >= 200 && st < 300:
				// 5xx, no response (timeout, reset connection) or a 2xx
				// whose body could not be read: transient.
				if attempt >= p.cfg.MaxAttempts {
					return resp, fmt.Errorf("%s: giving up after %d attempts: %w", what, attempt, err)
				}
				wait = retry.Backoff(attempt)
			default:
				return resp, fmt.Errorf("%s: %w", what, err)
			}
		}
		lastErr = err
		p.log.LogAttrs(ctx, slog.LevelDebug, "github retry", slog.String("request", what), slog.Int("status", st),
			slog.Int("attempt", attempt), slog.Duration("wait", wait), slog.String("error", err.Error()))
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return resp, fmt.Errorf("%s: %w", what, errors.Join(ctx.Err(), lastErr))
		}
	}
}

// pacer keeps one token's writes within the content-creation limits:
// at most PerMinute in any Minute and PerHour in any 60 Minutes (sliding
// windows, so that a burst never meets GitHub's own count), and holds
// every write after a secondary-limit answer until the time it named.
type pacer struct {
	perMin, perHour int
	minute          time.Duration

	mu      sync.Mutex
	sent    []time.Time // writes in the last hour, oldest first
	until   time.Time
	invites []time.Time // invitations in the last day
	perDay  int
}

func newPacer(p Pace) *pacer {
	return &pacer{perMin: p.PerMinute, perHour: p.PerHour, minute: p.Minute, perDay: p.InvitesPerDay}
}

// wait blocks until a write may start, and counts it.
func (pc *pacer) wait(ctx context.Context) error {
	for {
		pc.mu.Lock()
		now := time.Now()
		hour := 60 * pc.minute
		for len(pc.sent) > 0 && now.Sub(pc.sent[0]) >= hour {
			pc.sent = pc.sent[1:]
		}
		next := pc.until
		if len(pc.sent) >= pc.perHour {
			next = later(next, pc.sent[len(pc.sent)-pc.perHour].Add(hour))
		}
		if n := len(pc.sent); n >= pc.perMin {
			next = later(next, pc.sent[n-pc.perMin].Add(pc.minute))
		}
		if !now.Before(next) {
			pc.sent = append(pc.sent, now)
			pc.mu.Unlock()
			return nil
		}
		pc.mu.Unlock()
		t := time.NewTimer(next.Sub(now))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
}

// sentAt dates the last write by its answer: GitHub counted it at some
// moment before, so its window ends no later than the pacer thinks. Writes
// are serial, so the last entry is that write.
func (pc *pacer) sentAt(t time.Time) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if n := len(pc.sent); n > 0 {
		pc.sent[n-1] = t
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func (pc *pacer) pause(until time.Time) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	pc.until = later(pc.until, until)
}

// invite takes one of the day's invitations, or says when the next is
// free.
func (pc *pacer) invite(now time.Time) (time.Time, bool) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	day := 24 * 60 * pc.minute
	for len(pc.invites) > 0 && now.Sub(pc.invites[0]) >= day {
		pc.invites = pc.invites[1:]
	}
	if len(pc.invites) >= pc.perDay {
		return pc.invites[0].Add(day), false
	}
	pc.invites = append(pc.invites, now)
	return time.Time{}, true
}
