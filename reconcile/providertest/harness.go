// Package providertest is the conformance suite every reconcile.Provider
// passes against its fake target API. A provider's own _test.go implements
// Harness over its fake (internal/oktafake, internal/gitlabfake) and calls
// Run once; the suite then proves the contract of reconcile.Provider:
// pagination to the end, idempotent writes, not-found groups, pending and
// deactivated users, recovery from 429 and 5xx, and that a failed read is an
// error, never an empty group.
package providertest

import "github.com/access-as-code/access/reconcile"

// FaultKind is a failure the harness makes its fake inject.
type FaultKind int

// The faults of the fault matrix. Count applies to the next Count requests
// of any endpoint (Always: until the test ends).
const (
	// FaultRateLimit answers 429 with the target's rate-limit headers and a
	// reset at most a couple of seconds away.
	FaultRateLimit FaultKind = iota + 1
	// FaultServerError answers 500 (or 502/503) with the target's error body.
	FaultServerError
	// FaultTimeout holds the request until the client gives up. The harness
	// must build its provider with a short per-request timeout (a few seconds at most).
	FaultTimeout
	// FaultTruncated cuts the response body mid-JSON and closes the
	// connection, so the client sees a broken read.
	FaultTruncated
	// FaultUnauthorized answers 401 as for an invalid token.
	FaultUnauthorized
	// FaultUserWrite makes every write (add, remove, update) concerning
	// Fault.Login fail permanently (a 4xx the target would send); Count is
	// ignored.
	FaultUserWrite
)

// Always is a Count meaning "every request from now on".
const Always = 1 << 30

// Fault is one injected failure.
type Fault struct {
	Kind  FaultKind
	Count int
	Login string // FaultUserWrite only
}

// Harness is what a provider's test gives the suite: a fresh, empty fake
// target and a provider wired to it. Seeding methods write the fake's state
// directly (no API calls are counted for them).
type Harness interface {
	// Provider is the provider under test, talking to the fake over HTTP.
	Provider() reconcile.Provider
	// Access is the access level used for adds: the name put in
	// Change.Access and the value Members and ObservedMember.Level report
	// for it. Targets without levels (Okta) return "", 0.
	Access() (name string, value int)
	// CreateUser makes an active account and returns its id as the
	// provider reports it in Account.ID and ObservedMember.AccountID.
	CreateUser(login string) string
	// DeactivateUser makes the account inactive (Okta DEPROVISIONED or
	// SUSPENDED, GitLab blocked).
	DeactivateUser(login string)
	// CreateGroup makes an empty, manageable group and returns the name or
	// path to use in Query.Groups and Change.Group.
	CreateGroup(name string) string
	// GroupName turns a suite name into the name or path the provider
	// expects for a group that does not exist yet (e.g. "parent/x" for
	// GitLab, where groups are not created by the provider).
	GroupName(name string) string
	// CanCreateGroups reports whether the provider implements
	// reconcile.OpCreateGroup (Okta yes, GitLab no).
	CanCreateGroups() bool
	// AddMember seeds a membership with the given level value (ignored
	// where there are no levels). group is what CreateGroup returned.
	AddMember(group, login string, level int)
	// Members is the fake's truth: login -> level value (0 without levels).
	Members(group string) map[string]int
	// SetFault injects a failure; it returns false when the fake cannot
	// model this kind, and the case is skipped.
	SetFault(f Fault) bool
	// ClearFaults removes every injected failure.
	ClearFaults()
	// Requests is the number of API requests the fake has answered,
	// failed ones included.
	Requests() int
}
