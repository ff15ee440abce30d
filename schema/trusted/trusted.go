// Package trusted decides which access.yaml may say where a token is sent.
//
// Provider URLs (okta.org_url, gitlab.url, github.api_url, ...) are token
// destinations: whoever chooses one receives the token sent there. In a pull
// request the checked-out access.yaml is the requester's own version, so a
// destination comes from the environment first, else from access.yaml as it
// is on the base branch (reviewed and merged), never from the config under
// review. Outside a pull request (apply on main, a local run) the checked-out
// access.yaml is the merged config and is used as it is.
package trusted

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sync"

	"github.com/access-as-code/access/schema"
	"github.com/access-as-code/access/schema/gitrev"
)

// pullRequestEvents are the GitHub Actions events whose checkout holds a
// change not yet merged (GITHUB_EVENT_NAME, per "Events that trigger
// workflows" in the GitHub Actions docs).
var pullRequestEvents = map[string]bool{
	"pull_request":                true,
	"pull_request_target":         true,
	"pull_request_review":         true,
	"pull_request_review_comment": true,
	"merge_group":                 true,
}

// Run tells whether the run is for a pull request and, if so, which base
// revision holds the trusted access.yaml.
type Run struct {
	PullRequest bool
	BaseRev     string // "" when the base is unknown: destinations must then come from the environment
}

// RunOf reads the run's kind from the GitHub Actions environment. Actions
// sets GITHUB_BASE_REF (the target branch's name) for pull_request and
// pull_request_target; the base is then origin/GITHUB_BASE_REF, which
// actions/checkout fetches with fetch-depth: 0. For the other pull-request
// events (reviews, merge_group) the base commit is taken from the event
// payload at GITHUB_EVENT_PATH, which the runner writes: pull_request.base.sha
// or merge_group.base_sha, as the webhook payload docs name them.
func RunOf(getenv func(string) string) Run {
	ref := getenv("GITHUB_BASE_REF")
	r := Run{PullRequest: ref != "" || pullRequestEvents[getenv("GITHUB_EVENT_NAME")]}
	switch {
	case ref != "":
		r.BaseRev = "origin/" + ref
	case r.PullRequest && getenv("GITHUB_EVENT_PATH") != "":
		r.BaseRev = baseOfEvent(getenv("GITHUB_EVENT_PATH"))
	}
	return r
}

// baseOfEvent is the base commit named in an event payload file, or "".
func baseOfEvent(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var ev struct {
		PullRequest struct {
			Base struct {
				SHA string `json:"sha"`
			} `json:"base"`
		} `json:"pull_request"`
		MergeGroup struct {
			BaseSHA string `json:"base_sha"`
		} `json:"merge_group"`
	}
	if json.Unmarshal(data, &ev) != nil {
		return ""
	}
	for _, sha := range []string{ev.PullRequest.Base.SHA, ev.MergeGroup.BaseSHA} {
		if fullSHA.MatchString(sha) {
			return sha
		}
	}
	return ""
}

// fullSHA is a full commit id: a payload value is used as a revision only
// when it can name nothing else.
var fullSHA = regexp.MustCompile(`^[0-9a-f]{40}$`)

// Source resolves settings that choose where a token goes. Its methods are
// safe for concurrent use; the base revision is read at most once, and only
// when the environment lacks a setting.
type Source struct {
	getenv   func(string) string
	checked  *schema.Config
	run      Run
	readBase func(rev string) (*schema.Config, error)

	once    sync.Once
	base    *schema.Config
	baseErr error
}

// Options configure a Source.
type Options struct {
	// Getenv reads the environment; nil reads nothing.
	Getenv func(string) string
	// Checked is the checked-out config: trusted only outside a pull request.
	Checked *schema.Config
	// Run is the kind of run, usually RunOf(Getenv).
	Run Run
	// ReadBase loads the config at a revision, usually AtRevision(configDir).
	ReadBase func(rev string) (*schema.Config, error)
}

// New returns a Source.
func New(o Options) *Source {
	if o.Getenv == nil {
		o.Getenv = func(string) string { return "" }
	}
	return &Source{getenv: o.Getenv, checked: o.Checked, run: o.Run, readBase: o.ReadBase}
}

// Config returns the access.yaml trusted to name token destinations: the
// checked-out one outside a pull request, else the base revision's. It
// fails in a pull request whose base cannot be read; it never falls back to
// the checked-out config.
func (s *Source) Config() (*schema.Config, error) {
	if !s.run.PullRequest {
		if s.checked == nil {
			return &schema.Config{}, nil
		}
		return s.checked, nil
	}
	s.once.Do(func() {
		switch {
		case s.run.BaseRev == "":
			s.baseErr = errors.New("the pull request's base is unknown (neither GITHUB_BASE_REF nor the event payload at GITHUB_EVENT_PATH names it)")
		case s.readBase == nil:
			s.baseErr = fmt.Errorf("no way to read %s", s.run.BaseRev)
		default:
			s.base, s.baseErr = s.readBase(s.run.BaseRev)
			if s.baseErr == nil && s.base == nil {
				s.baseErr = fmt.Errorf("%s: no config", s.run.BaseRev)
			}
		}
	})
	return s.base, s.baseErr
}

// Setting is one token destination: the environment variable that sets it
// and, failing that, its access.yaml key and how to read it.
type Setting struct {
	Env   string                      // e.g. OKTA_ORG_URL; wins over access.yaml
	Key   string                      // e.g. okta.org_url, for messages
	Field func(*schema.Config) string // reads Key from a config
}

// Value resolves s: the environment, else the trusted access.yaml. "" with
// no error means neither sets it. An error means the environment lacks it
// and the trusted access.yaml could not be read; it names the variable to
// set.
func (s *Source) Value(set Setting) (string, error) {
	if v := s.getenv(set.Env); v != "" {
		return v, nil
	}
	cfg, err := s.Config()
	if err != nil {
		return "", fmt.Errorf("%s is not set and %s cannot be read from access.yaml on the base branch (in a pull request the checked-out access.yaml is the change under review and never chooses where a token goes): set %s: %w",
			set.Env, set.Key, set.Env, err)
	}
	return set.Field(cfg), nil
}

// Where says where a setting is looked for, for a message asking to set it:
// "OKTA_ORG_URL (or okta.org_url in access.yaml on the base branch origin/main)".
func (s *Source) Where(set Setting) string {
	switch {
	case !s.run.PullRequest:
		return fmt.Sprintf("%s (or %s in access.yaml)", set.Env, set.Key)
	case s.run.BaseRev != "":
		return fmt.Sprintf("%s (or %s in access.yaml on the base branch %s)", set.Env, set.Key, s.run.BaseRev)
	default:
		return set.Env
	}
}

// AtRevision reads the config committed at a revision of the git repository
// holding configDir, through gitrev (the object store, not the work tree,
// which holds the change under review).
func AtRevision(configDir string) func(rev string) (*schema.Config, error) {
	return func(rev string) (*schema.Config, error) {
		repo, err := gitrev.Open(configDir)
		if err != nil {
			return nil, err
		}
		defer repo.Close()
		c, err := repo.Resolve(rev)
		if err != nil {
			return nil, fmt.Errorf("base revision %s: %w", rev, err)
		}
		fsys, err := repo.ConfigFS(c)
		if err != nil {
			return nil, fmt.Errorf("base revision %s: %w", rev, err)
		}
		// Only access.yaml holds destinations: a problem in another file of
		// the base does not make its settings untrustworthy.
		cfg, err := schema.Load(fsys)
		var inSettings []error
		for _, e := range schema.Errors(err) {
			if e.File == "access.yaml" || e.File == "" {
				inSettings = append(inSettings, e)
			}
		}
		if len(inSettings) > 0 {
			return nil, fmt.Errorf("base revision %s: %w", rev, errors.Join(inSettings...))
		}
		return cfg, nil
	}
}
