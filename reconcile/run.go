package reconcile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// RunOptions describe one `reconcile` run.
type RunOptions struct {
	Targets []Target
	// Apply writes the plan; without it the run only reads.
	Apply bool
	// ReviewedHash, when set, is the plan_hash of the reviewed plan: apply
	// only if the fresh plan is the same.
	ReviewedHash string
	Limits       Limits
	Format       string // text, markdown or json
	Out          io.Writer
	ApplyOptions
}

// Outcome is what a run produced.
type Outcome struct {
	Plan   *Plan
	Report *Report // nil when nothing was applied
}

// ErrPlanChanged: the fresh plan is not the reviewed one, nothing was applied.
var ErrPlanChanged = errors.New("the plan changed since it was reviewed")

// Run observes every target, plans, renders the plan to o.Out, and with
// o.Apply checks the guards and the reviewed hash, then applies. A failed
// read, a tripped guard or a changed plan returns an error before any write.
func Run(ctx context.Context, o RunOptions) (*Outcome, error) {
	stop := readingProgress(o.Progress, o.Targets, time.Second)
	inputs, err := Observe(ctx, o.Targets)
	stop()
	if err != nil {
		return nil, err
	}
	p := MakePlan(inputs...)
	out := &Outcome{Plan: p}
	if err := Render(o.Out, p, o.Format); err != nil {
		return out, err
	}
	if !o.Apply || p.Empty() {
		return out, nil
	}
	if o.ReviewedHash != "" && o.ReviewedHash != p.Hash {
		return out, fmt.Errorf("%w: reviewed %s, now %s; nothing was applied, plan again and review", ErrPlanChanged, o.ReviewedHash, p.Hash)
	}
	if err := CheckGuards(p, o.Limits, MemberCounts(inputs)); err != nil {
		return out, err
	}
	out.Report = Apply(ctx, p, Providers(o.Targets), o.ApplyOptions)
	return out, nil
}

// readingProgress rewrites one line on w every interval while the targets
// are read (a large org takes a while under rate limits); stop clears it.
func readingProgress(w io.Writer, targets []Target, every time.Duration) (stop func()) {
	if w == nil {
		return func() {}
	}
	names := make([]string, len(targets))
	for i, t := range targets {
		names[i] = t.Provider.Name()
	}
	start := time.Now()
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-done:
				fmt.Fprintf(w, "\r%-60s\r", "")
				return
			case <-tick.C:
				fmt.Fprintf(w, "\rreading %s: %s", strings.Join(names, " and "), time.Since(start).Round(every))
			}
		}
	}()
	return func() { close(done); <-finished }
}

// Render writes p in the named format.
func Render(w io.Writer, p *Plan, format string) error {
	switch format {
	case "", "text":
		return RenderText(w, p)
	case "markdown", "md":
		return RenderMarkdown(w, p)
	case "json":
		return RenderJSON(w, p)
	}
	return fmt.Errorf("unknown format %q: want text, markdown or json", format)
}

// PendingCount is the number of people waiting for an account, for the summary.
func (p *Plan) PendingCount() int {
	n := 0
	for _, w := range p.Warnings {
		if w.Kind == WarnPendingUser {
			n++
		}
	}
	return n
}
