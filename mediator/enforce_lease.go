package mediator

import (
	"context"
	"errors"
	"time"
)

// enforcementLease names the lease in the store.
const enforcementLease = "enforcement"

var (
	errNotLeader = errors.New("another replica holds the enforcement lease")
	errLeaseLost = errors.New("enforcement lease lost: stopped before the next write")
)

// hold renews this replica's lease, or takes it when free.
func (e *Enforcer) hold(ctx context.Context) (bool, error) {
	ok, err := e.m.store.Renew(ctx, enforcementLease, e.m.replica, e.lease)
	if err == nil && !ok {
		ok, err = e.m.store.Acquire(ctx, enforcementLease, e.m.replica, e.lease)
	}
	if err != nil || !ok {
		e.metrics.leaseHeld.Set(0)
		return false, err
	}
	e.metrics.leaseHeld.Set(1)
	return true, nil
}

// stillLeader is checked before each block or unblock: a replica whose lease
// expired (paused, cut off from the store) may have been replaced, and must
// not write. Renewing is the check: it succeeds only for the holder.
func (e *Enforcer) stillLeader(ctx context.Context) error {
	ok, err := e.m.store.Renew(ctx, enforcementLease, e.m.replica, e.lease)
	if err != nil || !ok {
		e.metrics.leaseHeld.Set(0)
		e.log.Warn("enforcement lease lost", "err", err)
		return errLeaseLost
	}
	return nil
}

// Run enforces until ctx ends, on whichever replica holds the lease: every
// replica tries to take or renew it every third of its TTL; the holder makes
// a pass every interval (and at once when it takes the lease over, since it
// cannot know when the last holder's pass was). A holder that dies stops
// renewing, and another takes over within the lease's TTL. When the store
// is unreachable, nobody holds the lease and enforcement pauses.
func (e *Enforcer) Run(ctx context.Context) {
	tick := e.lease / 3
	var next time.Time
	held := false
	defer func() {
		rel, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		if held {
			_ = e.m.store.Release(rel, enforcementLease, e.m.replica) // hand over at once
		}
		e.metrics.leaseHeld.Set(0)
	}()
	for {
		ok, err := e.hold(ctx)
		switch {
		case err != nil:
			if held {
				e.log.Warn("enforcement paused: the store is unreachable", "err", err)
			}
			held = false
		case !ok:
			if held {
				e.log.Warn("enforcement lease taken by another replica")
			}
			held = false
		default:
			if !held {
				e.log.Info("enforcement lease taken")
			}
			if !held || !time.Now().Before(next) {
				held = e.leadPass(ctx, tick)
				next = time.Now().Add(e.interval)
			} else {
				held = true
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(tick):
		}
	}
}

// leadPass runs one pass while renewing the lease alongside it, so that a
// pass longer than the TTL keeps it; a failed renewal cancels the pass. It
// says whether the lease is still held.
func (e *Enforcer) leadPass(ctx context.Context, tick time.Duration) bool {
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	lost := make(chan struct{})
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if ok, err := e.m.store.Renew(pctx, enforcementLease, e.m.replica, e.lease); err != nil || !ok {
					close(lost)
					cancel()
					return
				}
			}
		}
	}()
	err := e.Check(pctx)
	close(done)
	if err != nil && !errors.Is(err, context.Canceled) {
		e.log.Error("enforcement pass incomplete", "err", err)
	}
	select {
	case <-lost:
		e.metrics.leaseHeld.Set(0)
		return false
	default:
		return !errors.Is(err, errLeaseLost) && !errors.Is(err, errNotLeader)
	}
}
