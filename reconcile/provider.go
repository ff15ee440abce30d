// Package reconcile plans and applies the difference between the desired
// state compiled from access-config and what Okta and GitLab hold.
//
// The plan is a pure function (MakePlan) of desired and observed state; all
// I/O lives in providers behind the Provider interface, one package each
// (reconcile/okta, reconcile/gitlab), and every provider passes the shared
// conformance suite in reconcile/providertest. What the plan must know of a
// target (case of logins, access levels, read-only memberships, whether
// groups are created) comes from the Capabilities its package describes, so
// this package names no provider.
package reconcile

import (
	"context"
	"fmt"
	"time"
)

// Provider reads and writes one target system.
// Implementations must be safe for concurrent Apply calls.
type Provider interface {
	// Name is the target name used in plans ("okta", "gitlab").
	Name() string
	// Observe reads the managed groups and resolves the requested accounts.
	// Every group in q.Groups appears in the result (Exists false when it is
	// missing). A failed or partial read is an error: never an empty group.
	Observe(ctx context.Context, q Query) (*Observed, error)
	// Apply makes one change. It is idempotent: adding a present member or
	// removing an absent one succeeds.
	Apply(ctx context.Context, c Change) error
}

// Query is what a plan needs read from one provider.
type Query struct {
	Groups []string // managed group names (Okta) or full paths (GitLab)
	// Logins to resolve to accounts: Okta logins or GitLab usernames.
	Logins []string
	// Pinned maps a login to the account id the config pins it to
	// (okta_id / gitlab_id); the id wins over the login, so a rename is
	// seen as a rename.
	Pinned map[string]string
}

// Observed is what a provider read.
type Observed struct {
	Groups map[string]*ObservedGroup // by requested name/path
	// Accounts by requested login. A login absent here has no account.
	Accounts map[string]*Account
}

// ObservedGroup is one managed group as the target holds it.
type ObservedGroup struct {
	Name   string
	ID     string
	Exists bool
	// Unmanageable, when set, says why this group must not be managed
	// (an Okta BUILT_IN or APP_GROUP group, or one targeted by a group rule).
	Unmanageable string
	Members      map[string]*ObservedMember // by account id
}

// ObservedMember is one member of a group.
type ObservedMember struct {
	AccountID string
	Login     string
	Level     int // a value of the target's Capabilities.Levels; 0 when it has none
	// ReadOnly, when set, says why this membership cannot be removed here:
	// a kind of the target's Capabilities.ReadOnly ("group_rule" in Okta,
	// "inherited" from a parent group in GitLab).
	ReadOnly string
	// LevelUnknown: the target does not report this member's own level
	// (GitHub shows every org owner as maintainer of every team), so any
	// wanted level counts as met and no update is planned; the member is
	// still removed when not wanted.
	LevelUnknown bool
}

// Account is a resolved user account.
type Account struct {
	ID     string
	Login  string // the login/username as the target holds it now
	Active bool   // false: deactivated, suspended, blocked, deprovisioned
	Status string // the target's own status word
}

// Op is the kind of a change.
type Op string

// The change kinds of the plan JSON.
const (
	OpCreateGroup Op = "create_group"
	OpAdd         Op = "add"
	OpUpdate      Op = "update"
	OpRemove      Op = "remove"
)

// Change is one write. Its field names are the plan JSON that workflows and
// reviewers read: they do not change.
type Change struct {
	Op          Op     `json:"op"`
	Target      string `json:"target"`
	Group       string `json:"group"`
	User        string `json:"user"` // config user id, or the login when not in the config
	ConfigGroup string `json:"config_group"`
	Access      string `json:"access"` // GitLab level name for add/update
	Reason      string `json:"reason"`
	Login       string `json:"login,omitempty"`      // the account's login/username
	AccountID   string `json:"account_id,omitempty"` // the target's user id
	From        string `json:"from_access,omitempty"`
}

func (c Change) String() string {
	who := c.User
	if c.Login != "" && c.Login != c.User {
		who = fmt.Sprintf("%s (%s)", c.User, c.Login)
	}
	switch c.Op {
	case OpCreateGroup:
		return fmt.Sprintf("%s: create group %s", c.Target, c.Group)
	case OpUpdate:
		return fmt.Sprintf("%s: %s in %s: %s -> %s", c.Target, who, c.Group, c.From, c.Access)
	default:
		return fmt.Sprintf("%s: %s %s in %s", c.Target, c.Op, who, c.Group)
	}
}

// RateLimitError is returned by a provider when the target refused a request
// for rate limiting and the retries ran out; Reset is when quota returns.
type RateLimitError struct {
	Target string
	Reset  time.Time
	Err    error
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("%s: rate limited until %s: %v", e.Target, e.Reset.UTC().Format(time.RFC3339), e.Err)
}

func (e *RateLimitError) Unwrap() error { return e.Err }
