package query

import (
	"time"

	"github.com/access-as-code/access/schema"
)

// ForUsers returns a view of cfg cut down to what can reach the given users
// (ids): roles keep only those users' entries, and only groups with an entry
// that names one of them, directly or through such a role, are kept, with
// only those entries. Users and apps are all kept; cfg is not modified.
//
// Compiling the view gives the same grants, Okta and GitLab memberships for
// these users as compiling cfg, at the cost of their own entries instead of
// the whole org's. That is how access-of and compare stay fast on large
// configs, while Compile remains the only place that knows the rules.
// Owners and member counts of the view are not the config's: list,
// who-has and expiring need the full compilation.
func ForUsers(cfg *schema.Config, ids ...string) *schema.Config {
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	view := *cfg // users, settings and the loader's indexes are shared
	view.Roles = make(map[string]*schema.Role, len(cfg.Roles))
	for name, r := range cfg.Roles {
		rv := *r
		rv.Members = keep(r.Members, func(m schema.Member) bool { return want[m.User] })
		view.Roles[name] = &rv
	}
	view.Groups = map[string]*schema.Group{}
	for name, g := range cfg.Groups {
		ms := keep(g.Members, func(m schema.Member) bool {
			if m.Role != "" {
				r := view.Roles[m.Role]
				return r != nil && len(r.Members) > 0
			}
			return want[m.User]
		})
		if len(ms) == 0 {
			continue
		}
		gv := *g
		gv.Members = ms
		view.Groups[name] = &gv
	}
	return &view
}

func keep(ms []schema.Member, f func(schema.Member) bool) []schema.Member {
	var out []schema.Member
	for _, m := range ms {
		if f(m) {
			out = append(out, m)
		}
	}
	return out
}

// CompileFor compiles, at now, only what reaches the people that names
// identify (any users.yaml identifier): the view of ForUsers and its
// desired state. An unknown name is an *UnknownError.
func CompileFor(cfg *schema.Config, now time.Time, names ...string) (*schema.Config, *schema.Desired, error) {
	ids := make([]string, len(names))
	for i, n := range names {
		u, err := FindUser(cfg, n)
		if err != nil {
			return nil, nil, err
		}
		ids[i] = u.ID
	}
	view := ForUsers(cfg, ids...)
	return view, schema.Compile(view, now), nil
}
