package github

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	gh "github.com/google/go-github/v60/github"
)

// Name is the target name of GitHub org and team membership in plans.
const Name = "github"

// Levels of ObservedMember.Level and the role names of Change.Access. An
// org member and a team member are the same level; a team maintainer and
// an org admin are the higher one of their kind of group.
const (
	LevelMember     = 10
	LevelMaintainer = 40
	LevelAdmin      = 50
)

// Role names as GitHub's REST API spells them.
const (
	RoleMember     = "member"
	RoleMaintainer = "maintainer"
	RoleAdmin      = "admin"
)

// RoleLevel maps a role to its level (0 for an unknown role).
func RoleLevel(role string) int {
	switch strings.ToLower(role) {
	case RoleMember:
		return LevelMember
	case RoleMaintainer:
		return LevelMaintainer
	case RoleAdmin:
		return LevelAdmin
	}
	return 0
}

// Pace is the write pacing of one token: GitHub's documented secondary
// limits on content-generating requests ("no more than 80 ... per minute
// and no more than 500 ... per hour") and invitations ("500 people per 24
// hour period"). Minute is the unit of time, scaled down in benchmarks.
type Pace struct {
	PerMinute     int // default 80
	PerHour       int // default 500
	InvitesPerDay int // default 500
	Minute        time.Duration
}

// Team is what a group file says about a team beyond its members: where
// it is created.
type Team struct {
	Parent string // parent team slug, "" for none
}

// Config configures NewProvider.
type Config struct {
	// APIURL is the REST root: https://api.github.com/ by default, or
	// https://HOST/api/v3/ for GitHub Enterprise Server.
	APIURL string
	// GraphQLURL defaults to APIURL + "graphql", or https://HOST/api/graphql
	// for GitHub Enterprise Server.
	GraphQLURL string
	// Token is a personal access token or an installation token; it is sent
	// as a bearer token and never logged.
	Token      string
	HTTPClient *http.Client
	Logger     *slog.Logger
	// RequestTimeout bounds one attempt (default 30s); MaxAttempts the
	// attempts of one request (default 5); MaxWait the longest wait for a
	// rate-limit reset before giving up with *reconcile.RateLimitError
	// (default 2m; at least two Pace minutes, which a secondary limit
	// without retry-after asks for).
	RequestTimeout time.Duration
	MaxAttempts    int
	MaxWait        time.Duration
	// MinAdmins: no removal or demotion leaves an org with fewer admins
	// (default 2).
	MinAdmins int
	// Teams by "ORG/TEAM": how to create the managed teams.
	Teams map[string]Team
	// TeamSync: the orgs use team synchronization (GitHub Enterprise
	// Cloud); each managed team's IdP group mappings are read and synced
	// teams are reported unmanageable. Off, that costs no request.
	TeamSync bool
	Pace     Pace
	// ReadConcurrency bounds the orgs and account lookups read at once
	// (default 4).
	ReadConcurrency int
}

// Provider reads and writes GitHub org and team memberships. It is safe
// for concurrent use; writes go out one at a time, paced.
type Provider struct {
	cfg     Config
	api     *gh.Client
	graphQL string
	log     *slog.Logger
	pace    *pacer

	writeMu sync.Mutex // writes are serial per token

	mu      sync.Mutex
	self    string // lower-case login of the token's account, "" when an app
	selfOK  bool
	orgs    map[string]*orgView // by lower-case org login, from the last Observe
	teamIDs map[string]int64    // "org/slug" -> id
}

// orgView is what Apply needs to know from the last read of an org.
type orgView struct {
	admins  map[string]bool // lower-case logins of active admins
	present map[string]bool // lower-case logins of members and invitees
}

// NewProvider makes a provider; nothing is fetched until Observe.
func NewProvider(cfg Config) (*Provider, error) {
	if cfg.Token == "" {
		return nil, errors.New("github: no token: set GITHUB_TOKEN")
	}
	if cfg.APIURL == "" {
		cfg.APIURL = "https://api.github.com/"
	}
	base, err := url.Parse(strings.TrimSuffix(cfg.APIURL, "/") + "/")
	if err != nil || base.Host == "" || (base.Scheme != "https" && base.Scheme != "http") {
		return nil, fmt.Errorf("github: API URL %q: want an absolute http(s) URL", cfg.APIURL)
	}
	if cfg.GraphQLURL == "" {
		cfg.GraphQLURL = DefaultGraphQLURL(base.String())
	}
	if u, err := url.Parse(cfg.GraphQLURL); err != nil || u.Host == "" {
		return nil, fmt.Errorf("github: GraphQL URL %q: want an absolute URL", cfg.GraphQLURL)
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.Pace.PerMinute <= 0 {
		cfg.Pace.PerMinute = 80
	}
	if cfg.Pace.PerHour <= 0 {
		cfg.Pace.PerHour = 500
	}
	if cfg.Pace.InvitesPerDay <= 0 {
		cfg.Pace.InvitesPerDay = 500
	}
	if cfg.Pace.Minute <= 0 {
		cfg.Pace.Minute = time.Minute
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = max(2*time.Minute, 2*cfg.Pace.Minute)
	}
	if cfg.MinAdmins == 0 {
		cfg.MinAdmins = 2
	}
	if cfg.ReadConcurrency <= 0 {
		cfg.ReadConcurrency = 4
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	api := gh.NewClient(withNonEmptyReads(cfg.HTTPClient)).WithAuthToken(cfg.Token)
	api.BaseURL = base
	return &Provider{cfg: cfg, api: api, graphQL: cfg.GraphQLURL, log: log, pace: newPacer(cfg.Pace),
		orgs: map[string]*orgView{}, teamIDs: map[string]int64{}}, nil
}

// DefaultGraphQLURL is where GraphQL lives for a REST root: api_url +
// "graphql" on github.com and GHE.com, https://HOST/api/graphql on GitHub
// Enterprise Server, whose REST root is https://HOST/api/v3/ ("Forming
// calls with GraphQL", docs.github.com/en/enterprise-server@latest/graphql).
func DefaultGraphQLURL(apiURL string) string {
	root := strings.TrimSuffix(apiURL, "/") + "/"
	if strings.HasSuffix(root, "/api/v3/") {
		return strings.TrimSuffix(root, "v3/") + "graphql"
	}
	return root + "graphql"
}

// Name is "github".
func (p *Provider) Name() string { return Name }

// splitGroup parses a plan group: "ORG" or "ORG/TEAM".
func splitGroup(group string) (org, team string, err error) {
	org, team, _ = strings.Cut(group, "/")
	if org == "" || strings.Contains(team, "/") || (strings.Contains(group, "/") && team == "") {
		return "", "", fmt.Errorf("github group %q: want ORG or ORG/TEAM", group)
	}
	return org, strings.ToLower(team), nil
}
