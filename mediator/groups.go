package mediator

import (
	"errors"
	"fmt"
	"path"
	"slices"
)

// GroupRules turns the provider's group names into the groups the mediator
// acts on: rename through Map, synchronise those matching Included, and
// admit a login only when a group matches one of Required.
type GroupRules struct {
	Map      map[string]string
	Included []string // path.Match globs; none = nothing is synchronised
	Required []string // path.Match globs over mapped names; none = everyone is admitted
}

// Mapped renames groups through the map; unmapped names stay as they are.
// The result is sorted and free of duplicates.
func (g GroupRules) Mapped(groups []string) []string {
	out := make([]string, 0, len(groups))
	for _, name := range groups {
		if to, ok := g.Map[name]; ok {
			name = to
		}
		out = append(out, name)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// IsIncluded reports whether a mapped group is synchronised.
func (g GroupRules) IsIncluded(group string) bool { return matchAny(g.Included, group) }

// IncludedOf keeps the mapped groups that are synchronised.
func (g GroupRules) IncludedOf(mapped []string) []string {
	var out []string
	for _, name := range mapped {
		if g.IsIncluded(name) {
			out = append(out, name)
		}
	}
	return out
}

// Admitted reports whether mapped groups satisfy required_groups: with no
// pattern everyone is admitted, otherwise one group must match one pattern.
func (g GroupRules) Admitted(mapped []string) bool {
	if len(g.Required) == 0 {
		return true
	}
	for _, name := range mapped {
		if matchAny(g.Required, name) {
			return true
		}
	}
	return false
}

func matchAny(patterns []string, name string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}

// validGlobs reports patterns path.Match cannot use.
func validGlobs(key string, patterns []string) error {
	var errs []error
	for _, p := range patterns {
		if _, err := path.Match(p, ""); err != nil {
			errs = append(errs, fmt.Errorf("%s: %q is not a valid glob: %w", key, p, err))
		}
	}
	return errors.Join(errs...)
}
