package gitlab

import (
	"github.com/access-as-code/access/reconcile"
	"github.com/access-as-code/access/schema"
)

// Capabilities is what the plan must know of GitLab: usernames are compared
// as written, groups are never created (a missing one is a plan error),
// levels are GitLab's (docs: api/members.md,
// "Roles"), minimal access (5) comes from SAML/SCIM and is left alone, and
// a member inherited from a parent group is removed there, not here.
func Capabilities() reconcile.Capabilities {
	c := reconcile.Capabilities{
		System:      "GitLab",
		GroupTitle:  "GitLab group",
		BelowLowest: "minimal access",
		ReadOnly:    map[string]reconcile.ReadOnlyKind{"inherited": {Why: "a parent group (inherited)", FromParentPath: true}},
	}
	for _, l := range schema.AccessLevels() {
		c.Levels = append(c.Levels, reconcile.Level{Name: string(l), Value: l.Value()})
	}
	return c
}
