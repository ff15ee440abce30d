package reconcile

import (
	"sort"
	"strconv"
	"strings"

	"github.com/access-as-code/access/schema"
)

// Wanted is one desired membership of one target group.
type Wanted struct {
	User        string // config user id
	Login       string // Okta login or GitLab username
	PinnedID    string // okta_id / gitlab_id from users.yaml, if any
	Level       string // a level name of the target's Capabilities; "" when it has none
	ConfigGroup string
	Reason      string
}

// Want is what the config asks of one target: group -> login -> membership.
// Every managed group is a key, even when it should be empty.
type Want map[string]map[string]Wanted

// WantOkta extracts the Okta part of a desired state.
func WantOkta(d *schema.Desired) Want {
	w := Want{}
	for group, members := range d.Okta {
		m := make(map[string]Wanted, len(members))
		for login, g := range members {
			m[login] = Wanted{User: g.User, Login: login, PinnedID: g.OktaID, ConfigGroup: g.ConfigGroup, Reason: g.Reason}
		}
		w[group] = m
	}
	return w
}

// WantGitLab extracts the GitLab part of a desired state.
func WantGitLab(d *schema.Desired) Want {
	w := Want{}
	for path, members := range d.GitLab {
		m := make(map[string]Wanted, len(members))
		for username, g := range members {
			pin := ""
			if g.GitLabID != 0 {
				pin = strconv.Itoa(g.GitLabID)
			}
			m[username] = Wanted{User: g.User, Login: username, PinnedID: pin, Level: string(g.Level), ConfigGroup: g.ConfigGroup, Reason: g.Reason}
		}
		w[path] = m
	}
	return w
}

// Query is the read a plan of w needs: every group, every login, the pins.
func (w Want) Query() Query {
	q := Query{Pinned: map[string]string{}}
	logins := map[string]bool{}
	for group, members := range w {
		q.Groups = append(q.Groups, group)
		for login, m := range members {
			logins[login] = true
			if m.PinnedID != "" {
				q.Pinned[login] = m.PinnedID
			}
		}
	}
	sort.Strings(q.Groups)
	for l := range logins {
		q.Logins = append(q.Logins, l)
	}
	sort.Strings(q.Logins)
	return q
}

// KnownOkta maps every user's Okta login (lower case: Okta logins ignore
// case) to the user id.
func KnownOkta(cfg *schema.Config) map[string]string {
	m := make(map[string]string, len(cfg.Users))
	for _, u := range cfg.Users {
		if l := u.OktaLogin(); l != "" {
			m[strings.ToLower(l)] = u.ID
		}
	}
	return m
}

// KnownGitLab maps every user's GitLab username to the user id.
func KnownGitLab(cfg *schema.Config) map[string]string {
	m := make(map[string]string, len(cfg.Users))
	for _, u := range cfg.Users {
		if u.GitLab != "" {
			m[u.GitLab] = u.ID
		}
	}
	return m
}
