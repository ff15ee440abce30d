package query

import (
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/access-as-code/access/schema"
)

// ExpiringGrant is access that ends within the window: a config group a
// person loses (Kind "group"; Role is the path that lasts longest, "" when
// direct) or a role membership that ends (Kind "role"). Owners are who may
// renew it: the compiled owners, or access.yaml admins when there are none.
type ExpiringGrant struct {
	Kind   string    `json:"kind"`
	Name   string    `json:"name"`
	User   UserRef   `json:"user"`
	Role   string    `json:"role,omitempty"`
	Until  time.Time `json:"until"`
	Reason string    `json:"reason,omitempty"`
	Owners []string  `json:"owners"`
}

// Expiring lists grants active at now that end at or before now+within,
// soonest first. A group grant counts only when every path to it ends in the
// window, since otherwise the person keeps the group.
func Expiring(cfg *schema.Config, d *schema.Desired, now time.Time, within time.Duration) []ExpiringGrant {
	end := now.Add(within)
	inWindow := func(t *time.Time) bool { return t != nil && t.After(now) && !t.After(end) }
	users := userIndex(cfg)
	owners := func(key string) []string {
		if o := d.Owners[key]; len(o) > 0 {
			return o
		}
		return nonNilS(cfg.Settings.Admins)
	}
	out := []ExpiringGrant{}
	for _, g := range slices.Sorted(maps.Keys(d.Groups)) {
		for _, id := range slices.Sorted(maps.Keys(d.Groups[g])) {
			gr := d.Groups[g][id]
			if !inWindow(gr.Until) {
				continue
			}
			e := ExpiringGrant{Kind: "group", Name: g, User: userRef(users, id), Until: *gr.Until, Reason: gr.Reason, Owners: owners("group/" + g)}
			for _, p := range gr.Via {
				if p.Until != nil && p.Until.Equal(*gr.Until) {
					e.Role = p.Role
					break
				}
			}
			out = append(out, e)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.Roles)) {
		best := map[string]schema.Member{} // latest active entry per user
		for _, m := range cfg.Roles[name].Members {
			if m.User == "" || m.Expired(now) {
				continue
			}
			if b, ok := best[m.User]; !ok || latest(b.Until, m.Until) == m.Until {
				best[m.User] = m
			}
		}
		for _, id := range slices.Sorted(maps.Keys(best)) {
			m := best[id]
			if inWindow(m.Until) {
				out = append(out, ExpiringGrant{Kind: "role", Name: name, User: userRef(users, id), Until: *m.Until, Reason: m.Reason, Owners: owners("role/" + name)})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.Until.Equal(b.Until) {
			return a.Until.Before(b.Until)
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.User.ID < b.User.ID
	})
	return out
}
