package e2e

import (
	"context"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/access-as-code/access/internal/gitlabfake"
	"github.com/access-as-code/access/internal/oktafake"
	"github.com/access-as-code/access/internal/synth"
	"github.com/access-as-code/access/reconcile"
	"github.com/access-as-code/access/schema"
)

// The fakes' page sizes, which the lower bounds are computed from: Okta
// lists group members 1000 a page (its documented maximum) and groups up
// to 10000 a page; GitLab pages hold at most 100 (per_page's maximum).
const (
	oktaMemberPage = 1000
	oktaGroupPage  = 10000
	gitlabPage     = 100
)

// latency is every fake request's delay, as of a nearby SaaS API.
const latency = 2 * time.Millisecond

// preset is one org size and the rate limits its fakes enforce, per
// window (fixed windows aligned to the epoch, as both services count).
//
// large keeps the real per-minute limits, Okta 1000 a minute on
// /api/v1/groups/{id} (which member listings and membership writes share;
// the fake gives every bucket that figure) and GitLab.com 2000 a minute for
// an authenticated user's API calls, with the minute scaled down to 10s and
// the quota handed out per 1s window (100 and 200 a second) so that it
// arrives smoothly. That rate is what bounds a run: unthrottled, the same
// fakes with 2ms latency serve the providers about 200 Okta pages a second
// (each page is up to 1000 user objects that the SDK decodes: CPU, on two
// shared cores) and about 900 GitLab pages a second, and latency alone would
// allow 8 in flight / 2ms = 4000 a second. small is 1/16 of the org, with
// its limits halved so that its run still spans a few windows.
//
// gitlab774 is the shape of a large open-source org on GitLab: many small
// groups, each one member page (manySmallGroups).
type preset struct {
	name                           string
	opts                           synth.Options
	oktaPerWindow, gitlabPerWindow int
	window                         time.Duration
	// build, when set, makes the org instead of synth.Build(opts).
	build func(now time.Time) *synth.Org
}

var presets = []preset{
	{name: "small", opts: synth.Small, oktaPerWindow: 50, gitlabPerWindow: 100, window: time.Second},
	{name: "large", opts: synth.Large, oktaPerWindow: 100, gitlabPerWindow: 200, window: time.Second},
	{name: "gitlab774", oktaPerWindow: 100, gitlabPerWindow: 200, window: time.Second, build: manySmallGroups},
}

// orgs caches each generated, validated and compiled org for the process.
var orgs = struct {
	sync.Mutex
	m    map[string]*org
	dirs []string
}{m: map[string]*org{}}

type org struct {
	dir string // the generated access-config
	cfg *schema.Config
	d   *schema.Desired
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, d := range orgs.dirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

// synthOrg generates the preset's org into a temp dir once per process,
// then validates and compiles it as `reconcile` does.
func synthOrg(b *testing.B, p preset) *org {
	orgs.Lock()
	defer orgs.Unlock()
	if o := orgs.m[p.name]; o != nil {
		return o
	}
	dir, err := os.MkdirTemp("", "e2e-synth-"+p.name+"-")
	if err != nil {
		b.Fatal(err)
	}
	orgs.dirs = append(orgs.dirs, dir)
	cfgDir := filepath.Join(dir, "access-config")
	if p.build != nil {
		err = p.build(exampleNow).Write(cfgDir)
	} else {
		err = synth.Generate(cfgDir, p.opts.At(exampleNow))
	}
	if err != nil {
		b.Fatal(err)
	}
	cfg, d := loadConfig(b, cfgDir, exampleNow)
	o := &org{dir: cfgDir, cfg: cfg, d: d}
	orgs.m[p.name] = o
	return o
}

// seedDesired makes the fakes hold exactly the desired state: every
// person has an account, every managed group exists with its members.
func seedDesired(w *world) {
	for _, u := range w.cfg.Users {
		w.okta.AddUser(u.OktaLogin(), u.Email)
		if u.GitLab != "" {
			w.gitlab.AddUserWithID(u.GitLabID, u.GitLab, u.Name, u.Email)
		}
	}
	for _, g := range slices.Sorted(maps.Keys(w.d.Okta)) {
		w.okta.AddGroup(g, oktafake.TypeOkta)
		for _, login := range slices.Sorted(maps.Keys(w.d.Okta[g])) {
			w.okta.AddMember(g, login)
		}
	}
	for _, path := range slices.Sorted(maps.Keys(w.d.GitLab)) {
		w.gitlab.AddGroup(path)
		for _, u := range slices.Sorted(maps.Keys(w.d.GitLab[path])) {
			w.gitlab.SetMember(path, u, w.d.GitLab[path][u].Level.Value())
		}
	}
}

// startSynth seeds rate-limited, slow fakes with the org's desired state.
func startSynth(b *testing.B, p preset) *world {
	o := synthOrg(b, p)
	w := &world{cfg: o.cfg, d: o.d,
		okta:   oktafake.New(oktafake.WithLatency(latency), oktafake.WithRateLimit(p.oktaPerWindow, p.window)),
		gitlab: gitlabfake.New(gitlabfake.WithLatency(latency), gitlabfake.WithRateLimit(p.gitlabPerWindow, p.window)),
	}
	return seedWorld(b, w)
}

func seedWorld(b *testing.B, w *world) *world {
	b.Cleanup(w.okta.Close)
	b.Cleanup(w.gitlab.Close)
	seedDesired(w)
	return w
}

// lowerBound is the fewest requests any client of the published APIs
// needs for a no-op plan of this state, computed from the fakes' page
// sizes: each group's member pages plus the fewest calls that find the
// groups. Okta: one listing of all groups (10000 a page) finds every
// managed group, one page of group rules, and each group's member pages
// (1000 a page, at least one). GitLab: each group's member pages read by
// URL-encoded full path (100 a page, at least one; a missing group answers
// the first with 404, so finding a group costs no call of its own), and one
// member page of each unmanaged parent group, where inherited members come
// from. Every wanted login is in some member list, so no user lookups are
// needed. A target with no managed group is not read at all.
func lowerBound(w *world) (oktaCalls, gitlabCalls int) {
	if len(w.d.Okta) > 0 {
		oktaCalls = 1 + ceilDiv(len(w.d.Okta), oktaGroupPage)
	}
	for _, ms := range w.d.Okta {
		oktaCalls += max(1, ceilDiv(len(ms), oktaMemberPage))
	}
	parents := map[string]bool{}
	for path, ms := range w.d.GitLab {
		gitlabCalls += max(1, ceilDiv(len(ms), gitlabPage))
		for i := strings.LastIndexByte(path, '/'); i > 0; i = strings.LastIndexByte(path[:i], '/') {
			if _, managed := w.d.GitLab[path[:i]]; !managed {
				parents[path[:i]] = true
			}
		}
	}
	gitlabCalls += len(parents) // unmanaged parents hold no direct members here: one page each
	return oktaCalls, gitlabCalls
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// rateBound is the shortest time the fakes' rate limits allow for the
// requests counted: GitLab limits all requests together; Okta limits each
// endpoint bucket on its own (the fake's buckets, as Okta documents them),
// so the busiest bucket sets its bound. Both targets are read at once, so
// the run's bound is the larger of the two.
func rateBound(w *world, p preset) time.Duration {
	perBucket := map[string]int{}
	for k, n := range w.okta.RequestCounts() {
		perBucket[oktaBucket(k)] += n
	}
	busiest := 0
	for _, n := range perBucket {
		busiest = max(busiest, n)
	}
	okta := time.Duration(float64(busiest) / float64(p.oktaPerWindow) * float64(p.window))
	gl := time.Duration(float64(w.gitlab.TotalRequests()) / float64(p.gitlabPerWindow) * float64(p.window))
	return max(okta, gl)
}

// oktaBucket copies the fake's (and Okta's) grouping of endpoints into
// rate-limit buckets.
func oktaBucket(key string) string {
	switch key {
	case "GET /api/v1/groups", "POST /api/v1/groups", "GET /api/v1/groups/rules":
		return "/api/v1/groups"
	case "GET /api/v1/groups/{id}", "GET /api/v1/groups/{id}/users",
		"PUT /api/v1/groups/{id}/users/{userId}", "DELETE /api/v1/groups/{id}/users/{userId}":
		return "/api/v1/groups/{id}"
	case "GET /api/v1/users":
		return "/api/v1/users"
	}
	return "/api/v1/users/{id}"
}

// memPeak samples the heap while a run goes on; Stop returns the peak of
// HeapAlloc and the process's max RSS (fakes and config included: they
// live in this process), both in MB.
type memPeak struct {
	peak atomic.Uint64
	stop chan struct{}
	done chan struct{}
}

func watchMemory() *memPeak {
	m := &memPeak{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(m.done)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > m.peak.Load() {
				m.peak.Store(ms.HeapAlloc)
			}
			select {
			case <-m.stop:
				return
			case <-t.C:
			}
		}
	}()
	return m
}

func (m *memPeak) Stop() (heapMB, rssMB float64) {
	close(m.stop)
	<-m.done
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(m.peak.Load()) / (1 << 20), float64(ru.Maxrss) / 1024 // Maxrss is in KiB on Linux
}

// syncWindow waits for the start of a rate-limit window, so that each run
// starts with full quota as a run a minute after the last one would.
func syncWindow(window time.Duration) {
	time.Sleep(time.Until(time.Now().Truncate(window).Add(window)))
}

// BenchmarkReconcile measures reconcile on a synthetic org against fakes
// with 2ms latency and the real rate limits scaled down in time:
//
//	go test -run='^$' -bench=Reconcile -benchtime=1x ./reconcile/e2e/
//	go test -run='^$' -bench=Reconcile/small -benchtime=1x ./reconcile/e2e/   # quick
//
// noop-plan: api_calls of a plan with nothing to change against the
// pagination lower bound (calls_ratio, target <= 1.02), wall time against
// the rate-limit lower bound (wall_ratio, target <= 1.25), and the heap the
// run adds in this process (plan_heap_MB: peak HeapAlloc during the run
// minus the heap of the fakes and the org before it; it includes the GC's
// headroom over the whole process, so the memory target is checked on
// cli-plan instead).
// apply-1pct: a drift of 1% of the memberships; write requests per change
// (writes_per_change, target 1) and the reads the apply makes after its
// plan (apply_reads, target 0); the run converges (a fresh plan is empty).
func BenchmarkReconcile(b *testing.B) {
	for _, p := range presets {
		b.Run(p.name, func(b *testing.B) {
			b.Run("noop-plan", func(b *testing.B) { benchNoopPlan(b, p) })
			b.Run("apply-1pct", func(b *testing.B) { benchApply(b, p) })
			b.Run("cli-plan", func(b *testing.B) { benchCLIPlan(b, p) })
			if p.build != nil {
				b.Run("apply-empty", func(b *testing.B) { benchApplyEmpty(b, p) })
			}
		})
	}
}

func benchNoopPlan(b *testing.B, p preset) {
	w := startSynth(b, p)
	op, gp := w.providers(b, tuning{concurrency: 8})
	targets := w.targets(op, gp)
	ctx := context.Background()
	lbOkta, lbGitLab := lowerBound(w)
	var wall, bound time.Duration
	var calls, oktaCalls, gitlabCalls int
	var heapMB, baseMB, rssMB float64
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		syncWindow(p.window)
		w.okta.ResetCounts()
		w.gitlab.ResetCounts()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		baseMB = float64(ms.HeapAlloc) / (1 << 20)
		mem := watchMemory()
		b.StartTimer()
		start := time.Now()
		out, err := reconcile.Run(ctx, reconcile.RunOptions{Targets: targets, Out: io.Discard})
		wall = time.Since(start)
		b.StopTimer()
		heapMB, rssMB = mem.Stop()
		if err != nil {
			b.Fatal(err)
		}
		if !out.Plan.Empty() || len(out.Plan.Errors) > 0 {
			b.Fatalf("the fakes hold the desired state, yet the plan has %d changes (%v...) and errors %v",
				len(out.Plan.Changes), out.Plan.Changes[:min(3, len(out.Plan.Changes))], out.Plan.Errors)
		}
		oktaCalls, gitlabCalls = w.okta.TotalRequests(), w.gitlab.TotalRequests()
		calls = oktaCalls + gitlabCalls
		bound = rateBound(w, p)
		b.StartTimer()
	}
	b.StopTimer()
	lb := lbOkta + lbGitLab
	b.ReportMetric(float64(calls), "api_calls")
	b.ReportMetric(float64(lb), "calls_lower_bound")
	b.ReportMetric(float64(calls)/float64(lb), "calls_ratio")
	if lbOkta > 0 {
		b.ReportMetric(float64(oktaCalls)/float64(lbOkta), "okta_calls_ratio")
	}
	b.ReportMetric(float64(gitlabCalls)/float64(lbGitLab), "gitlab_calls_ratio")
	b.ReportMetric(wall.Seconds(), "wall_s")
	b.ReportMetric(bound.Seconds(), "ratelimit_bound_s")
	b.ReportMetric(wall.Seconds()/bound.Seconds(), "wall_ratio")
	b.ReportMetric(heapMB, "peak_heap_MB")
	b.ReportMetric(heapMB-baseMB, "plan_heap_MB")
	b.ReportMetric(rssMB, "test_process_rss_MB")
	if r := float64(calls) / float64(lb); r > 1.02 {
		b.Logf("TARGET MISSED: api calls %d / lower bound %d = %.3f > 1.02; per endpoint: okta %v gitlab %v",
			calls, lb, r, w.okta.RequestCounts(), w.gitlab.RequestCounts())
	}
	if r := wall.Seconds() / bound.Seconds(); r > 1.25 {
		b.Logf("TARGET MISSED: plan wall %s / rate-limit bound %s = %.2f > 1.25", wall, bound, r)
	}
}

// drift changes 1% of the desired memberships in the fakes: half of them
// are missing members, the other half stray members, in both targets.
// It returns how many memberships it changed.
func drift(w *world) int {
	r := rand.New(rand.NewPCG(7, 11))
	total := 0
	for _, ms := range w.d.Okta {
		total += len(ms)
	}
	for _, ms := range w.d.GitLab {
		total += len(ms)
	}
	n := max(2, total/100)
	oktaGroups, paths := slices.Sorted(maps.Keys(w.d.Okta)), slices.Sorted(maps.Keys(w.d.GitLab))
	users := w.cfg.Users
	changed := 0
	seen := map[string]bool{}
	for changed < n {
		okta := len(oktaGroups) > 0 && r.IntN(2) == 0
		missing := r.IntN(2) == 0
		u := users[r.IntN(len(users))]
		var group, login string
		var want bool
		if okta {
			group, login = oktaGroups[r.IntN(len(oktaGroups))], u.OktaLogin()
			_, want = w.d.Okta[group][login]
		} else {
			if u.GitLab == "" {
				continue
			}
			group, login = paths[r.IntN(len(paths))], u.GitLab
			_, want = w.d.GitLab[group][login]
		}
		if want != missing || seen[group+"\x00"+login] {
			continue // a missing member must be wanted, a stray must not be
		}
		seen[group+"\x00"+login] = true
		switch {
		case okta && missing:
			w.okta.RemoveMember(group, login)
		case okta:
			w.okta.AddMember(group, login)
		case missing:
			w.gitlab.SetMember(group, login, 0)
		default:
			w.gitlab.SetMember(group, login, schema.Developer.Value())
		}
		changed++
	}
	return changed
}

func benchApply(b *testing.B, p preset) {
	w := startSynth(b, p)
	op, gp := w.providers(b, tuning{concurrency: 8})
	targets := w.targets(op, gp)
	ctx := context.Background()
	var changes, writes, applyReads, failed int
	var wall, bound time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		drifted := drift(w)
		syncWindow(p.window)
		inputs, err := reconcile.Observe(ctx, targets)
		if err != nil {
			b.Fatal(err)
		}
		plan := reconcile.MakePlan(inputs...)
		if len(plan.Changes) != drifted {
			b.Fatalf("a drift of %d memberships planned %d changes", drifted, len(plan.Changes))
		}
		w.okta.ResetCounts()
		w.gitlab.ResetCounts()
		b.StartTimer()
		start := time.Now()
		rep := reconcile.Apply(ctx, plan, reconcile.Providers(targets), reconcile.ApplyOptions{Concurrency: 8, Commit: "bench"})
		wall = time.Since(start)
		b.StopTimer()
		changes, failed, bound = len(plan.Changes), len(rep.Failed), rateBound(w, p)
		writes, applyReads = 0, 0
		for _, counts := range []map[string]int{w.okta.RequestCounts(), w.gitlab.RequestCounts()} {
			for k, n := range counts {
				if strings.HasPrefix(k, "GET ") {
					applyReads += n
				} else {
					writes += n
				}
			}
		}
		if failed > 0 {
			b.Fatalf("%d changes failed, first: %s", failed, rep.Failed[0].Error)
		}
		again, err := reconcile.Run(ctx, reconcile.RunOptions{Targets: targets, Out: io.Discard})
		if err != nil {
			b.Fatal(err)
		}
		if !again.Plan.Empty() {
			b.Fatalf("after apply a fresh plan still has %d changes", len(again.Plan.Changes))
		}
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(float64(changes), "changes")
	b.ReportMetric(float64(writes), "write_requests")
	b.ReportMetric(float64(writes)/float64(changes), "writes_per_change")
	b.ReportMetric(float64(applyReads), "apply_reads")
	b.ReportMetric(wall.Seconds(), "apply_wall_s")
	b.ReportMetric(bound.Seconds(), "apply_ratelimit_bound_s")
	if writes != changes || applyReads != 0 {
		reads := map[string]int{}
		for k, n := range w.gitlab.RequestCounts() {
			reads["gitlab "+k] = n
		}
		for k, n := range w.okta.RequestCounts() {
			reads["okta "+k] = n
		}
		keys := slices.Sorted(maps.Keys(reads))
		var lines []string
		for _, k := range keys {
			lines = append(lines, fmt.Sprintf("%s: %d", k, reads[k]))
		}
		sort.Strings(lines)
		b.Logf("TARGET MISSED: apply of %d changes made %d writes and %d reads:\n%s", changes, writes, applyReads, strings.Join(lines, "\n"))
	}
}
