// Package gitlab is the reconcile.Provider for GitLab groups, built on the
// GitLab client library (gitlab.com/gitlab-org/api/client-go).
//
// Observe reads each managed group's direct members by the group's
// URL-encoded full path, with no lookup of the group first (GitLab's 404
// "404 Group Not Found" on the first page is a missing group), to the last
// page (per_page=100; after the first page the rest
// are read in parallel, and the read is repeated if the total moved while
// reading), and reports members inherited from parent groups as ReadOnly
// "inherited" so a plan never removes them and knows their level. Inherited
// members come from the parents' direct member lists: a parent that is
// itself managed costs nothing more, an unmanaged parent is read once for
// all its subgroups, and /members/all is read only when a parent cannot be
// read. Usernames are resolved from the member lists already read, and
// otherwise with one GET /users?username= each; pinned ids
// (gitlab_id) with GET /users/:id, so a renamed account keeps its id and
// shows its new username.
//
// Apply adds (POST; 409 "Member already exists" counts as done once the
// level is checked), changes levels (PUT) and removes (DELETE, always with
// skip_subresources=true so the person's own memberships in subgroups and
// projects survive, and unassign_issuables=false). GitLab refuses to remove
// or demote a group's last owner; that is one change's error. Groups are
// never created here: only Okta groups are created by reconcile. Writes
// name the group by its full path too, so applying costs no lookup.
//
// The client library's own retries and rate limiter are off: this package
// retries 429 and 5xx itself with backoff that honours Retry-After and
// RateLimit-Reset, bounds attempts, and shares one gate that bounds
// concurrency and shrinks it to RateLimit-Remaining.
package gitlab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	gl "gitlab.com/gitlab-org/api/client-go"
	"golang.org/x/time/rate"

	"github.com/access-as-code/access/reconcile"
)

// Name is the target name in plans.
const Name = "gitlab"

// Config configures New.
type Config struct {
	// BaseURL is the instance URL (https://gitlab.example.com); "/api/v4"
	// is added when missing.
	BaseURL string
	// Token is a personal, group or project access token. It is sent as
	// PRIVATE-TOKEN and never logged.
	Token string
	// HTTPClient is used for every request; nil means a pooled client.
	HTTPClient *http.Client
	// Logger receives retry and rate-limit notes; nil discards them.
	Logger *slog.Logger
	// MaxConcurrency bounds requests in flight (default 8).
	MaxConcurrency int
	// RequestTimeout bounds one attempt of one request (default 30s).
	RequestTimeout time.Duration
	// MaxAttempts bounds the attempts of one request (default 5).
	MaxAttempts int
	// MaxWait is the longest wait for a rate-limit reset before giving up
	// with a *reconcile.RateLimitError (default 2m).
	MaxWait time.Duration
}

// Provider reads and writes GitLab group memberships. It is safe for
// concurrent use.
type Provider struct {
	cfg  Config
	c    *gl.Client
	gate *gate
	log  *slog.Logger
}

var _ reconcile.Provider = (*Provider)(nil)

// New builds a Provider. It makes no request.
func New(ctx context.Context, cfg Config) (*Provider, error) {
	_ = ctx // reserved: nothing is fetched at construction
	if strings.TrimSpace(cfg.BaseURL) == "" {
		return nil, errors.New("gitlab: no base URL: set GITLAB_URL or the gitlab url in access.yaml")
	}
	if !strings.HasPrefix(cfg.BaseURL, "https://") && !strings.HasPrefix(cfg.BaseURL, "http://") {
		return nil, fmt.Errorf("gitlab: base URL %q: want http:// or https://", cfg.BaseURL)
	}
	if cfg.Token == "" {
		return nil, errors.New("gitlab: no token: set GITLAB_TOKEN")
	}
	if cfg.MaxConcurrency <= 0 {
		cfg.MaxConcurrency = 8
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = 2 * time.Minute
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	g := newGate(cfg.MaxConcurrency)
	hc := wrapClient(cfg.HTTPClient, g, cfg.MaxConcurrency)
	c, err := gl.NewClient(cfg.Token,
		gl.WithBaseURL(strings.TrimSuffix(cfg.BaseURL, "/")),
		gl.WithHTTPClient(hc),
		// Retries and pacing are ours (retry.go, gate.go): the library's
		// would multiply attempts and read RateLimit-Limit as per minute.
		gl.WithoutRetries(),
		gl.WithCustomLimiter(rate.NewLimiter(rate.Inf, 0)),
		gl.WithURLWarningLogger(log),
	)
	if err != nil {
		return nil, fmt.Errorf("gitlab: client: %w", err)
	}
	return &Provider{cfg: cfg, c: c, gate: g, log: log}, nil
}

// Name is "gitlab".
func (p *Provider) Name() string { return Name }
