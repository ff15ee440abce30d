package schema

import "time"

// Path is one way a person reaches a config group: directly (Role == "") or
// through a role. Until and Reason come from the entry that grants it.
type Path struct {
	Role   string     `json:"role,omitempty"`
	Until  *time.Time `json:"until,omitempty"`
	Reason string     `json:"reason,omitempty"`
}

// Grant is how one person holds one config group at Desired.Now.
type Grant struct {
	User   string     `json:"user"`             // user id
	Until  *time.Time `json:"until,omitempty"`  // latest expiry over all paths; nil = no end
	Reason string     `json:"reason,omitempty"` // reason of the path that lasts longest
	Via    []Path     `json:"via"`              // direct first, then roles by name
}

// Equal reports whether g and o grant the same: the same end and reason,
// and the same paths (role, end, reason) in the same order. A change of
// any of them is a change a reviewer must see. Two nil grants are equal.
func (g *Grant) Equal(o *Grant) bool {
	if g == nil || o == nil {
		return g == nil && o == nil
	}
	if g.User != o.User || !sameEnd(g.Until, o.Until) || g.Reason != o.Reason || len(g.Via) != len(o.Via) {
		return false
	}
	for i := range g.Via {
		x, y := g.Via[i], o.Via[i]
		if x.Role != y.Role || !sameEnd(x.Until, y.Until) || x.Reason != y.Reason {
			return false
		}
	}
	return true
}

// OktaGrant is one person's desired membership of one Okta group.
type OktaGrant struct {
	User        string // user id
	Login       string // Okta login
	OktaID      string // pinned Okta user id, if any
	ConfigGroup string // the group file granting it (first by name when several)
	Reason      string
	Until       *time.Time // the config group grant's end; nil = no end
}

// GitLabGrant is one person's desired membership of one GitLab group.
type GitLabGrant struct {
	User        string // user id
	Username    string // GitLab username
	GitLabID    int    // pinned GitLab user id, if any
	Level       AccessLevel
	ConfigGroup string // the group file that gives the highest level
	Reason      string
	// Until is when the level ends: the latest end of the config groups
	// that give it; nil = no end.
	Until *time.Time
}

// Desired is the compiled, effective state of a config at one instant: what
// Okta and GitLab should hold. It is pure data, computed by Compile.
type Desired struct {
	Now time.Time
	// Groups: config group -> user id -> grant (expired entries dropped).
	Groups map[string]map[string]*Grant
	// Okta: Okta group name -> Okta login -> grant. Every managed Okta group
	// is a key, even when it should be empty.
	Okta map[string]map[string]OktaGrant
	// GitLab: GitLab group full path -> username -> grant. Every managed
	// GitLab group is a key, even when it should be empty.
	GitLab map[string]map[string]GitLabGrant
	// Owners: "group/NAME", "role/NAME", "app/NAME" -> user ids who may
	// approve changes to it (group owners incl. role members and app owners),
	// sorted. Admins are not included; they are the fallback.
	Owners map[string][]string
}
