package query

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/access-as-code/access/schema"
)

// MediatorGroups are the mediator's group settings derived from the config,
// so that the mediator and reconcile agree about which Okta group means
// which GitLab group. The mediator's group_map renames one group to one
// group, so a group file with several
// GitLab targets maps to the first by path and the rest are warnings, left
// to reconcile.
type MediatorGroups struct {
	GroupMap       map[string]string `json:"group_map" yaml:"group_map"`             // Okta group -> GitLab path
	IncludedGroups []string          `json:"included_groups" yaml:"included_groups"` // the mapped paths, sorted
	Warnings       []string          `json:"-" yaml:"-"`
}

// Mediator derives the mediator's group settings: every group file with an
// Okta group and GitLab targets maps the Okta group to its first path.
func Mediator(cfg *schema.Config) MediatorGroups {
	out := MediatorGroups{GroupMap: map[string]string{}, IncludedGroups: []string{}}
	included := map[string]bool{}
	for _, n := range slices.Sorted(maps.Keys(cfg.Groups)) {
		g := cfg.Groups[n]
		if g.Okta == nil || g.Okta.Group == "" || len(g.GitLab) == 0 {
			continue
		}
		paths := make([]string, 0, len(g.GitLab))
		for _, t := range g.GitLab {
			paths = append(paths, t.Group)
		}
		slices.Sort(paths)
		out.GroupMap[g.Okta.Group] = paths[0]
		included[paths[0]] = true
		if len(paths) > 1 {
			out.Warnings = append(out.Warnings, fmt.Sprintf("group %s: Okta group %s maps to %s only; %s stay with reconcile",
				n, g.Okta.Group, paths[0], strings.Join(paths[1:], ", ")))
		}
	}
	out.IncludedGroups = append(out.IncludedGroups, slices.Sorted(maps.Keys(included))...)
	return out
}
