package history

import (
	"maps"
	"slices"
	"sort"

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
		// Known hashes spare a scan of the parent's folder below.
		parent.hint(c.name, c.b)
		if !w.sameFor(c, u) {
			affected[c.name] = true
		}
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
	if old == cur {
		// Only this group's file and its roles' files matter: compare their
		// blob hashes instead of diffing whole folders.
		a, b := entry(child.groups, cur), entry(parent.groups, cur)
		if a == b && !w.rolesChanged(child, parent, w.group(cur, a)) {
			return nil, st, nil
		}
		if before, who, ok := w.carry(child, parent, cur, st.grants); ok {
			var events []Event
			for _, u := range who {
				if e, ok := compare(cur, u, before[u], st.grants[u]); ok {
					events = append(events, e)
				}
			}
			return events, &state{subj: st.subj, name: old, grants: before}, nil
		}
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

// rolesChanged reports whether a role group g lists differs between the
// two snapshots.
func (w *walker) rolesChanged(child, parent *snap, g *schema.Group) bool {
	if g == nil {
		return false
	}
	for _, m := range g.Members {
		if m.Role != "" && entry(child.roles, m.Role) != entry(parent.roles, m.Role) {
			return true
		}
	}
	return false
}

// sameFor reports whether change c leaves u's grant as it was: both
// versions exist and differ only by plain list items naming others.
func (w *walker) sameFor(c change, u string) bool {
	if !plainFastPath || c.a.IsZero() || c.b.IsZero() {
		return false
	}
	onlyA, onlyB, _, ok := plainDiff(w.text(c.a), w.text(c.b))
	return ok && !slices.Contains(onlyA, u) && !slices.Contains(onlyB, u)
}

// plainFastPath is off only in the test that checks it changes nothing.
var plainFastPath = true

// carry computes the parent's grants of group name from the child's,
// grants, when its file changed only by plain member lines ("  - ID") and
// none of its roles changed: only the people on those lines are compiled
// again, and the parent's version is derived from the child's parsed one
// instead of being parsed (the group of everyone has thousands of lines
// and changes with every onboarding). It returns the grants, the people
// whose grant may differ, and false when the change is of another kind.
func (w *walker) carry(child, parent *snap, name string, grants map[string]*schema.Grant) (map[string]*schema.Grant, []string, bool) {
	a, b := entry(child.groups, name), entry(parent.groups, name)
	if !plainFastPath || a.IsZero() || b.IsZero() {
		return nil, nil, false
	}
	ga := w.group(name, a)
	if w.rolesChanged(child, parent, ga) {
		return nil, nil, false
	}
	ta := w.text(a)
	onlyA, onlyB, at, ok := plainDiff(ta, w.text(b))
	if !ok {
		return nil, nil, false
	}
	before := maps.Clone(grants)
	if !inMembers(ta, at) {
		return before, nil, true // owners, or text: nobody's grant changes
	}
	who := map[string]bool{}
	for _, id := range onlyA {
		who[id] = true
	}
	gb := *ga
	gb.Members = make([]schema.Member, 0, len(ga.Members)+len(onlyB))
	for _, m := range ga.Members {
		// A person is listed once per file (validation), so the plain line
		// removed is their only direct entry.
		if m.Role == "" && who[m.User] {
			continue
		}
		gb.Members = append(gb.Members, m)
	}
	for _, id := range onlyB {
		gb.Members = append(gb.Members, schema.Member{Ref: schema.Ref{User: id}})
		who[id] = true
	}
	if _, ok := w.groups[b]; !ok {
		w.keepGroup(b, &gb)
	}
	for id := range who {
		delete(before, id)
	}
	for id, g := range w.compile(parent, &gb, who) {
		before[id] = g
	}
	return before, slices.Sorted(maps.Keys(who)), true
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
	case a.Equal(b):
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

func sortEvents(es []Event) {
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].Group != es[j].Group {
			return es[i].Group < es[j].Group
		}
		return es[i].User < es[j].User
	})
}
