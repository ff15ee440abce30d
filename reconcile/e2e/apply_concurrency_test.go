package e2e

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/access-as-code/access/reconcile"
)

// rendezvousProvider's writes wait until the other target has started
// writing too (or give up after a while), so it sees whether Apply writes
// to both targets at once.
type rendezvousProvider struct {
	name  string
	mine  chan struct{} // closed on this target's first write
	other chan struct{}
	once  sync.Once
}

func (p *rendezvousProvider) Name() string { return p.name }
func (p *rendezvousProvider) Observe(context.Context, reconcile.Query) (*reconcile.Observed, error) {
	return nil, fmt.Errorf("not used")
}
func (p *rendezvousProvider) Apply(ctx context.Context, c reconcile.Change) error {
	p.once.Do(func() { close(p.mine) })
	select {
	case <-p.other:
		return nil
	case <-time.After(5 * time.Second):
		return fmt.Errorf("%s waited 5s and the other target had not started writing", p.name)
	}
}

// TestApplyWritesToEachTargetAtOnce: concurrency is bounded per target, and
// the targets are written in parallel, so a slow or rate-limited Okta
// does not hold GitLab's changes back (the apply then takes as long as the
// slower target, not the sum).
func TestApplyWritesToEachTargetAtOnce(t *testing.T) {
	a, b := make(chan struct{}), make(chan struct{})
	okta := &rendezvousProvider{name: "okta", mine: a, other: b}
	gl := &rendezvousProvider{name: "gitlab", mine: b, other: a}
	var changes []reconcile.Change
	for i := range 3 {
		changes = append(changes,
			reconcile.Change{Op: reconcile.OpAdd, Target: "okta", Group: "G", User: fmt.Sprint("u", i), Login: fmt.Sprint("u", i)},
			reconcile.Change{Op: reconcile.OpAdd, Target: "gitlab", Group: "g", User: fmt.Sprint("u", i), Login: fmt.Sprint("u", i), Access: "developer"})
	}
	rep := reconcile.Apply(context.Background(), &reconcile.Plan{Changes: changes},
		map[string]reconcile.Provider{"okta": okta, "gitlab": gl}, reconcile.ApplyOptions{Concurrency: 1})
	for _, f := range rep.Failed {
		t.Errorf("%s", f.Error)
	}
}
