package synth

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"time"
)

const day = 24 * time.Hour

// memberships fills role and group member lists so that the entries add up
// to Options.Memberships: users in roles (about 15%), role entries in group
// files, and direct users in groups for the rest, each by a Zipf law.
func (org *Org) memberships(r *rand.Rand) {
	o := org.Opts
	limit := max(1, o.Users/2) // the largest groups hold half the company
	pick := newPicker(o.Users)

	roleRefs := 0
	if len(org.Roles) > 0 {
		rw := cumulative(len(org.Roles), 1.0)
		for gi := range org.Groups {
			g := &org.Groups[gi]
			if g.Policy {
				continue // policies bind role members too; keep policy groups direct-only
			}
			n := 0
			if x := r.Float64(); x < 0.1 {
				n = 2
			} else if x < 0.35 {
				n = 1
			}
			seen := -1
			for range n {
				ri := sample(r, rw)
				if ri == seen {
					continue
				}
				seen = ri
				g.Members = append(g.Members, Entry{User: -1, Role: ri})
				roleRefs++
			}
		}
		// permute so that popular roles are not also the first by name
		roleEntries := min(o.Memberships*15/100, len(org.Roles)*o.Users)
		for i, n := range shuffled(r, zipfSizes(len(org.Roles), roleEntries, limit, 1.0)) {
			for _, u := range pick.distinct(r, n) {
				org.Roles[i].Members = append(org.Roles[i].Members, org.entry(r, u, false))
			}
		}
	}
	direct := o.Memberships - roleRefs - org.countRoleEntries()
	for i, n := range shuffled(r, zipfSizes(len(org.Groups), max(direct, len(org.Groups)), limit, 1.0)) {
		g := &org.Groups[i]
		for _, u := range pick.distinct(r, n) {
			g.Members = append(g.Members, org.entry(r, u, g.Policy))
		}
	}
}

func (org *Org) countRoleEntries() int {
	n := 0
	for _, ro := range org.Roles {
		n += len(ro.Members)
	}
	return n
}

// entry makes a user entry: in a policy group always temporary with a reason
// (max_duration 90d); elsewhere mostly permanent, some temporary, a few
// already expired (they grant nothing and must be ignored, not rejected).
func (org *Org) entry(r *rand.Rand, u int, policy bool) Entry {
	e := Entry{User: u, Role: -1}
	today := org.Opts.Now.UTC().Truncate(day)
	switch x := r.Float64(); {
	case policy:
		e.Until = today.Add(time.Duration(2+r.IntN(87)) * day)
		e.Reason = fmt.Sprintf("JIRA-%d time-boxed access", 1000+r.IntN(9000))
	case x < 0.03:
		e.Until = today.Add(time.Duration(1+r.IntN(180)) * day)
		e.Reason = fmt.Sprintf("INC-%d cross-team help", 1000+r.IntN(9000))
	case x < 0.035:
		e.Until = today.Add(-time.Duration(1+r.IntN(30)) * day)
		e.Reason = fmt.Sprintf("INC-%d ended", 1000+r.IntN(9000))
	}
	return e
}

// picker draws distinct users with a partial Fisher-Yates shuffle over a
// permutation it keeps between draws: O(n) per draw, never O(users).
type picker struct{ perm []int }

func newPicker(n int) *picker {
	p := &picker{perm: make([]int, n)}
	for i := range p.perm {
		p.perm[i] = i
	}
	return p
}

func (p *picker) distinct(r *rand.Rand, n int) []int {
	n = min(n, len(p.perm))
	for i := range n {
		j := i + r.IntN(len(p.perm)-i)
		p.perm[i], p.perm[j] = p.perm[j], p.perm[i]
	}
	out := append([]int(nil), p.perm[:n]...)
	sort.Ints(out) // files list people in a stable, readable order
	return out
}

// cumulative returns the cumulative Zipf weights of n ranks.
func cumulative(n int, s float64) []float64 {
	c := make([]float64, n)
	sum := 0.0
	for i := range c {
		sum += 1 / pow(float64(i+1), s)
		c[i] = sum
	}
	for i := range c {
		c[i] /= sum
	}
	return c
}

func sample(r *rand.Rand, cum []float64) int {
	x := r.Float64()
	return min(sort.SearchFloat64s(cum, x), len(cum)-1)
}

func shuffled(r *rand.Rand, xs []int) []int {
	r.Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
	return xs
}
