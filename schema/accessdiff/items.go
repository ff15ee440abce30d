package accessdiff

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/access-as-code/access/schema"
)

// Item kinds, one per kind of file in access-config.
const (
	ItemGroup    = "group"
	ItemRole     = "role"
	ItemApp      = "app"
	ItemUser     = "user"     // one entry of users.yaml
	ItemSettings = "settings" // access.yaml

	ItemCreated = "created"
	ItemDeleted = "deleted"
	ItemChanged = "changed"
	ItemRenamed = "renamed" // a group file renamed (same targets); may also change
)

// Item is one edited group, role, app, user entry or access.yaml.
type Item struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	Op   string `json:"op"`
	From string `json:"from,omitempty"` // the old name of a renamed group
	App  string `json:"app,omitempty"`  // a group's app (head, else base)
	// Owners as written (user ids, "role:NAME"), before and after; set when
	// they differ or the item was created or deleted.
	Owners    []Owner `json:"owners,omitempty"`
	OldOwners []Owner `json:"old_owners,omitempty"`
	// Members are the member entries added, removed or changed, as written
	// (a role entry is one entry here; People has its effect per person).
	Members []Entry `json:"members,omitempty"`
	// Fields names other settings that changed (description, okta, gitlab,
	// github, policy, app; for users.yaml the user's fields; for access.yaml its keys).
	Fields []string `json:"fields,omitempty"`
}

// Entry is one member entry that was added, removed or changed.
type Entry struct {
	Op       EntryOp    `json:"op"`
	User     string     `json:"user,omitempty"`
	Role     string     `json:"role,omitempty"`
	Until    *time.Time `json:"until,omitempty"`
	OldUntil *time.Time `json:"old_until,omitempty"`
	Reason   string     `json:"reason,omitempty"`
}

// EntryOp is what a change did to one member entry. Not a string, because
// approvals decide on it: a misspelt op cannot compile. It is written as
// "added", "removed" or "changed" in JSON.
type EntryOp uint8

// Entry ops.
const (
	EntryAdded EntryOp = iota + 1
	EntryRemoved
	EntryChanged // its until or reason
)

var entryOpNames = map[EntryOp]string{EntryAdded: "added", EntryRemoved: "removed", EntryChanged: "changed"}

func (op EntryOp) String() string { return entryOpNames[op] }

// MarshalText writes the op's name.
func (op EntryOp) MarshalText() ([]byte, error) {
	if n, ok := entryOpNames[op]; ok {
		return []byte(n), nil
	}
	return nil, fmt.Errorf("accessdiff: entry op %d has no name", op)
}

// UnmarshalText reads an op's name.
func (op *EntryOp) UnmarshalText(b []byte) error {
	for k, n := range entryOpNames {
		if n == string(b) {
			*op = k
			return nil
		}
	}
	return fmt.Errorf("accessdiff: unknown entry op %q: want added, removed or changed", b)
}

// Owner is one owner as an item lists it: a person or a role. Not a string
// ("role:NAME" was parsed by slicing): build it with UserOwner or RoleOwner,
// read it with User and Role. In JSON and text it is the user id, or
// "role:NAME" (user ids cannot contain ":").
type Owner struct{ user, role string }

const rolePrefix = "role:"

// UserOwner is the owner entry of a person.
func UserOwner(id string) Owner { return Owner{user: id} }

// RoleOwner is the owner entry of a role.
func RoleOwner(name string) Owner { return Owner{role: name} }

// Role is the role o names; false when o is a person.
func (o Owner) Role() (string, bool) { return o.role, o.role != "" }

// User is the person o names; false when o is a role.
func (o Owner) User() (string, bool) { return o.user, o.role == "" }

func (o Owner) String() string {
	if o.role != "" {
		return rolePrefix + o.role
	}
	return o.user
}

// MarshalText writes the user id or "role:NAME".
func (o Owner) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// UnmarshalText reads a user id or "role:NAME".
func (o *Owner) UnmarshalText(b []byte) error {
	if r, ok := strings.CutPrefix(string(b), rolePrefix); ok {
		*o = RoleOwner(r)
	} else {
		*o = UserOwner(string(b))
	}
	return nil
}

func items(base, head Side, renamed map[string]string) []Item {
	out := []Item{}
	b, h := base.Config, head.Config
	renamedFrom := map[string]bool{}
	for _, old := range renamed {
		renamedFrom[old] = true
	}
	for _, name := range unionKeys(b.Groups, h.Groups) {
		bg, hg := b.Groups[name], h.Groups[name]
		from := ""
		if bg == nil {
			if old, ok := renamed[name]; ok {
				bg, from = b.Groups[old], old
			}
		}
		if hg == nil && renamedFrom[name] {
			continue // reported under its new name
		}
		if from == "" && bg != nil && hg != nil && equalGroup(bg, hg) {
			continue
		}
		it, changed := compareEntity(ItemGroup, name, groupOwners(bg), groupOwners(hg), groupMembers(bg), groupMembers(hg), groupFields(bg), groupFields(hg), bg == nil, hg == nil)
		if from != "" {
			it.Op, it.From, changed = ItemRenamed, from, true
		}
		if !changed {
			continue
		}
		if hg != nil {
			it.App = hg.App
		} else {
			it.App = bg.App
		}
		out = append(out, it)
	}
	for _, name := range unionKeys(b.Roles, h.Roles) {
		br, hr := b.Roles[name], h.Roles[name]
		if br != nil && hr != nil && br.Description == hr.Description && equalRefs(br.Owners, hr.Owners) && equalMembers(br.Members, hr.Members) {
			continue
		}
		var bo, ho []schema.Ref
		var bm, hm []schema.Member
		bf, hf := map[string]string{}, map[string]string{}
		if br != nil {
			bo, bm, bf["description"] = br.Owners, br.Members, br.Description
		}
		if hr != nil {
			ho, hm, hf["description"] = hr.Owners, hr.Members, hr.Description
		}
		if it, changed := compareEntity(ItemRole, name, bo, ho, bm, hm, bf, hf, br == nil, hr == nil); changed {
			out = append(out, it)
		}
	}
	for _, name := range unionKeys(b.Apps, h.Apps) {
		ba, ha := b.Apps[name], h.Apps[name]
		if ba != nil && ha != nil && ba.Description == ha.Description && equalRefs(ba.Owners, ha.Owners) {
			continue
		}
		var bo, ho []schema.Ref
		bf, hf := map[string]string{}, map[string]string{}
		if ba != nil {
			bo, bf["description"] = ba.Owners, ba.Description
		}
		if ha != nil {
			ho, hf["description"] = ha.Owners, ha.Description
		}
		if it, changed := compareEntity(ItemApp, name, bo, ho, nil, nil, bf, hf, ba == nil, ha == nil); changed {
			out = append(out, it)
		}
	}
	out = append(out, userItems(b, h)...)
	if f := changedKeys(settingsFields(b.Settings), settingsFields(h.Settings)); len(f) > 0 {
		out = append(out, Item{Kind: ItemSettings, Name: "access.yaml", Op: ItemChanged, Fields: f})
	}
	return out
}

func compareEntity(kind, name string, bo, ho []schema.Ref, bm, hm []schema.Member, bf, hf map[string]string, created, deleted bool) (Item, bool) {
	it := Item{Kind: kind, Name: name, Op: ItemChanged}
	switch {
	case created:
		it.Op = ItemCreated
	case deleted:
		it.Op = ItemDeleted
	}
	bos, hos := refStrings(bo), refStrings(ho)
	if created || deleted || !equalStrings(bos, hos) {
		it.Owners, it.OldOwners = hos, bos
	}
	it.Members = entries(bm, hm)
	it.Fields = changedKeys(bf, hf)
	if created || deleted {
		it.Fields = nil
	}
	changed := created || deleted || it.Owners != nil || len(it.Members) > 0 || len(it.Fields) > 0
	return it, changed
}

// entries compares member lists entry by entry, keyed by who they name;
// a person listed twice counts with their latest end, as Compile does.
func entries(bm, hm []schema.Member) []Entry {
	bi, hi := indexMembers(bm), indexMembers(hm)
	out := []Entry{}
	for _, k := range unionKeys(bi, hi) {
		b, bok := bi[k]
		h, hok := hi[k]
		switch {
		case !bok:
			out = append(out, Entry{Op: EntryAdded, User: h.User, Role: h.Role, Until: h.Until, Reason: h.Reason})
		case !hok:
			out = append(out, Entry{Op: EntryRemoved, User: b.User, Role: b.Role, OldUntil: b.Until, Reason: b.Reason})
		case !sameTime(b.Until, h.Until) || b.Reason != h.Reason:
			out = append(out, Entry{Op: EntryChanged, User: h.User, Role: h.Role, Until: h.Until, OldUntil: b.Until, Reason: h.Reason})
		}
	}
	return out
}

func indexMembers(ms []schema.Member) map[string]schema.Member {
	out := map[string]schema.Member{}
	for _, m := range ms {
		k := "user:" + m.User
		if m.Role != "" {
			k = rolePrefix + m.Role
		}
		if prev, ok := out[k]; ok && !endsAfter(m.Until, prev.Until) {
			continue
		}
		out[k] = m
	}
	return out
}

// endsAfter: a ends after b, nil meaning never.
func endsAfter(a, b *time.Time) bool {
	if a == nil {
		return b != nil
	}
	return b != nil && a.After(*b)
}

func groupOwners(g *schema.Group) []schema.Ref {
	if g == nil {
		return nil
	}
	return g.Owners
}

func groupMembers(g *schema.Group) []schema.Member {
	if g == nil {
		return nil
	}
	return g.Members
}

func groupFields(g *schema.Group) map[string]string {
	if g == nil {
		return map[string]string{}
	}
	return map[string]string{"description": g.Description, "app": g.App,
		"policy": jsonString(g.Policy), "okta": jsonString(g.Okta), "gitlab": jsonString(g.GitLab), "github": jsonString(g.GitHub)}
}

func settingsFields(s schema.Settings) map[string]string {
	return map[string]string{"okta": jsonString(s.Okta), "gitlab": jsonString(s.GitLab), "github": jsonString(s.GitHub),
		"admins": jsonString(s.Admins), "protected": jsonString(s.Protected), "limits": jsonString(s.Limits),
		"policies": jsonString(s.Policies)}
}

func userItems(b, h *schema.Config) []Item {
	bu, hu := usersByID(b), usersByID(h)
	out := []Item{}
	for _, id := range unionKeys(bu, hu) {
		x, y := bu[id], hu[id]
		switch {
		case x == nil:
			out = append(out, Item{Kind: ItemUser, Name: id, Op: ItemCreated})
		case y == nil:
			out = append(out, Item{Kind: ItemUser, Name: id, Op: ItemDeleted})
		case !equalUser(x, y):
			out = append(out, Item{Kind: ItemUser, Name: id, Op: ItemChanged, Fields: changedKeys(userFields(x), userFields(y))})
		}
	}
	return out
}

func userFields(u *schema.User) map[string]string {
	return map[string]string{"name": u.Name, "email": u.Email, "okta": u.Okta, "gitlab": u.GitLab,
		"github": u.GitHub, "okta_id": u.OktaID, "gitlab_id": jsonString(u.GitLabID), "github_id": jsonString(u.GitHubID)}
}

// jsonString is a comparable form of a value; Pos fields are json:"-", so
// moving a line does not count as a change.
func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func refStrings(refs []schema.Ref) []Owner {
	out := []Owner{}
	for _, r := range refs {
		if r.Role != "" {
			out = append(out, RoleOwner(r.Role))
		} else {
			out = append(out, UserOwner(r.User))
		}
	}
	slices.SortFunc(out, func(a, b Owner) int { return strings.Compare(a.String(), b.String()) })
	return out
}

func equalStrings[S comparable](a, b []S) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func changedKeys(a, b map[string]string) []string {
	var out []string
	for _, k := range unionKeys(a, b) {
		if a[k] != b[k] {
			out = append(out, k)
		}
	}
	return out
}

func unionKeys[V any](a, b map[string]V) []string {
	set := map[string]bool{}
	for k := range a {
		set[k] = true
	}
	for k := range b {
		set[k] = true
	}
	return slices.Sorted(maps.Keys(set))
}
