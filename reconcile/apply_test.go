package reconcile

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// memProvider is an in-memory Provider for engine tests.
type memProvider struct {
	name                  string
	mu                    sync.Mutex
	groups                map[string]map[string]bool // group -> account id
	failUser              string                     // Apply fails for this account id
	failRead              error
	inFlight, maxInFlight atomic.Int32
}

func (m *memProvider) Name() string { return m.name }

func (m *memProvider) Observe(ctx context.Context, q Query) (*Observed, error) {
	if m.failRead != nil {
		return nil, m.failRead
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	o := &Observed{Groups: map[string]*ObservedGroup{}, Accounts: map[string]*Account{}}
	for _, g := range q.Groups {
		og := &ObservedGroup{Name: g, Exists: m.groups[g] != nil, Members: map[string]*ObservedMember{}}
		for id := range m.groups[g] {
			og.Members[id] = &ObservedMember{AccountID: id, Login: id}
		}
		o.Groups[g] = og
	}
	for _, l := range q.Logins {
		o.Accounts[l] = &Account{ID: l, Login: l, Active: true}
	}
	return o, nil
}

func (m *memProvider) Apply(ctx context.Context, c Change) error {
	n := m.inFlight.Add(1)
	defer m.inFlight.Add(-1)
	for {
		cur := m.maxInFlight.Load()
		if n <= cur || m.maxInFlight.CompareAndSwap(cur, n) {
			break
		}
	}
	time.Sleep(time.Millisecond)
	if c.AccountID == m.failUser || c.Group == m.failUser {
		return errors.New("403 forbidden")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	switch c.Op {
	case OpCreateGroup:
		m.groups[c.Group] = map[string]bool{}
	case OpAdd:
		m.groups[c.Group][c.AccountID] = true
	case OpRemove:
		delete(m.groups[c.Group], c.AccountID)
	}
	return nil
}

func wantOf(groups map[string][]string) Want {
	w := Want{}
	for g, logins := range groups {
		w[g] = map[string]Wanted{}
		for _, l := range logins {
			w[g][l] = Wanted{User: l, Login: l, ConfigGroup: g}
		}
	}
	return w
}

func planFor(t *testing.T, targets []Target) (*Plan, []Input) {
	t.Helper()
	inputs, err := Observe(context.Background(), targets)
	if err != nil {
		t.Fatal(err)
	}
	return MakePlan(inputs...), inputs
}

func TestApplyIsolatesAFailingPersonAndConverges(t *testing.T) {
	mp := &memProvider{name: "okta", failUser: "bad", groups: map[string]map[string]bool{
		"a": {"stray": true}, "b": {},
	}}
	targets := []Target{{Provider: mp, Caps: Capabilities{CreatesGroups: true},
		Want: wantOf(map[string][]string{"a": {"u1", "u2", "bad"}, "b": {"u3"}, "c": {"u4"}})}}
	p, _ := planFor(t, targets)
	var logs bytes.Buffer
	rep := Apply(context.Background(), p, Providers(targets), ApplyOptions{Commit: "abc123", Log: slog.New(slog.NewJSONHandler(&logs, nil))})
	if len(rep.Failed) != 1 || rep.Failed[0].Change.AccountID != "bad" {
		t.Fatalf("failed = %+v", rep.Failed)
	}
	if len(rep.Applied) != len(p.Changes)-1 {
		t.Errorf("applied %d of %d", len(rep.Applied), len(p.Changes)-1)
	}
	again, _ := planFor(t, targets)
	if len(again.Changes) != 1 || again.Changes[0].AccountID != "bad" {
		t.Errorf("second plan should hold only the failed change: %+v", again.Changes)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != len(p.Changes) {
		t.Fatalf("want one log line per change, got %d for %d", len(lines), len(p.Changes))
	}
	for _, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("log line is not JSON: %s", l)
		}
		for _, k := range []string{"target", "group", "user", "op", "commit"} {
			if _, ok := rec[k]; !ok {
				t.Errorf("log line lacks %q: %s", k, l)
			}
		}
	}
}

func TestApplySkipsMembersOfAGroupThatCouldNotBeCreated(t *testing.T) {
	mp := &memProvider{name: "okta", failUser: "new", groups: map[string]map[string]bool{}}
	targets := []Target{{Provider: mp, Caps: Capabilities{CreatesGroups: true}, Want: wantOf(map[string][]string{"new": {"u1", "u2"}})}}
	p, _ := planFor(t, targets)
	rep := Apply(context.Background(), p, Providers(targets), ApplyOptions{})
	if len(rep.Failed) != 3 || len(rep.Applied) != 0 {
		t.Fatalf("applied %+v failed %+v", rep.Applied, rep.Failed)
	}
	if !strings.Contains(rep.Failed[1].Error, "group was not created") {
		t.Errorf("member adds should say why: %q", rep.Failed[1].Error)
	}
}

func TestApplyBoundsConcurrencyPerTarget(t *testing.T) {
	mp := &memProvider{name: "gitlab", groups: map[string]map[string]bool{"g": {}}}
	var logins []string
	for i := 0; i < 60; i++ {
		logins = append(logins, "u"+string(rune('A'+i)))
	}
	targets := []Target{{Provider: mp, Want: wantOf(map[string][]string{"g": logins})}}
	p, _ := planFor(t, targets)
	rep := Apply(context.Background(), p, Providers(targets), ApplyOptions{Concurrency: 3})
	if !rep.OK() || len(rep.Applied) != 60 {
		t.Fatalf("applied %d failed %d", len(rep.Applied), len(rep.Failed))
	}
	if got := mp.maxInFlight.Load(); got > 3 || got < 2 {
		t.Errorf("max writes in flight = %d, want 2..3", got)
	}
}

func TestObserveFailureIsAnErrorNotAnEmptyTarget(t *testing.T) {
	good := &memProvider{name: "okta", groups: map[string]map[string]bool{"a": {"x": true}}}
	bad := &memProvider{name: "gitlab", failRead: errors.New("502 bad gateway")}
	_, err := Observe(context.Background(), []Target{
		{Provider: good, Want: wantOf(map[string][]string{"a": nil})},
		{Provider: bad, Want: wantOf(map[string][]string{"g": nil})},
	})
	if err == nil || !strings.Contains(err.Error(), "reading gitlab: 502 bad gateway") {
		t.Fatalf("err = %v", err)
	}
}

// droppingProvider answers without one of the requested groups.
type droppingProvider struct{ memProvider }

func (d *droppingProvider) Observe(ctx context.Context, q Query) (*Observed, error) {
	return &Observed{Groups: map[string]*ObservedGroup{}, Accounts: map[string]*Account{}}, nil
}

func TestObserveRejectsAProviderThatDropsAGroup(t *testing.T) {
	_, err := Observe(context.Background(), []Target{{Provider: &droppingProvider{memProvider{name: "okta"}},
		Want: wantOf(map[string][]string{"a": {"x"}})}})
	if err == nil || !strings.Contains(err.Error(), `group "a" was not read`) {
		t.Fatalf("err = %v", err)
	}
}
