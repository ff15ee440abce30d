package gitlab_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/access-as-code/access/internal/gitlabfake"
	"github.com/access-as-code/access/reconcile"
)

// seedOrg makes groups acme/g000.. each with members direct members drawn
// from a pool of users (every user is in several groups), plus a few
// owners on the unmanaged parent acme, and returns the query a no-op plan
// would send: every group and every user's login.
func seedOrg(s *gitlabfake.Server, groups, members, users int) reconcile.Query {
	var q reconcile.Query
	for u := range users {
		name := fmt.Sprintf("user%05d", u)
		s.AddUser(name, name, name+"@example.com")
		q.Logins = append(q.Logins, name)
	}
	for i := range 3 {
		s.SetMember("acme", fmt.Sprintf("user%05d", i), gitlabfake.Owner)
	}
	for g := range groups {
		path := fmt.Sprintf("acme/g%03d", g)
		q.Groups = append(q.Groups, path)
		for m := range members {
			s.SetMember(path, fmt.Sprintf("user%05d", (g*members/4+m)%users), gitlabfake.Developer)
		}
	}
	return q
}

// BenchmarkGitLabObserve reads 200 groups of 500 members (100,000
// memberships, 10,000 users) through the fake with a per-request latency
// and reports the requests made against the pagination lower bound: one
// lookup per group plus ceil(members/100) member pages per group, plus one
// page for the unmanaged parent that holds the inherited owners. No
// username lookups are needed: every login is seen in a member list.
// "ratelimited" adds GitLab.com's shape of quota (scaled to 600 requests a
// second) and reports wall time against calls ÷ rate.
//
//	go test -run='^$' -bench=GitLabObserve -benchtime=3x ./reconcile/gitlab
func BenchmarkGitLabObserve(b *testing.B) {
	const groups, members, users = 200, 500, 10000
	lower := groups + groups*((members+99)/100) + 1
	for _, bc := range []struct {
		name  string
		opts  []gitlabfake.Option
		limit float64 // requests per second, 0: none
	}{
		{"latency2ms", []gitlabfake.Option{gitlabfake.WithLatency(2 * time.Millisecond)}, 0},
		{"ratelimited", []gitlabfake.Option{gitlabfake.WithLatency(2 * time.Millisecond), gitlabfake.WithRateLimit(600, time.Second)}, 600},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := gitlabfake.New(bc.opts...)
			defer s.Close()
			q := seedOrg(s, groups, members, users)
			p := newProvider(b, s)
			s.ResetCounts()
			start := time.Now()
			for b.Loop() {
				obs, err := p.Observe(context.Background(), q)
				if err != nil {
					b.Fatal(err)
				}
				if n := len(obs.Groups[q.Groups[0]].Members); n < members {
					b.Fatalf("group has %d members, want at least %d", n, members)
				}
			}
			elapsed := time.Since(start)
			calls := float64(s.TotalRequests()) / float64(b.N)
			b.ReportMetric(calls, "calls/op")
			b.ReportMetric(float64(lower), "lowerbound/op")
			b.ReportMetric(calls/float64(lower), "calls_ratio")
			if bc.limit > 0 {
				bound := calls / bc.limit
				b.ReportMetric(elapsed.Seconds()/float64(b.N)/bound, "wall_ratio")
			}
		})
	}
}
