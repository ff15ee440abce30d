package reconcile

import (
	"fmt"
	"sort"
	"strings"
)

// Limits are the removal guards (access.yaml `limits`, overridden by flags).
// The zero value is the strictest: no removal at all. A negative value turns
// that guard off.
type Limits struct {
	MaxRemovals     int     // most removals in one run; 0 allows none
	MaxRemovalRatio float64 // most removals from one group, as a share of its current members
	AllowMass       bool    // --allow-mass-removal: the operator has looked and agrees
}

// ratioFloor: the ratio guard looks only at groups losing more than this many
// members, so an expiring grant in a two-person group (100% of one) does not
// stop every scheduled run. Mass removal is about many people at once.
const ratioFloor = 2

// GuardError says why a plan was refused before any write.
type GuardError struct {
	Reasons []string
}

func (e *GuardError) Error() string {
	return "refusing to apply, nothing was changed: " + strings.Join(e.Reasons, "; ") +
		" (check the plan; if it is right, re-run with --allow-mass-removal)"
}

// CheckGuards refuses a plan that removes more than the limits allow. It
// needs the observed member counts for the ratio, keyed by target and group.
func CheckGuards(p *Plan, l Limits, members func(target, group string) int) error {
	if l.AllowMass {
		return nil
	}
	var reasons []string
	// Memberships a removal above them ends count as removals: they are
	// people losing access, though not writes of their own.
	if n := p.Summary.Remove + len(p.Ended); l.MaxRemovals >= 0 && n > l.MaxRemovals {
		what := fmt.Sprintf("%d removals", n)
		if len(p.Ended) > 0 {
			what = fmt.Sprintf("%d removals (%d of them memberships ended by a removal from a parent group)", n, len(p.Ended))
		}
		reasons = append(reasons, fmt.Sprintf("%s exceed max_removals %d", what, l.MaxRemovals))
	}
	if l.MaxRemovalRatio >= 0 {
		perGroup := map[[2]string]int{}
		for _, c := range append(append([]Change(nil), p.Changes...), p.Ended...) {
			if c.Op == OpRemove {
				perGroup[[2]string{c.Target, c.Group}]++
			}
		}
		var keys [][2]string
		for k := range perGroup {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i][0]+keys[i][1] < keys[j][0]+keys[j][1] })
		for _, k := range keys {
			n, total := perGroup[k], members(k[0], k[1])
			if n <= ratioFloor || total == 0 {
				continue
			}
			if ratio := float64(n) / float64(total); ratio > l.MaxRemovalRatio {
				reasons = append(reasons, fmt.Sprintf("%s group %q would lose %d of %d members (%.0f%% > max_removal_ratio %.0f%%)",
					k[0], k[1], n, total, ratio*100, l.MaxRemovalRatio*100))
			}
		}
	}
	if len(reasons) == 0 {
		return nil
	}
	return &GuardError{Reasons: reasons}
}
