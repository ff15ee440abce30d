package accessdiff

import (
	"github.com/access-as-code/access/schema"
)

// Field-by-field equality of config entities, ignoring positions: a fast
// path that lets Compute skip the thousands of files a change leaves alone.

func equalUser(a, b *schema.User) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Email == b.Email && a.Okta == b.Okta && a.GitLab == b.GitLab &&
		a.GitHub == b.GitHub && a.OktaID == b.OktaID && a.GitLabID == b.GitLabID && a.GitHubID == b.GitHubID
}

func equalRefs(a, b []schema.Ref) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].User != b[i].User || a[i].Role != b[i].Role {
			return false
		}
	}
	return true
}

func equalMembers(a, b []schema.Member) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.User != y.User || x.Role != y.Role || x.Reason != y.Reason || !sameTime(x.Until, y.Until) {
			return false
		}
	}
	return true
}

func equalGroup(a, b *schema.Group) bool {
	if a.Description != b.Description || a.App != b.App || !equalRefs(a.Owners, b.Owners) || !equalMembers(a.Members, b.Members) {
		return false
	}
	if (a.Policy == nil) != (b.Policy == nil) || (a.Policy != nil && *a.Policy != *b.Policy) {
		return false
	}
	if (a.Okta == nil) != (b.Okta == nil) || (a.Okta != nil && a.Okta.Group != b.Okta.Group) {
		return false
	}
	if len(a.GitLab) != len(b.GitLab) || !equalGitHub(a.GitHub, b.GitHub) {
		return false
	}
	for i := range a.GitLab {
		if a.GitLab[i].Group != b.GitLab[i].Group || a.GitLab[i].Access != b.GitLab[i].Access {
			return false
		}
	}
	return true
}
