// Package e2e holds end-to-end tests and benchmarks of reconcile: the real
// engine (reconcile.Run) and the real providers (reconcile/okta,
// reconcile/gitlab, over their SDKs) against the stateful fakes
// (internal/oktafake, internal/gitlabfake), with injected faults and at the
// size of a large organisation. It has no code of its own outside tests.
//
//	go test -race ./reconcile/e2e/                                      # fault matrix
//	go test -run='^$' -bench=Reconcile -benchtime=1x ./reconcile/e2e/   # speed table
package e2e
