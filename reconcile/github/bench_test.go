package github_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/access-as-code/access/internal/githubfake"
	"github.com/access-as-code/access/reconcile"
	"github.com/access-as-code/access/reconcile/github"
)

// The shape of the eight kubernetes organizations governed by peribolos
// (kubernetes/org): 1,509 people, 2,500 org memberships, 766 teams and
// 3,615 team memberships, one team of 350. Generated, deterministic.
// Org k's members are people first..first+members-1 (mod 1,509), so that
// together they are the 1,509.
var k8sOrgs = []struct {
	name                  string
	members, teams, first int
}{
	{"kubernetes", 1000, 300, 0}, {"kubernetes-sigs", 800, 260, 600}, {"kubernetes-client", 180, 60, 1329}, {"kubernetes-csi", 170, 50, 100},
	{"kubernetes-incubator", 150, 40, 300}, {"kubernetes-nightly", 80, 20, 500}, {"kubernetes-retired", 70, 20, 700}, {"kubernetes-security", 50, 16, 900},
}

const (
	k8sPeople          = 1509
	k8sTeamMemberships = 3615
	k8sBigTeam         = 350
)

// k8sShape seeds s with the orgs (teams empty when emptyTeams) and returns
// the desired state that matches the full shape.
func k8sShape(s *githubfake.Server, emptyTeams bool) reconcile.Want {
	rng := rand.New(rand.NewPCG(1, 2))
	person := func(i int) string { return fmt.Sprintf("contributor-%04d", i%k8sPeople) }
	w := reconcile.Want{}
	// Team sizes: one of 350, the other 765 share the rest (4 or 5 each).
	rest, others := k8sTeamMemberships-k8sBigTeam, 765
	teamIndex := 0
	for _, o := range k8sOrgs {
		s.AddOrg(o.name)
		members := make([]string, o.members)
		orgWant := map[string]reconcile.Wanted{"access-bot": grant("access-bot", "admin")}
		for j := range members {
			members[j] = person(o.first + j)
			role := githubfake.RoleMember
			if j < 4 {
				role = githubfake.RoleAdmin
			}
			s.SetOrgMember(o.name, members[j], role)
			orgWant[members[j]] = grant(members[j], role)
		}
		w[o.name] = orgWant
		for t := range o.teams {
			slug := fmt.Sprintf("team-%03d", t)
			parent := ""
			if t%10 != 0 {
				parent = fmt.Sprintf("team-%03d", t-t%10) // nested teams
			}
			s.AddTeam(o.name, slug, parent)
			n := k8sBigTeam
			if teamIndex > 0 {
				n = rest / others
				if teamIndex <= rest%others {
					n++
				}
			}
			teamIndex++
			tw := map[string]reconcile.Wanted{}
			start := rng.IntN(len(members))
			for j := range n {
				login := members[(start+j)%len(members)]
				role := githubfake.RoleMember
				if j == 0 {
					role = githubfake.RoleMaintainer
				}
				if !emptyTeams {
					s.SetTeamMember(o.name, slug, login, role)
				}
				tw[login] = grant(login, role)
			}
			w[o.name+"/"+slug] = tw
		}
	}
	return w
}

func countShape(w reconcile.Want) (people, orgMemberships, teams, teamMemberships int) {
	seen := map[string]bool{}
	for g, m := range w {
		for login := range m {
			seen[login] = true
		}
		if _, _, team := cutTeam(g); team {
			teams++
			teamMemberships += len(m)
		} else {
			orgMemberships += len(m) - 1 // the token's account is not one of the 1,509
		}
	}
	return len(seen) - 1, orgMemberships, teams, teamMemberships
}

func cutTeam(g string) (string, string, bool) {
	for i := range g {
		if g[i] == '/' {
			return g[:i], g[i+1:], true
		}
	}
	return g, "", false
}

// BenchmarkNoOpPlanKubernetesShape reads the eight orgs and plans no
// change, against the fake with GitHub's real budgets and a latency per
// answer: 2ms, and 300ms for an estimate of the wall time against
// api.github.com, whose GraphQL pages of 100 teams take about that long.
// Reported: requests (REST + GraphQL), GraphQL points and seconds per plan.
func BenchmarkNoOpPlanKubernetesShape(b *testing.B) {
	for _, latency := range []time.Duration{2 * time.Millisecond, 300 * time.Millisecond} {
		b.Run("latency="+latency.String(), func(b *testing.B) {
			s := newFake(b)
			s.SetLimits(githubfake.Limits{Latency: latency})
			wnt := k8sShape(s, false)
			people, om, teams, tm := countShape(wnt)
			b.Logf("shape: %d orgs, %d people, %d org memberships, %d teams, %d team memberships", len(k8sOrgs), people, om, teams, tm)
			for b.Loop() {
				p := newProvider(b, s, func(c *github.Config) { c.RequestTimeout = 30 * time.Second })
				rest0, gql0 := s.OrgRequests()
				points0 := s.GraphQLPointsUsed()
				start := time.Now()
				ins, err := reconcile.Observe(b.Context(), []reconcile.Target{{Provider: p, Want: wnt, Caps: github.Capabilities()}})
				if err != nil {
					b.Fatal(err)
				}
				plan := reconcile.MakePlan(ins...)
				wall := time.Since(start)
				if !plan.Empty() {
					b.Fatalf("no-op plan has %d changes, first %s", len(plan.Changes), plan.Changes[0])
				}
				rest, gql := s.OrgRequests()
				b.ReportMetric(float64(rest-rest0+gql-gql0), "requests/plan")
				b.ReportMetric(float64(gql-gql0), "graphql/plan")
				b.ReportMetric(float64(s.GraphQLPointsUsed()-points0), "points/plan")
				b.ReportMetric(wall.Seconds(), "s/plan")
			}
		})
	}
}

// BenchmarkApplyEmptyTeamsKubernetesShape fills the 766 empty teams:
// 3,615 adds, written serially within GitHub's content-creation limits
// (80 a minute, 500 an hour) with the minute scaled down to 10ms (an hour
// to 600ms, a day to 14.4s), which the fake enforces with 403s. Reported:
// writes per change (must be 1), secondary-limit refusals (must be 0) and
// the scaled wall time in real hours.
func BenchmarkApplyEmptyTeamsKubernetesShape(b *testing.B) {
	const minute = 10 * time.Millisecond
	for b.Loop() {
		b.StopTimer()
		s := newFake(b)
		s.SetLimits(githubfake.Limits{Minute: minute})
		wnt := k8sShape(s, true)
		p := newProvider(b, s, func(c *github.Config) { c.Pace.Minute = minute })
		ins, err := reconcile.Observe(b.Context(), []reconcile.Target{{Provider: p, Want: wnt, Caps: github.Capabilities()}})
		if err != nil {
			b.Fatal(err)
		}
		plan := reconcile.MakePlan(ins...)
		writes0 := s.Writes()
		b.StartTimer()
		start := time.Now()
		rep := reconcile.Apply(b.Context(), plan, map[string]reconcile.Provider{"github": p}, reconcile.ApplyOptions{})
		wall := time.Since(start)
		b.StopTimer()
		if !rep.OK() {
			b.Fatalf("%d changes failed, first: %s", len(rep.Failed), rep.Failed[0].Error)
		}
		writes := s.Writes() - writes0
		if writes != len(plan.Changes) {
			b.Fatalf("%d writes for %d changes", writes, len(plan.Changes))
		}
		b.ReportMetric(float64(len(plan.Changes)), "changes")
		b.ReportMetric(float64(writes)/float64(len(plan.Changes)), "writes/change")
		b.ReportMetric(wall.Seconds()*float64(time.Minute/minute)/3600, "real-hours")
		b.StartTimer()
	}
}
