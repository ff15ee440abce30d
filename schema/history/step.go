package history

import (
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/access-as-code/access/schema"
)

// step moves the state from a commit (child) to its parent and returns the
// events the commit made: "before" is the parent, "after" the child.
func (w *walker) step(child, parent *snap, st *state) ([]Event, *state, error) {
	if st.subj.Kind == "group" {
		return w.stepGroup(child, parent, st)
	}
	return w.stepUser(child, parent, st)
}

func (w *walker) stepUser(child, parent *snap, st *state) ([]Event, *state, error) {
	u := st.subj.Name
	gch := changed(child.groups, parent.groups)
	rch := changed(child.roles, parent.roles)
	affected := map[string]bool{}
	for _, c := range gch {
		affected[c.name] = true
		// Known hashes spare a scan of the parent's folder below.
		parent.hint(c.name, c.b)
	}
	for _, c := range rch {
		// A role change matters only if it names this person, before or after.
		if !w.roleHas(c.name, c.a, u) && !w.roleHas(c.name, c.b, u) {
			continue
		}
		for g := range st.roleIdx[c.name] {
			affected[g] = true
		}
	}
	for _, c := range gch {
		st.index(c.name, w.roleRefs(c.a), false)
		st.index(c.name, w.roleRefs(c.b), true)
	}
	before := map[string]*schema.Grant{}
	for g := range affected {
		if gr := w.grantOf(parent, g, u); gr != nil {
			before[g] = gr
		}
	}
	var events []Event
	renamed := w.renamesIn(gch)
	done := map[string]bool{}
	for now, old := range renamed {
		a, b := st.grants[now], before[old]
		done[now], done[old] = true, true
		if a != nil && b != nil {
			events = append(events, event(OpRenamed, now, u, b, a, old))
		} else if e, ok := compare(now, u, nil, a); ok {
			events = append(events, e)
		} else if e, ok := compare(old, u, b, nil); ok {
			events = append(events, e)
		}
	}
	for _, g := range slices.Sorted(maps.Keys(affected)) {
		if done[g] {
			continue
		}
		if e, ok := compare(g, u, before[g], st.grants[g]); ok {
			events = append(events, e)
		}
	}
	for g := range affected {
		delete(st.grants, g)
		if before[g] != nil {
			st.grants[g] = before[g]
		}
	}
	sortEvents(events)
	return events, st, nil
}

func (w *walker) stepGroup(child, parent *snap, st *state) ([]Event, *state, error) {
	cur := st.name
	old := cur
	if entry(parent.groups, cur).IsZero() && !entry(child.groups, cur).IsZero() {
		// Created here: renamed from a group deleted in the same commit?
		if d, ok := w.renamesIn(changed(child.groups, parent.groups))[cur]; ok {
			old = d
		}
	}
	// Only this group's file and its roles' files matter: compare their
	// blob hashes instead of diffing whole folders.
	affected := old != cur || entry(child.groups, cur) != entry(parent.groups, old)
	for _, g := range []*schema.Group{w.group(cur, entry(child.groups, cur)), w.group(old, entry(parent.groups, old))} {
		if g == nil || affected {
			continue
		}
		for _, m := range g.Members {
			if m.Role != "" && entry(child.roles, m.Role) != entry(parent.roles, m.Role) {
				affected = true
				break
			}
		}
	}
	if !affected {
		return nil, st, nil
	}
	before, _ := w.grantsOf(parent, old)
	var events []Event
	if old != cur {
		events = append(events, Event{Op: OpRenamed, Group: cur, From: old})
	}
	users := map[string]bool{}
	for u := range before {
		users[u] = true
	}
	for u := range st.grants {
		users[u] = true
	}
	for _, u := range slices.Sorted(maps.Keys(users)) {
		if e, ok := compare(cur, u, before[u], st.grants[u]); ok {
			events = append(events, e)
		}
	}
	next := &state{subj: st.subj, name: old, grants: map[string]*schema.Grant{}}
	for u, g := range before {
		next.grants[u] = g
	}
	return events, next, nil
}

// compare makes the event for one grant moving from b (before) to a (after).
func compare(group, user string, b, a *schema.Grant) (Event, bool) {
	switch {
	case b == nil && a == nil:
		return Event{}, false
	case b == nil:
		return event(OpGain, group, user, nil, a, ""), true
	case a == nil:
		return event(OpLose, group, user, b, nil, ""), true
	case sameGrant(a, b):
		return Event{}, false
	}
	return event(OpChange, group, user, b, a, ""), true
}

func event(op, group, user string, b, a *schema.Grant, from string) Event {
	e := Event{Op: op, Group: group, User: user, From: from}
	if a != nil {
		e.Via, e.Until, e.Reason = a.Via, a.Until, a.Reason
	}
	if b != nil {
		e.OldVia, e.OldUntil = b.Via, b.Until
		if a == nil {
			e.Reason = b.Reason
		}
	}
	return e
}

func sameGrant(a, b *schema.Grant) bool {
	if !sameTime(a.Until, b.Until) || a.Reason != b.Reason || len(a.Via) != len(b.Via) {
		return false
	}
	for i := range a.Via {
		if a.Via[i].Role != b.Via[i].Role || !sameTime(a.Via[i].Until, b.Via[i].Until) || a.Via[i].Reason != b.Via[i].Reason {
			return false
		}
	}
	return true
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

func sortEvents(es []Event) {
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].Group != es[j].Group {
			return es[i].Group < es[j].Group
		}
		return es[i].User < es[j].User
	})
}
