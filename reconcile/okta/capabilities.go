package okta

import "github.com/access-as-code/access/reconcile"

// Capabilities is what the plan must know of Okta: logins ignore case (Okta
// compares them so), groups are created when missing, membership has no
// level, and a membership given by a group rule cannot be removed through
// the Groups API.
func Capabilities() reconcile.Capabilities {
	return reconcile.Capabilities{
		System:        "Okta",
		GroupTitle:    "Okta group",
		FoldCase:      true,
		CreatesGroups: true,
		ReadOnly:      map[string]reconcile.ReadOnlyKind{"group_rule": {Why: "an Okta group rule"}},
	}
}
