// Package accessdiff compares two compiled access configs (a pull request's
// base and head) and reports the change in effective access per person, not
// per file: who gains or loses which config group, Okta group, GitLab
// level and GitHub org or team role, directly or through a role, with until and reason; and which groups,
// roles and apps were created, deleted, renamed or re-owned. A role merge or
// split therefore shows only its net effect on each person. It is pure: both
// sides are passed in already loaded and compiled.
package accessdiff

import (
	"encoding/json"
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/access-as-code/access/schema"
)

// Side is one revision: its config and schema.Compile's result for it.
type Side struct {
	Config  *schema.Config
	Desired *schema.Desired
}

// Report is everything that changed between base and head.
type Report struct {
	Base string `json:"base,omitempty"` // commit ids, set by the caller
	Head string `json:"head,omitempty"`
	// People lists each person whose effective access changes, by user id.
	People []Person `json:"people"`
	// Items lists each group, role, app, users.yaml entry or access.yaml
	// change, as edited in files.
	Items []Item `json:"items"`
	// Unmanaged lists targets of deleted group files: reconcile never deletes
	// an Okta or GitLab group, so their members keep access.
	Unmanaged []Unmanaged `json:"unmanaged"`
}

// Empty reports whether nothing changed.
func (r *Report) Empty() bool {
	return len(r.People) == 0 && len(r.Items) == 0 && len(r.Unmanaged) == 0
}

// Person is one person's net change.
type Person struct {
	User    string   `json:"user"`
	Name    string   `json:"name,omitempty"`
	Changes []Change `json:"changes"`
}

// Change kinds and ops.
const (
	KindGroup  = "group"  // a config group (groups/NAME.yaml)
	KindOkta   = "okta"   // an Okta group
	KindGitLab = "gitlab" // a GitLab group at a level
	// KindGitHub (github.go): a GitHub org or ORG/TEAM with a role.

	OpGain   = "gain"
	OpLose   = "lose"
	OpChange = "change" // still held, but until, path or level differs
)

// Change is one thing a person gains, loses or keeps differently.
type Change struct {
	Kind string `json:"kind"`
	Op   string `json:"op"`
	Name string `json:"name"` // config group, Okta group, GitLab full path, GitHub ORG or ORG/TEAM
	// Group is the config group behind an Okta or GitLab change.
	Group    string        `json:"group,omitempty"`
	Level    string        `json:"level,omitempty"`
	OldLevel string        `json:"old_level,omitempty"`
	Via      []schema.Path `json:"via,omitempty"`
	OldVia   []schema.Path `json:"old_via,omitempty"`
	Until    *time.Time    `json:"until,omitempty"`
	OldUntil *time.Time    `json:"old_until,omitempty"`
	Reason   string        `json:"reason,omitempty"`
}

// Unmanaged is a target that no group file manages any more.
type Unmanaged struct {
	Group   string   `json:"group"` // the deleted group file's name
	Target  string   `json:"target"`
	Name    string   `json:"name"`            // Okta group, GitLab path or GitHub ORG/TEAM
	Members []string `json:"members"`         // user ids who keep access
	Level   string   `json:"level,omitempty"` // GitLab level or GitHub role
}

// Compute compares base and head.
func Compute(base, head Side) *Report {
	r := &Report{People: []Person{}, Items: []Item{}, Unmanaged: []Unmanaged{}}
	renamed := Renames(base.Config, head.Config)
	r.Items = items(base, head, renamed)
	r.Unmanaged = unmanaged(base, head)
	r.People = people(base, head, renamed)
	return r
}

// Renames maps a head group name to the base group it replaces: a deleted
// group file and a created one that manage the same Okta group (or, without
// Okta, the same GitLab targets, or else the same GitHub targets) are one
// group renamed, so its members neither lose nor gain anything.
func Renames(base, head *schema.Config) map[string]string {
	key := func(g *schema.Group) string {
		if g.Okta != nil && g.Okta.Group != "" {
			return "okta:" + g.Okta.Group
		}
		if len(g.GitLab) > 0 {
			b, _ := json.Marshal(g.GitLab)
			return "gitlab:" + string(b)
		}
		if len(g.GitHub) > 0 {
			b, _ := json.Marshal(g.GitHub)
			return "github:" + string(b)
		}
		return ""
	}
	gone := map[string]string{}
	for name, g := range base.Groups {
		if head.Groups[name] == nil {
			if k := key(g); k != "" {
				gone[k] = name
			}
		}
	}
	out := map[string]string{}
	for name, g := range head.Groups {
		if base.Groups[name] != nil {
			continue
		}
		if old, ok := gone[key(g)]; ok && key(g) != "" {
			out[name] = old
			delete(gone, key(g))
		}
	}
	return out
}

func people(base, head Side, renamed map[string]string) []Person {
	byUser := map[string][]Change{}
	add := func(user string, c Change) { byUser[user] = append(byUser[user], c) }

	// Config groups, pairing renamed files.
	oldName := func(n string) string {
		if o, ok := renamed[n]; ok {
			return o
		}
		return n
	}
	seenBase := map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(head.Desired.Groups)) {
		bname := oldName(name)
		seenBase[bname] = true
		bg, hg := base.Desired.Groups[bname], head.Desired.Groups[name]
		for _, u := range slices.Sorted(maps.Keys(hg)) {
			h := hg[u]
			if b := bg[u]; b == nil {
				add(u, Change{Kind: KindGroup, Op: OpGain, Name: name, Via: h.Via, Until: h.Until, Reason: h.Reason})
			} else if !h.Equal(b) {
				add(u, Change{Kind: KindGroup, Op: OpChange, Name: name, Via: h.Via, OldVia: b.Via, Until: h.Until, OldUntil: b.Until, Reason: h.Reason})
			}
		}
		for _, u := range slices.Sorted(maps.Keys(bg)) {
			if hg[u] == nil {
				b := bg[u]
				add(u, Change{Kind: KindGroup, Op: OpLose, Name: name, OldVia: b.Via, OldUntil: b.Until, Reason: b.Reason})
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(base.Desired.Groups)) {
		if seenBase[name] {
			continue
		}
		// A deleted group file: members lose the config group; the
		// targets are reported as unmanaged, not as lost.
		for _, u := range slices.Sorted(maps.Keys(base.Desired.Groups[name])) {
			b := base.Desired.Groups[name][u]
			add(u, Change{Kind: KindGroup, Op: OpLose, Name: name, OldVia: b.Via, OldUntil: b.Until, Reason: b.Reason})
		}
	}

	// Okta groups managed on both sides or newly managed.
	for _, og := range slices.Sorted(maps.Keys(head.Desired.Okta)) {
		bm := indexOkta(base.Desired.Okta[og])
		hm := indexOkta(head.Desired.Okta[og])
		for _, u := range slices.Sorted(maps.Keys(hm)) {
			if _, ok := bm[u]; !ok {
				add(u, Change{Kind: KindOkta, Op: OpGain, Name: og, Group: hm[u].ConfigGroup, Until: hm[u].Until, Reason: hm[u].Reason})
			}
		}
		if _, managed := base.Desired.Okta[og]; !managed {
			continue
		}
		for _, u := range slices.Sorted(maps.Keys(bm)) {
			if _, ok := hm[u]; !ok {
				add(u, Change{Kind: KindOkta, Op: OpLose, Name: og, Group: bm[u].ConfigGroup, OldUntil: bm[u].Until})
			}
		}
	}
	for _, gp := range slices.Sorted(maps.Keys(head.Desired.GitLab)) {
		bm := indexGitLab(base.Desired.GitLab[gp])
		hm := indexGitLab(head.Desired.GitLab[gp])
		_, managed := base.Desired.GitLab[gp]
		for _, u := range slices.Sorted(maps.Keys(hm)) {
			h := hm[u]
			b, ok := bm[u]
			switch {
			case !ok:
				add(u, Change{Kind: KindGitLab, Op: OpGain, Name: gp, Group: h.ConfigGroup, Level: string(h.Level), Until: h.Until, Reason: h.Reason})
			case b.Level != h.Level:
				add(u, Change{Kind: KindGitLab, Op: OpChange, Name: gp, Group: h.ConfigGroup, Level: string(h.Level), OldLevel: string(b.Level),
					Until: h.Until, OldUntil: b.Until, Reason: h.Reason})
			}
		}
		if !managed {
			continue
		}
		for _, u := range slices.Sorted(maps.Keys(bm)) {
			if _, ok := hm[u]; !ok {
				add(u, Change{Kind: KindGitLab, Op: OpLose, Name: gp, Group: bm[u].ConfigGroup, OldLevel: string(bm[u].Level), OldUntil: bm[u].Until})
			}
		}
	}

	githubPeople(base, head, add)

	names := map[string]string{}
	for _, c := range []*schema.Config{base.Config, head.Config} {
		for _, u := range c.Users {
			if u != nil && u.Name != "" {
				names[u.ID] = u.Name
			}
		}
	}
	out := make([]Person, 0, len(byUser))
	for _, u := range slices.Sorted(maps.Keys(byUser)) {
		out = append(out, Person{User: u, Name: names[u], Changes: byUser[u]})
	}
	return out
}

func indexOkta(m map[string]schema.OktaGrant) map[string]schema.OktaGrant {
	out := make(map[string]schema.OktaGrant, len(m))
	for _, g := range m {
		out[g.User] = g
	}
	return out
}

func indexGitLab(m map[string]schema.GitLabGrant) map[string]schema.GitLabGrant {
	out := make(map[string]schema.GitLabGrant, len(m))
	for _, g := range m {
		out[g.User] = g
	}
	return out
}

func unmanaged(base, head Side) []Unmanaged {
	out := []Unmanaged{}
	for _, name := range slices.Sorted(maps.Keys(base.Config.Groups)) {
		if head.Config.Groups[name] != nil {
			continue
		}
		g := base.Config.Groups[name]
		if g.Okta != nil && g.Okta.Group != "" {
			if _, still := head.Desired.Okta[g.Okta.Group]; !still {
				out = append(out, Unmanaged{Group: name, Target: KindOkta, Name: g.Okta.Group, Members: oktaMembers(base.Desired.Okta[g.Okta.Group])})
			}
		}
		for _, t := range g.GitLab {
			if _, still := head.Desired.GitLab[t.Group]; still {
				continue
			}
			out = append(out, Unmanaged{Group: name, Target: KindGitLab, Name: t.Group, Level: string(t.Access), Members: gitlabMembers(base.Desired.GitLab[t.Group])})
		}
		out = append(out, githubUnmanaged(name, g, base, head)...)
	}
	return out
}

func oktaMembers(m map[string]schema.OktaGrant) []string {
	out := []string{}
	for _, g := range m {
		out = append(out, g.User)
	}
	sort.Strings(out)
	return out
}

func gitlabMembers(m map[string]schema.GitLabGrant) []string {
	out := []string{}
	for _, g := range m {
		out = append(out, g.User)
	}
	sort.Strings(out)
	return out
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}
