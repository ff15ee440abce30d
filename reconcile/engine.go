package reconcile

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Target is one provider and what the config asks of it.
type Target struct {
	Provider  Provider
	Want      Want
	Protected []string
	// Caps is what the plan must know of this target (its provider package
	// describes it).
	Caps Capabilities
	// Known maps the config users' logins to ids (see Input.Known).
	Known map[string]string
	// Notes are warnings the config itself gives about this target (see
	// Input.Notes).
	Notes []Warning
}

// Observe reads every target concurrently and returns the plan inputs. Any
// failed read fails the whole call: a target that could not be read is never
// planned as if it were empty.
func Observe(ctx context.Context, targets []Target) ([]Input, error) {
	inputs := make([]Input, len(targets))
	errs := make([]error, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q := t.Want.Query()
			o, err := t.Provider.Observe(ctx, q)
			if err == nil {
				err = checkObserved(q, o)
			}
			if err != nil {
				errs[i] = fmt.Errorf("reading %s: %w", t.Provider.Name(), err)
				return
			}
			inputs[i] = Input{Target: t.Provider.Name(), Want: t.Want, Observed: o,
				Protected: t.Protected, Caps: t.Caps, Known: t.Known, Notes: t.Notes}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return inputs, nil
}

// checkObserved enforces the provider contract: every requested group is
// answered. A provider that silently drops a group would otherwise make the
// plan report an error for it at best.
func checkObserved(q Query, o *Observed) error {
	if o == nil {
		return errors.New("provider returned no state")
	}
	var missing []error
	for _, g := range q.Groups {
		if og := o.Groups[g]; og == nil {
			missing = append(missing, fmt.Errorf("group %q was not read", g))
		} else if og.Exists && og.Members == nil {
			missing = append(missing, fmt.Errorf("group %q: members were not read", g))
		}
	}
	return errors.Join(missing...)
}

// MemberCounts returns the observed size of each group, for the ratio guard.
func MemberCounts(inputs []Input) func(target, group string) int {
	return func(target, group string) int {
		for _, in := range inputs {
			if in.Target == target {
				if og := in.Observed.Groups[group]; og != nil {
					return len(og.Members)
				}
			}
		}
		return 0
	}
}

// Providers indexes the targets' providers by name, for Apply.
func Providers(targets []Target) map[string]Provider {
	m := map[string]Provider{}
	for _, t := range targets {
		m[t.Provider.Name()] = t.Provider
	}
	return m
}
