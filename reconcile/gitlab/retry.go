package gitlab

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	gl "gitlab.com/gitlab-org/api/client-go"

	"github.com/access-as-code/access/reconcile"
	"github.com/access-as-code/access/reconcile/internal/retry"
)

// call is one API request made with the library; it must pass its
// options on to the library call.
type call func(opts ...gl.RequestOptionFunc) (*gl.Response, error)

// status is the HTTP status of a library result, 0 when no response came.
func status(resp *gl.Response, err error) int {
	if resp != nil && resp.Response != nil {
		return resp.StatusCode
	}
	var er *gl.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return er.Response.StatusCode
	}
	return 0
}

// httpResponse is the HTTP response behind a library result, if any.
func httpResponse(resp *gl.Response, err error) *http.Response {
	if resp != nil && resp.Response != nil {
		return resp.Response
	}
	var er *gl.ErrorResponse
	if errors.As(err, &er) {
		return er.Response
	}
	return nil
}

// do runs fn with a per-attempt timeout and retries what may succeed
// later: 429 (after Retry-After / RateLimit-Reset), 5xx, and transport or
// decoding failures such as timeouts and truncated bodies, with capped
// exponential backoff and at most MaxAttempts attempts. Every write this
// package makes is safe to repeat (a repeated add is a 409, a repeated
// remove a 404), so writes are retried too. A 429 that outlasts the
// attempts, or asks to wait longer than MaxWait, is a
// *reconcile.RateLimitError.
func (p *Provider) do(ctx context.Context, what string, fn call) (*gl.Response, error) {
	var lastErr error
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, p.cfg.RequestTimeout)
		resp, err := fn(gl.WithContext(actx))
		cancel()
		if err == nil {
			return resp, nil
		}
		if ctx.Err() != nil {
			return resp, fmt.Errorf("%s: %w", what, errors.Join(ctx.Err(), err))
		}
		st := status(resp, err)
		now := time.Now()
		var wait time.Duration
		switch {
		case st == http.StatusTooManyRequests:
			until := retryAt(httpResponse(resp, err), now)
			if until.IsZero() {
				until = now.Add(retry.Backoff(attempt))
			}
			if attempt >= p.cfg.MaxAttempts || until.Sub(now) > p.cfg.MaxWait {
				return resp, &reconcile.RateLimitError{Target: Name, Reset: until, Err: fmt.Errorf("%s: %w", what, err)}
			}
			wait = until.Sub(now)
		case st == 0 && retry.Untrusted(err):
			// A certificate that does not verify will not verify next time.
			return resp, fmt.Errorf("%s: %w", what, err)
		case st >= 500, st == 0, st >= 200 && st < 300:
			// 5xx, no response (timeout, reset connection) or a 2xx whose
			// body could not be read: all transient.
			if attempt >= p.cfg.MaxAttempts {
				return resp, fmt.Errorf("%s: giving up after %d attempts: %w", what, attempt, err)
			}
			wait = retry.Backoff(attempt)
		default:
			return resp, fmt.Errorf("%s: %w", what, err)
		}
		lastErr = err
		p.log.LogAttrs(ctx, slog.LevelDebug, "gitlab retry", slog.String("request", what), slog.Int("status", st),
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
