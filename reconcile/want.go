package reconcile

import "sort"

// Wanted is one desired membership of one target group.
type Wanted struct {
	User        string // config user id
	Login       string // the login in the target (Okta login, GitLab username)
	PinnedID    string // the account id users.yaml pins the login to, if any
	Level       string // a level name of the target's Capabilities; "" when it has none
	ConfigGroup string
	Reason      string
}

// Want is what the config asks of one target: group -> login -> membership.
// Every managed group is a key, even when it should be empty. Each provider
// package builds its own from the compiled config (okta.Want, gitlab.Want).
type Want map[string]map[string]Wanted

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
