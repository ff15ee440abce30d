package okta_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net/url"
	"testing"
	"time"

	"github.com/access-as-code/access/internal/oktafake"
	"github.com/access-as-code/access/reconcile"
	"github.com/access-as-code/access/reconcile/okta"
)

// benchOrg seeds a synthetic org with Zipf-like group sizes (a few groups
// of thousands of members, many small ones). It returns the query a plan
// would make (every group, every login) and the member count of each group.
func benchOrg(srv *oktafake.Server, users, groups, memberships int) (reconcile.Query, []int) {
	r := rand.New(rand.NewPCG(1, 2))
	var q reconcile.Query
	for i := 0; i < users; i++ {
		l := fmt.Sprintf("user%05d@example.com", i)
		srv.AddUser(l, l)
		q.Logins = append(q.Logins, l)
	}
	// size_k proportional to 1/(k+10)^0.9, scaled to the membership total
	weights := make([]float64, groups)
	sum := 0.0
	for k := range weights {
		weights[k] = 1 / math.Pow(float64(k+10), 0.9)
		sum += weights[k]
	}
	sizes := make([]int, groups)
	for k := range sizes {
		sizes[k] = min(users, max(1, int(float64(memberships)*weights[k]/sum)))
		g := fmt.Sprintf("Eng-Group-%04d", k)
		srv.AddGroup(g, oktafake.TypeOkta)
		q.Groups = append(q.Groups, g)
		for _, u := range r.Perm(users)[:sizes[k]] {
			srv.AddMember(g, fmt.Sprintf("user%05d@example.com", u))
		}
	}
	return q, sizes
}

// lowerBound is the fewest requests any client of the published API needs
// for this query: every group's member pages (1000 per page, at least one),
// one listing of group rules, the group lookups as searches of as many names
// as fit in one URL (the provider's own budget, 3000 encoded bytes), and one
// user search per 200 logins that are in no group.
func lowerBound(q reconcile.Query, sizes []int, unlisted int) int {
	n := 1
	for _, s := range sizes {
		n += max(1, (s+999)/1000)
	}
	exprBytes := 0
	for _, g := range q.Groups {
		exprBytes += len(url.QueryEscape(fmt.Sprintf(` or profile.name eq "%s"`, g)))
	}
	n += (exprBytes + 2999) / 3000
	n += (unlisted + 199) / 200
	return n
}

// BenchmarkOktaObserve: on the synthetic size (10,000 users, 2,000
// groups, 200,000 memberships), the requests of a no-op plan's Observe
// against the pagination lower bound (ratio must stay <= 1.05); and on a
// tenth of it with a rate limit of 50 requests per 1s window per bucket and
// 2ms latency, the wall time against the rate-limit lower bound (requests
// of the busiest bucket / its rate). The smaller org keeps the second
// figure about rate limits, not about the CPU the benchmark shares.
//
//	go test -run='^$' -bench=OktaObserve -benchtime=3x ./reconcile/okta/
func BenchmarkOktaObserve(b *testing.B) {
	b.Run("requests", func(b *testing.B) {
		srv := oktafake.New(oktafake.WithRateLimit(0, time.Minute)) // counted, not limited
		defer srv.Close()
		q, sizes := benchOrg(srv, 10000, 2000, 200000)
		p := newProvider(b, srv, func(c *okta.Config) { c.RequestTimeout = 30 * time.Second })
		b.ResetTimer()
		var reqs int
		var obs *reconcile.Observed
		for i := 0; i < b.N; i++ {
			srv.ResetCounts()
			var err error
			if obs, err = p.Observe(context.Background(), q); err != nil {
				b.Fatal(err)
			}
			reqs = srv.TotalRequests()
		}
		b.StopTimer()
		lb := lowerBound(q, sizes, len(q.Logins)-listed(obs))
		b.ReportMetric(float64(reqs), "requests/op")
		b.ReportMetric(float64(lb), "lower-bound")
		b.ReportMetric(float64(reqs)/float64(lb), "ratio")
		if r := float64(reqs) / float64(lb); r > 1.05 {
			b.Errorf("requests %d / lower bound %d = %.3f > 1.05", reqs, lb, r)
		}
	})
	b.Run("rate-limited", func(b *testing.B) {
		const perWindow = 50
		window := time.Second
		srv := oktafake.New(oktafake.WithRateLimit(perWindow, window), oktafake.WithLatency(2*time.Millisecond))
		defer srv.Close()
		q, _ := benchOrg(srv, 1000, 200, 20000)
		p := newProvider(b, srv, func(c *okta.Config) { c.MaxConcurrency = 16; c.RequestTimeout = 10 * time.Second })
		// Start on a fresh window so each run sees the same quota.
		time.Sleep(time.Until(time.Now().Truncate(window).Add(window)))
		b.ResetTimer()
		var wall time.Duration
		var busiest int
		for i := 0; i < b.N; i++ {
			srv.ResetCounts()
			start := time.Now()
			if _, err := p.Observe(context.Background(), q); err != nil {
				b.Fatal(err)
			}
			wall = time.Since(start)
			c := srv.RequestCounts()
			busiest = c["GET /api/v1/groups/{id}/users"]
		}
		b.StopTimer()
		bound := time.Duration(float64(busiest) / perWindow * float64(window))
		b.ReportMetric(wall.Seconds(), "wall-s")
		b.ReportMetric(bound.Seconds(), "ratelimit-bound-s")
		b.ReportMetric(wall.Seconds()/bound.Seconds(), "wall-ratio")
		b.ReportMetric(float64(srv.Throttled()), "429s")
	})
}

func listed(obs *reconcile.Observed) int {
	seen := map[string]bool{}
	for _, g := range obs.Groups {
		for id := range g.Members {
			seen[id] = true
		}
	}
	return len(seen)
}
