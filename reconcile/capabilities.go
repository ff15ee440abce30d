package reconcile

import "strings"

// Capabilities is what the plan must know of a target system. Each provider
// package describes its own, so the engine names no provider and a new
// target changes no engine file.
type Capabilities struct {
	// System is the target's name for people ("Okta"), in plan headings.
	System string
	// GroupTitle heads each group's table in the plan comment ("Okta group").
	GroupTitle string
	// FoldCase: logins are compared ignoring case (Okta logins are).
	FoldCase bool
	// CreatesGroups: a missing group is planned as create_group rather than
	// reported as an error.
	CreatesGroups bool
	// Levels are the access levels a group file may name, lowest first, with
	// the target's values. Empty when a membership carries no level.
	Levels []Level
	// BelowLowest names access above 0 and below the lowest level (GitLab's
	// "minimal access"). The config cannot grant it, so members holding it
	// are reported, never removed. Empty: "access below <lowest level>".
	BelowLowest string
	// ReadOnly describes each kind of membership that cannot be removed
	// here (ObservedMember.ReadOnly). An unknown kind is shown as is.
	ReadOnly map[string]ReadOnlyKind
	// RemovalEndsSubgroups: removing a member from a group also ends their
	// memberships of the groups below it ("org" of "org/team"), as removing
	// someone from a GitHub org ends their team memberships. Those are then
	// one change and one write: the memberships below are listed in
	// Plan.Ended, not as changes, and the removal guards still count them.
	RemovalEndsSubgroups bool
}

// Level is one access level by name and the target's numeric value.
type Level struct {
	Name  string
	Value int
}

// ReadOnlyKind is one reason a membership cannot be removed here.
type ReadOnlyKind struct {
	Why string // ends "is a member through ...": "an Okta group rule"
	// FromParentPath: the membership is granted in a group whose path is a
	// prefix of this one ("a" of "a/b"). When that group is managed, its
	// own plan covers the member and no warning is needed.
	FromParentPath bool
}

// key is a login as compared: folded when the target ignores case.
func (c *Capabilities) key(login string) string {
	if c.FoldCase {
		return strings.ToLower(login)
	}
	return login
}

// value is the numeric value of a level name, 0 when unknown or when the
// target has no levels.
func (c *Capabilities) value(name string) int {
	for _, l := range c.Levels {
		if l.Name == name {
			return l.Value
		}
	}
	return 0
}

// name maps a numeric value back to a level name; values between levels
// round down, below the lowest is "".
func (c *Capabilities) name(v int) string {
	best, bestValue := "", 0
	for _, l := range c.Levels {
		if l.Value <= v && (best == "" || l.Value >= bestValue) {
			best, bestValue = l.Name, l.Value
		}
	}
	return best
}

// belowLowest reports whether v is access above none and below every level.
func (c *Capabilities) belowLowest(v int) bool {
	if v <= 0 || len(c.Levels) == 0 {
		return false
	}
	for _, l := range c.Levels {
		if v >= l.Value {
			return false
		}
	}
	return true
}

// belowLowestName is what a reader is told such access is called.
func (c *Capabilities) belowLowestName() string {
	if c.BelowLowest != "" {
		return c.BelowLowest
	}
	lowest := ""
	for i, l := range c.Levels {
		if i == 0 || l.Value < c.value(lowest) {
			lowest = l.Name
		}
	}
	return "access below " + lowest
}

// readOnly returns the kind of a read-only membership.
func (c *Capabilities) readOnly(kind string) ReadOnlyKind {
	if k, ok := c.ReadOnly[kind]; ok {
		return k
	}
	return ReadOnlyKind{Why: kind}
}
