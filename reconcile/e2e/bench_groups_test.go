package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/access-as-code/access/internal/gitlabfake"
	"github.com/access-as-code/access/internal/oktafake"
	"github.com/access-as-code/access/internal/synth"
	"github.com/access-as-code/access/reconcile"
)

// manySmallGroups is the shape of a large open-source org on GitLab: 774
// managed groups of 1 to 60 people (one member page each) drawn from 1,500
// people, in 31 team subgroups of one top-level group; neither the teams
// nor the top-level group are managed. There is no Okta target, so the
// figures are GitLab's alone.
func manySmallGroups(now time.Time) *synth.Org {
	const users, groups, teams = 1500, 774, 31
	org := &synth.Org{Opts: synth.Options{Users: users, Groups: groups, Seed: 1, Now: now}, Admins: []int{0, 1}}
	for i := range users {
		id := fmt.Sprintf("person%04d", i)
		org.Users = append(org.Users, synth.User{ID: id, Name: "Person " + id[6:], Email: id + "@example.com", GitLab: id})
	}
	levels := []string{"developer", "maintainer", "reporter", "owner"}
	for g := range groups {
		n := 1 + (g*37)%60
		grp := synth.Group{
			Name:        fmt.Sprintf("team-%02d-g%03d", g%teams, g),
			Description: "Synthetic small group",
			Owners:      []synth.Owner{{User: g % users, Role: -1}},
			GitLab:      []synth.Target{{Path: fmt.Sprintf("oss/team-%02d/g%03d", g%teams, g), Access: levels[g%len(levels)]}},
		}
		for m := range n {
			grp.Members = append(grp.Members, synth.Entry{User: (g*7 + m*13) % users, Role: -1})
		}
		org.Opts.Memberships += n
		org.Groups = append(org.Groups, grp)
	}
	return org
}

// benchApplyEmpty plans and applies the org onto GitLab groups that exist
// but have no members (fakes with 2ms latency, no rate limit: the figures
// are counts). It reports the plan's requests against its floor (one page
// per group and unmanaged parent, one username lookup per person:
// plan_calls_ratio), write requests per change (writes_per_change, target
// 1) and the reads the apply makes after its plan (apply_reads, target 0:
// no group or user is looked up again).
//
//	go test -run='^$' -bench=Reconcile/gitlab774/apply-empty -benchtime=1x ./reconcile/e2e/
func benchApplyEmpty(b *testing.B, p preset) {
	o := synthOrg(b, p)
	ctx := context.Background()
	var planCalls, floor, changes, writes, applyReads int
	for range b.N {
		b.StopTimer()
		w := &world{cfg: o.cfg, d: o.d,
			okta:   oktafake.New(oktafake.WithLatency(latency)),
			gitlab: gitlabfake.New(gitlabfake.WithLatency(latency)),
		}
		b.Cleanup(w.okta.Close)
		b.Cleanup(w.gitlab.Close)
		logins := map[string]bool{}
		for _, u := range w.cfg.Users {
			if u.GitLab != "" {
				w.gitlab.AddUserWithID(u.GitLabID, u.GitLab, u.Name, u.Email)
			}
		}
		for path, ms := range w.d.GitLab {
			w.gitlab.AddGroup(path)
			for u := range ms {
				logins[strings.ToLower(u)] = true
			}
		}
		_, floor = lowerBound(w)
		floor += len(logins)
		op, gp := w.providers(b, tuning{concurrency: 8})
		targets := w.targets(op, gp)
		b.StartTimer()
		inputs, err := reconcile.Observe(ctx, targets)
		if err != nil {
			b.Fatal(err)
		}
		plan := reconcile.MakePlan(inputs...)
		planCalls = w.gitlab.TotalRequests()
		w.gitlab.ResetCounts()
		rep := reconcile.Apply(ctx, plan, reconcile.Providers(targets), reconcile.ApplyOptions{Concurrency: 8, Commit: "bench"})
		b.StopTimer()
		if len(rep.Failed) > 0 {
			b.Fatalf("%d changes failed, first: %s", len(rep.Failed), rep.Failed[0].Error)
		}
		changes, writes, applyReads = len(plan.Changes), 0, 0
		for k, n := range w.gitlab.RequestCounts() {
			if strings.HasPrefix(k, "GET ") {
				applyReads += n
			} else {
				writes += n
			}
		}
		if want := len(memberships(w)); changes != want {
			b.Fatalf("planned %d changes onto empty groups, want %d adds", changes, want)
		}
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(float64(planCalls), "plan_calls")
	b.ReportMetric(float64(floor), "plan_calls_floor")
	b.ReportMetric(float64(planCalls)/float64(floor), "plan_calls_ratio")
	b.ReportMetric(float64(changes), "changes")
	b.ReportMetric(float64(writes)/float64(changes), "writes_per_change")
	b.ReportMetric(float64(applyReads), "apply_reads")
}

// memberships lists every desired GitLab membership as "path\x00login".
func memberships(w *world) []string {
	var out []string
	for path, ms := range w.d.GitLab {
		for u := range ms {
			out = append(out, path+"\x00"+u)
		}
	}
	return out
}
