package query

import (
	"time"

	"github.com/access-as-code/access/schema"
)

// CompareResult answers "what does a teammate have that I don't", in both
// directions, at the level of config groups, roles and apps and of the
// effective targets (Okta groups, GitLab groups with their levels).
type CompareResult struct {
	User      UserRef    `json:"user"`
	Other     UserRef    `json:"other"`
	At        time.Time  `json:"at"`
	OtherOnly Difference `json:"other_only"` // what Other has that User has not
	UserOnly  Difference `json:"user_only"`  // what User has that Other has not
}

// Difference is what one side holds and the other side does not.
type Difference struct {
	Groups []string    `json:"groups"`
	Roles  []string    `json:"roles"`
	Apps   []string    `json:"apps"`
	Okta   []string    `json:"okta"`
	GitLab []LevelDiff `json:"gitlab"`
	GitHub []LevelDiff `json:"github"` // GitHub orgs and ORG/TEAM, by role
}

// LevelDiff is a GitLab group (or GitHub org or team) where this side's level is higher than the
// compared side's. ComparedLevel is "" when the compared side has none.
type LevelDiff struct {
	Group         string `json:"group"`
	Level         string `json:"level"`
	ComparedLevel string `json:"compared_level"`
}

// Empty reports whether nothing differs on this side.
func (d Difference) Empty() bool {
	return len(d.Groups)+len(d.Roles)+len(d.Apps)+len(d.Okta)+len(d.GitLab)+len(d.GitHub) == 0
}

// Compare lists what other has that user has not, and back.
func Compare(cfg *schema.Config, d *schema.Desired, user, other string) (*CompareResult, error) {
	a, err := AccessOf(cfg, d, user)
	if err != nil {
		return nil, err
	}
	b, err := AccessOf(cfg, d, other)
	if err != nil {
		return nil, err
	}
	return &CompareResult{User: a.User, Other: b.User, At: d.Now,
		OtherOnly: difference(b, a), UserOnly: difference(a, b)}, nil
}

// difference is what x has that y has not.
func difference(x, y *AccessResult) Difference {
	var out Difference
	out.Groups = minus(names(x.Groups, func(g GroupAccess) string { return g.Group }), names(y.Groups, func(g GroupAccess) string { return g.Group }))
	out.Roles = minus(names(x.Roles, func(r RoleAccess) string { return r.Role }), names(y.Roles, func(r RoleAccess) string { return r.Role }))
	out.Apps = minus(names(x.Apps, func(a AppAccess) string { return a.App }), names(y.Apps, func(a AppAccess) string { return a.App }))
	out.Okta = minus(names(x.Okta, func(o OktaAccess) string { return o.Group }), names(y.Okta, func(o OktaAccess) string { return o.Group }))
	ylev := map[string]string{}
	for _, g := range y.GitLab {
		ylev[g.Group] = g.Level
	}
	out.GitLab = []LevelDiff{}
	for _, g := range x.GitLab {
		have := ylev[g.Group]
		if schema.AccessLevel(g.Level).Value() > schema.AccessLevel(have).Value() {
			out.GitLab = append(out.GitLab, LevelDiff{Group: g.Group, Level: g.Level, ComparedLevel: have})
		}
	}
	yrole := map[string]string{}
	for _, g := range y.GitHub {
		yrole[g.Name] = g.Role
	}
	out.GitHub = []LevelDiff{}
	for _, g := range x.GitHub {
		have := yrole[g.Name]
		if schema.GitHubRole(g.Role).Rank() > schema.GitHubRole(have).Rank() {
			out.GitHub = append(out.GitHub, LevelDiff{Group: g.Name, Level: g.Role, ComparedLevel: have})
		}
	}
	return out
}

func names[T any](xs []T, f func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

// minus keeps the elements of xs (order kept) that are not in ys.
func minus(xs, ys []string) []string {
	drop := make(map[string]bool, len(ys))
	for _, y := range ys {
		drop[y] = true
	}
	out := []string{}
	for _, x := range xs {
		if !drop[x] {
			out = append(out, x)
		}
	}
	return out
}
