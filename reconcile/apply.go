package reconcile

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"sync"
	"time"
)

// ApplyOptions tune Apply.
type ApplyOptions struct {
	// Concurrency bounds the writes in flight per target (default 8).
	// Providers additionally slow down on their own remaining-quota headers.
	Concurrency int
	// Commit is the config revision the plan came from; it goes in every log line.
	Commit string
	Log    *slog.Logger
	// Progress, when set, gets a one-line counter rewritten in place.
	Progress io.Writer
}

// Result is the outcome of one change.
type Result struct {
	Change Change `json:"change"`
	Error  string `json:"error,omitempty"`
}

// Report is what an apply did: every change, applied or failed.
type Report struct {
	Applied []Result `json:"applied"`
	Failed  []Result `json:"failed"`
}

// OK reports whether every change was applied.
func (r *Report) OK() bool { return len(r.Failed) == 0 }

// Apply makes the plan's changes. Each change is applied on its own: a failed
// person or group does not stop the others. Groups are created first; the
// members of a group whose creation failed are reported failed, not tried.
func Apply(ctx context.Context, p *Plan, providers map[string]Provider, o ApplyOptions) *Report {
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	rep := &Report{Applied: []Result{}, Failed: []Result{}}
	var mu sync.Mutex
	done, total := 0, len(p.Changes)
	record := func(c Change, err error) {
		mu.Lock()
		defer mu.Unlock()
		done++
		if err != nil {
			rep.Failed = append(rep.Failed, Result{Change: c, Error: err.Error()})
			o.Log.Error("change failed", "target", c.Target, "group", c.Group, "user", c.User, "op", string(c.Op),
				"access", c.Access, "commit", o.Commit, "error", err.Error())
		} else {
			rep.Applied = append(rep.Applied, Result{Change: c})
			o.Log.Info("change applied", "target", c.Target, "group", c.Group, "user", c.User, "op", string(c.Op),
				"access", c.Access, "commit", o.Commit)
		}
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, "\rapplying: %d/%d changes, %d failed", done, total, len(rep.Failed))
		}
	}

	failedGroups := map[[2]string]error{}
	for _, c := range p.Changes {
		if c.Op != OpCreateGroup {
			continue
		}
		err := applyOne(ctx, providers, c)
		if err != nil {
			failedGroups[[2]string{c.Target, c.Group}] = err
		}
		record(c, err)
	}

	byTarget := map[string][]Change{}
	for _, c := range p.Changes {
		if c.Op == OpCreateGroup {
			continue
		}
		if err := failedGroups[[2]string{c.Target, c.Group}]; err != nil {
			record(c, fmt.Errorf("group was not created: %w", err))
			continue
		}
		byTarget[c.Target] = append(byTarget[c.Target], c)
	}
	// Targets are written in parallel, each with its own bound: launching
	// them from one loop would hold the second target back until the
	// first had all its changes in flight.
	var wg sync.WaitGroup
	for _, changes := range byTarget {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem := make(chan struct{}, o.Concurrency)
			var tw sync.WaitGroup
			for _, c := range changes {
				tw.Add(1)
				sem <- struct{}{}
				go func() {
					defer tw.Done()
					defer func() { <-sem }()
					record(c, applyOne(ctx, providers, c))
				}()
			}
			tw.Wait()
		}()
	}
	wg.Wait()
	if o.Progress != nil && total > 0 {
		fmt.Fprintln(o.Progress)
	}
	sortResults(rep.Applied)
	sortResults(rep.Failed)
	return rep
}

func applyOne(ctx context.Context, providers map[string]Provider, c Change) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("not tried: %w", err)
	}
	pr := providers[c.Target]
	if pr == nil {
		return fmt.Errorf("no provider for target %q", c.Target)
	}
	start := time.Now()
	if err := pr.Apply(ctx, c); err != nil {
		return fmt.Errorf("%s after %s: %w", c, time.Since(start).Round(time.Millisecond), err)
	}
	return nil
}

func sortResults(rs []Result) {
	sort.SliceStable(rs, func(i, j int) bool { return changeLess(rs[i].Change, rs[j].Change) })
}
