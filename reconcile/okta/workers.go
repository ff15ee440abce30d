package okta

import (
	"context"
	"sync"
)

// workers runs functions with at most limit at once; the first error
// cancels the context the others run with and is what Wait returns. (The
// transport bounds requests too; this bounds goroutines and stops work
// that a failed read has made pointless.)
type workers struct {
	ctx    context.Context
	cancel context.CancelFunc
	sem    chan struct{}
	wg     sync.WaitGroup
	once   sync.Once
	err    error
}

func newWorkers(ctx context.Context, limit int) (*workers, context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	return &workers{ctx: ctx, cancel: cancel, sem: make(chan struct{}, limit)}, ctx
}

func (w *workers) Go(f func() error) {
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		select {
		case w.sem <- struct{}{}:
		case <-w.ctx.Done():
			w.fail(w.ctx.Err())
			return
		}
		defer func() { <-w.sem }()
		if err := f(); err != nil {
			w.fail(err)
		}
	}()
}

func (w *workers) fail(err error) {
	w.once.Do(func() {
		w.err = err
		w.cancel()
	})
}

func (w *workers) Wait() error {
	w.wg.Wait()
	w.cancel()
	return w.err
}
