package gitlab_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/access-as-code/access/internal/gitlabfake"
	"github.com/access-as-code/access/reconcile"
)

// shape is an org of managed GitLab groups for BenchmarkGitLabObserve.
type shape struct {
	name    string
	groups  int
	users   int
	parents int             // unmanaged parent subgroups under acme; 0: groups sit directly under acme
	members func(g int) int // direct members of group g
}

var shapes = []shape{
	// 200 groups of 500 members: 100,000 memberships of 10,000 users.
	{name: "200x500", groups: 200, users: 10000, members: func(int) int { return 500 }},
	// The shape of a large open-source org: 774 small groups (one member
	// page each) of 1,500 people, in 31 team subgroups of acme that are
	// not managed themselves.
	{name: "774small", groups: 774, users: 1500, parents: 31, members: func(g int) int { return 1 + (g*37)%60 }},
}

// path is group g's full path.
func (sh shape) path(g int) string {
	if sh.parents == 0 {
		return fmt.Sprintf("acme/g%03d", g)
	}
	return fmt.Sprintf("acme/team-%02d/g%03d", g%sh.parents, g)
}

// seed makes the shape's groups with their direct members drawn from a
// pool of users (every user is in several groups), plus a few owners on the
// unmanaged parent acme, and returns the query a no-op plan would send:
// every group and every user's login.
func (sh shape) seed(s *gitlabfake.Server) reconcile.Query {
	var q reconcile.Query
	for u := range sh.users {
		name := fmt.Sprintf("user%05d", u)
		s.AddUser(name, name, name+"@example.com")
		q.Logins = append(q.Logins, name)
	}
	for i := range 3 {
		s.SetMember("acme", fmt.Sprintf("user%05d", i), gitlabfake.Owner)
	}
	for g := range sh.groups {
		path := sh.path(g)
		q.Groups = append(q.Groups, path)
		n := sh.members(g)
		for m := range n {
			s.SetMember(path, fmt.Sprintf("user%05d", (g*n/4+m)%sh.users), gitlabfake.Developer)
		}
	}
	return q
}

// floor is the fewest requests that read every group and its inherited
// members: each group's member pages by URL-encoded full path (a missing
// group would answer 404 to the first, so finding a group costs no request
// of its own) plus one page of each unmanaged parent (acme and its team
// subgroups), whose direct members the groups inherit. No username lookups
// are needed: every login is seen in a member list.
func (sh shape) floor() int {
	n := 1 + sh.parents
	for g := range sh.groups {
		n += max(1, (sh.members(g)+99)/100)
	}
	return n
}

// BenchmarkGitLabObserve reads each shape through the fake with a
// per-request latency and reports the requests made against the floor
// (calls_ratio). "ratelimited" adds GitLab.com's shape of quota (scaled to
// 600 requests a second) and reports wall time against calls ÷ rate.
//
//	go test -run='^$' -bench=GitLabObserve -benchtime=3x ./reconcile/gitlab
func BenchmarkGitLabObserve(b *testing.B) {
	for _, sh := range shapes {
		for _, bc := range []struct {
			name  string
			opts  []gitlabfake.Option
			limit float64 // requests per second, 0: none
		}{
			{"latency2ms", []gitlabfake.Option{gitlabfake.WithLatency(2 * time.Millisecond)}, 0},
			{"ratelimited", []gitlabfake.Option{gitlabfake.WithLatency(2 * time.Millisecond), gitlabfake.WithRateLimit(600, time.Second)}, 600},
		} {
			b.Run(sh.name+"/"+bc.name, func(b *testing.B) {
				s := gitlabfake.New(bc.opts...)
				defer s.Close()
				q := sh.seed(s)
				p := newProvider(b, s)
				s.ResetCounts()
				start := time.Now()
				for b.Loop() {
					obs, err := p.Observe(context.Background(), q)
					if err != nil {
						b.Fatal(err)
					}
					if n := len(obs.Groups[q.Groups[0]].Members); n < sh.members(0) {
						b.Fatalf("group has %d members, want at least %d", n, sh.members(0))
					}
				}
				elapsed := time.Since(start)
				calls := float64(s.TotalRequests()) / float64(b.N)
				b.ReportMetric(calls, "calls/op")
				b.ReportMetric(float64(sh.floor()), "lowerbound/op")
				b.ReportMetric(calls/float64(sh.floor()), "calls_ratio")
				if bc.limit > 0 {
					bound := calls / bc.limit
					b.ReportMetric(elapsed.Seconds()/float64(b.N)/bound, "wall_ratio")
				}
			})
		}
	}
}
