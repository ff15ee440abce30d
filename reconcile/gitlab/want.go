package gitlab

import (
	"strconv"

	"github.com/access-as-code/access/reconcile"
	"github.com/access-as-code/access/schema"
)

// Want is the GitLab part of a desired state: group path -> username ->
// grant at its level.
func Want(d *schema.Desired) reconcile.Want {
	w := reconcile.Want{}
	for path, members := range d.GitLab {
		m := make(map[string]reconcile.Wanted, len(members))
		for username, g := range members {
			pin := ""
			if g.GitLabID != 0 {
				pin = strconv.Itoa(g.GitLabID)
			}
			m[username] = reconcile.Wanted{User: g.User, Login: username, PinnedID: pin, Level: string(g.Level), ConfigGroup: g.ConfigGroup, Reason: g.Reason}
		}
		w[path] = m
	}
	return w
}

// Known maps every user's GitLab username to the user id.
func Known(cfg *schema.Config) map[string]string {
	m := make(map[string]string, len(cfg.Users))
	for _, u := range cfg.Users {
		if u.GitLab != "" {
			m[u.GitLab] = u.ID
		}
	}
	return m
}
