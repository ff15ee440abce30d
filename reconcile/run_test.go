package reconcile

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRunWithoutApplyNeverWrites(t *testing.T) {
	mp := &memProvider{name: "okta", groups: map[string]map[string]bool{"a": {"stray": true}}}
	var out bytes.Buffer
	res, err := Run(context.Background(), RunOptions{Out: &out,
		Targets: []Target{{Provider: mp, Want: wantOf(map[string][]string{"a": {"u1"}})}}})
	if err != nil || res.Report != nil {
		t.Fatalf("err %v report %+v", err, res.Report)
	}
	if !mp.groups["a"]["stray"] || mp.groups["a"]["u1"] {
		t.Errorf("a plan-only run changed the target: %v", mp.groups)
	}
	if !strings.Contains(out.String(), "Plan: 1 to add, 1 to remove") {
		t.Errorf("output: %s", out.String())
	}
}

func TestRunAppliesOnlyTheReviewedPlan(t *testing.T) {
	mp := &memProvider{name: "okta", groups: map[string]map[string]bool{"a": {}}}
	targets := []Target{{Provider: mp, Want: wantOf(map[string][]string{"a": {"u1"}})}}
	reviewed, err := Run(context.Background(), RunOptions{Out: &bytes.Buffer{}, Targets: targets})
	if err != nil {
		t.Fatal(err)
	}
	mp.groups["a"]["drifted"] = true // the world moved after review
	_, err = Run(context.Background(), RunOptions{Out: &bytes.Buffer{}, Targets: targets, Apply: true, ReviewedHash: reviewed.Plan.Hash})
	if !errors.Is(err, ErrPlanChanged) {
		t.Fatalf("err = %v, want ErrPlanChanged", err)
	}
	if mp.groups["a"]["u1"] {
		t.Error("nothing may be applied when the plan changed")
	}
	delete(mp.groups["a"], "drifted")
	res, err := Run(context.Background(), RunOptions{Out: &bytes.Buffer{}, Targets: targets, Apply: true, ReviewedHash: reviewed.Plan.Hash})
	if err != nil || !res.Report.OK() || !mp.groups["a"]["u1"] {
		t.Fatalf("the reviewed plan should apply: err %v report %+v", err, res.Report)
	}
}

func TestRunGuardTripsBeforeAnyWrite(t *testing.T) {
	g := map[string]bool{}
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		g[id] = true
	}
	mp := &memProvider{name: "okta", groups: map[string]map[string]bool{"grp": g}}
	_, err := Run(context.Background(), RunOptions{Out: &bytes.Buffer{}, Apply: true, Limits: Limits{MaxRemovals: 3},
		Targets: []Target{{Provider: mp, Want: wantOf(map[string][]string{"grp": {"new"}})}}})
	var ge *GuardError
	if !errors.As(err, &ge) {
		t.Fatalf("err = %v, want *GuardError", err)
	}
	if len(mp.groups["grp"]) != 5 || mp.groups["grp"]["new"] {
		t.Errorf("a tripped guard must stop every write, also the adds: %v", mp.groups["grp"])
	}
}

func TestReadingProgressCountsUpAndClearsItsLine(t *testing.T) {
	var w syncBuffer
	stop := readingProgress(&w, []Target{{Provider: &memProvider{name: "okta"}}, {Provider: &memProvider{name: "gitlab"}}}, 10*time.Millisecond)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(w.String(), "reading okta and gitlab: ") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	got := w.String()
	if !strings.Contains(got, "\rreading okta and gitlab: ") {
		t.Fatalf("no progress line: %q", got)
	}
	if !strings.HasSuffix(got, "\r") {
		t.Errorf("the line must be cleared when reading ends: %q", got)
	}
	readingProgress(nil, nil, time.Millisecond)() // no terminal: a no-op that must not block
}

// syncBuffer is a bytes.Buffer safe for the progress goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
