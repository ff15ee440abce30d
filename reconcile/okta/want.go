package okta

import (
	"strings"

	"github.com/access-as-code/access/reconcile"
	"github.com/access-as-code/access/schema"
)

// Want is the Okta part of a desired state: Okta group -> login -> grant.
func Want(d *schema.Desired) reconcile.Want {
	w := reconcile.Want{}
	for group, members := range d.Okta {
		m := make(map[string]reconcile.Wanted, len(members))
		for login, g := range members {
			m[login] = reconcile.Wanted{User: g.User, Login: login, PinnedID: g.OktaID, ConfigGroup: g.ConfigGroup, Reason: g.Reason}
		}
		w[group] = m
	}
	return w
}

// Known maps every user's Okta login (lower case: Okta logins ignore case)
// to the user id.
func Known(cfg *schema.Config) map[string]string {
	m := make(map[string]string, len(cfg.Users))
	for _, u := range cfg.Users {
		if l := u.OktaLogin(); l != "" {
			m[strings.ToLower(l)] = u.ID
		}
	}
	return m
}
