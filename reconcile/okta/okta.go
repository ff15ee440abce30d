// Package okta is the reconcile.Provider for Okta, built on
// github.com/okta/okta-sdk-golang/v2.
//
// Reads are per group, never per user: managed groups are found with
// batched name searches, their members are listed page by page (1000 per
// page) to the end, group rules are listed once, and requested logins are
// resolved from those member listings first; only the rest are looked up,
// in batched searches. Writes are one membership per request (Okta has no
// bulk membership call). The SDK's response cache is off (it would serve
// stale memberships) and so are its retries: the transport in this package
// retries 429 after X-Rate-Limit-Reset, 5xx with backoff, bounds
// concurrency and paces itself by X-Rate-Limit-Remaining.
package okta

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/okta/okta-sdk-golang/v2/okta"
)

// Config is what New needs. The token is used only in the Authorization
// header and is never logged.
type Config struct {
	OrgURL         string // https://example.okta.com
	Token          string // API token (SSWS)
	HTTPClient     *http.Client
	Logger         *slog.Logger
	MaxConcurrency int // requests in flight; default 8

	// MaxAttempts bounds the tries of one request (429, 5xx, broken
	// connections); default 5.
	MaxAttempts int
	// RequestTimeout bounds one attempt, reading the body included;
	// default HTTPClient.Timeout, else 30s.
	RequestTimeout time.Duration
	// RetryBackoff is the first wait after a 5xx, doubled per attempt
	// (capped at 30s); default 500ms.
	RetryBackoff time.Duration
	// AllowHTTP accepts an http:// org URL, for a local fake only.
	AllowHTTP bool
}

// Provider reads and writes Okta group memberships. It is safe for
// concurrent use.
type Provider struct {
	client *okta.Client
	log    *slog.Logger
	conc   int

	mu sync.Mutex
	// groups remembers what Observe and create_group learned, by the name
	// the config uses, so Apply needs no lookups.
	groups map[string]groupInfo
}

type groupInfo struct {
	id           string
	unmanageable string
}

// New builds a provider; it makes no request.
func New(ctx context.Context, cfg Config) (*Provider, error) {
	u, err := url.Parse(cfg.OrgURL)
	switch {
	case cfg.OrgURL == "":
		return nil, errors.New("okta: org URL is empty (set OKTA_ORG_URL)")
	case err != nil || u.Host == "":
		return nil, fmt.Errorf("okta: org URL %q is not a URL like https://example.okta.com", cfg.OrgURL)
	case u.Scheme != "https" && !(u.Scheme == "http" && cfg.AllowHTTP):
		return nil, fmt.Errorf("okta: org URL %q must use https", cfg.OrgURL)
	case strings.Trim(u.Path, "/") != "" || u.RawQuery != "":
		return nil, fmt.Errorf("okta: org URL %q must be the org's base URL, without a path", cfg.OrgURL)
	case cfg.Token == "":
		return nil, errors.New("okta: API token is empty (set OKTA_API_TOKEN)")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	conc := cfg.MaxConcurrency
	if conc <= 0 {
		conc = 8
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	tr := &transport{
		base: base, log: log, sem: make(chan struct{}, conc), buckets: map[string]*quota{},
		maxAttempts: cfg.MaxAttempts, timeout: cfg.RequestTimeout, backoff: cfg.RetryBackoff, maxBackoff: 30 * time.Second,
	}
	if tr.maxAttempts <= 0 {
		tr.maxAttempts = 5
	}
	if tr.timeout <= 0 {
		tr.timeout = hc.Timeout
	}
	if tr.timeout <= 0 {
		tr.timeout = 30 * time.Second
	}
	if tr.backoff <= 0 {
		tr.backoff = 500 * time.Millisecond
	}
	// The overall client has no timeout: waiting for a rate-limit reset
	// may take a minute; each attempt has its own deadline instead.
	client := &http.Client{Transport: tr, CheckRedirect: hc.CheckRedirect, Jar: hc.Jar}
	_, c, err := okta.NewClient(ctx,
		okta.WithOrgUrl(strings.TrimRight(cfg.OrgURL, "/")),
		okta.WithToken(cfg.Token),
		okta.WithAuthorizationMode("SSWS"),
		okta.WithHttpClientPtr(client),
		okta.WithCache(false),           // cached GETs would plan from stale memberships
		okta.WithRateLimitMaxRetries(0), // retries are the transport's
		okta.WithRequestTimeout(0),      // deadlines are per attempt, in the transport
		okta.WithTestingDisableHttpsCheck(cfg.AllowHTTP),
		okta.WithUserAgentExtra("access-reconcile"),
	)
	if err != nil {
		return nil, fmt.Errorf("okta: client: %w", err)
	}
	return &Provider{client: c, log: log, conc: conc, groups: map[string]groupInfo{}}, nil
}

// Name is the target name used in plans.
func (p *Provider) Name() string { return "okta" }

// apiError wraps an SDK error with the HTTP status, which the SDK's own
// message leaves out.
func apiError(resp *okta.Response, err error) error {
	if resp != nil && resp.Response != nil {
		return fmt.Errorf("HTTP %d: %w", resp.StatusCode, err)
	}
	return err
}

func statusOf(resp *okta.Response) int {
	if resp != nil && resp.Response != nil {
		return resp.StatusCode
	}
	return 0
}

// errorCode is the Okta errorCode (E0000007, ...) of an SDK error, if any.
func errorCode(err error) string {
	var e *okta.Error
	if errors.As(err, &e) {
		return e.ErrorCode
	}
	return ""
}
