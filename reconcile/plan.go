package reconcile

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// Warning is something a reader of the plan must know that is not a change.
type Warning struct {
	Kind    string `json:"kind"` // see the Warn* constants
	Target  string `json:"target"`
	Group   string `json:"group,omitempty"`
	User    string `json:"user,omitempty"`
	Message string `json:"message"`
}

// Warning kinds.
const (
	WarnPendingUser  = "pending_user"  // in the config, no account in the target yet
	WarnInactiveUser = "inactive_user" // account deactivated/blocked: never added
	WarnRenamed      = "renamed"       // a pinned account's login changed
	WarnProtected    = "protected"     // not in the config, kept because protected
	WarnReadOnly     = "read_only"     // group rule (Okta) or inherited (GitLab): not removable here
)

// GroupError is a managed group that cannot be planned; its file is named.
type GroupError struct {
	Target       string   `json:"target"`
	Group        string   `json:"group"`
	ConfigGroups []string `json:"config_groups"`
	Message      string   `json:"message"`
}

func (e GroupError) Error() string {
	files := make([]string, len(e.ConfigGroups))
	for i, g := range e.ConfigGroups {
		files[i] = "groups/" + g + ".yaml"
	}
	return fmt.Sprintf("%s group %q (%s): %s", e.Target, e.Group, strings.Join(files, ", "), e.Message)
}

// Plan is the reviewed unit: what would change, and why not more.
type Plan struct {
	Hash     string       `json:"plan_hash"`
	Summary  Summary      `json:"summary"`
	Changes  []Change     `json:"changes"`
	Warnings []Warning    `json:"warnings"`
	Errors   []GroupError `json:"errors,omitempty"`
	// Ended are memberships that a removal from a group above them ends
	// (Capabilities.RemovalEndsSubgroups): not written on their own, but
	// counted by the removal guards.
	Ended []Change `json:"ended,omitempty"`

	// systems are the planned targets' Capabilities, for rendering; order
	// is the targets in the order they were given.
	systems map[string]*Capabilities
	order   []string
}

// Summary counts changes by op.
type Summary struct {
	Add         int `json:"add"`
	Remove      int `json:"remove"`
	Update      int `json:"update"`
	CreateGroup int `json:"create_group"`
}

// Input is one target's desired and observed state.
type Input struct {
	Target    string
	Want      Want
	Observed  *Observed
	Protected []string // logins never removed
	// Caps is what the plan must know of the target: case, levels, groups.
	Caps Capabilities
	// Known maps every login of the config's users to their id, so that a
	// removal names the person (and says their grant ended) when it can.
	Known map[string]string
	// Notes are warnings known before reading the target (a person granted
	// access to it without an account name in users.yaml); they go into
	// the plan as they are.
	Notes []Warning
}

// MakePlan computes the changes that make each target match its Want. It is pure:
// the same inputs give the same plan, byte for byte.
//
// People are compared by account id. A desired login resolves to an account
// through Observed.Accounts; an observed member also counts as desired when its
// login equals a desired login, so a failed account lookup can never turn into
// a removal.
func MakePlan(inputs ...Input) *Plan {
	p := &Plan{Changes: []Change{}, Warnings: []Warning{}, systems: map[string]*Capabilities{}}
	for _, in := range inputs {
		p.systems[in.Target] = &in.Caps
		p.order = append(p.order, in.Target)
		planTarget(p, in)
	}
	p.finish()
	return p
}

func planTarget(p *Plan, in Input) {
	caps := &in.Caps
	key := caps.key
	protected := map[string]bool{}
	for _, l := range in.Protected {
		protected[key(l)] = true
	}
	accounts := resolveAccounts(p, in)
	p.Warnings = append(p.Warnings, in.Notes...)
	if caps.RemovalEndsSubgroups {
		defer foldEndedRemovals(p, in.Target, len(p.Changes))
	}
	keptProtected := map[string][]string{} // login -> groups it stays in
	defer func() {
		for _, login := range slices.Sorted(maps.Keys(keptProtected)) {
			gs := keptProtected[login]
			p.Warnings = append(p.Warnings, Warning{Kind: WarnProtected, Target: in.Target, User: login,
				Message: fmt.Sprintf("%s is protected (access.yaml) and stays in %d groups the config does not grant: %s", login, len(gs), strings.Join(gs, ", "))})
		}
	}()
	for _, group := range slices.Sorted(maps.Keys(in.Want)) {
		want := in.Want[group]
		og := in.Observed.Groups[group]
		switch {
		case og == nil:
			p.Errors = append(p.Errors, groupError(in.Target, group, want, "the provider returned no state for this group"))
			continue
		case og.Unmanageable != "":
			p.Errors = append(p.Errors, groupError(in.Target, group, want, "cannot be managed: "+og.Unmanageable))
			continue
		case !og.Exists && !caps.CreatesGroups:
			p.Errors = append(p.Errors, groupError(in.Target, group, want, "does not exist; create it in "+in.Target+" first (reconcile never creates "+in.Target+" groups)"))
			continue
		case !og.Exists:
			p.Changes = append(p.Changes, Change{Op: OpCreateGroup, Target: in.Target, Group: group, ConfigGroup: firstConfigGroup(want)})
		}
		wantByID := map[string]Wanted{}
		wantByLogin := map[string]bool{}
		for _, login := range slices.Sorted(maps.Keys(want)) {
			w := want[login]
			wantByLogin[key(login)] = true
			if a := accounts[login]; a != nil && a.Active {
				wantByID[a.ID] = w
			}
		}
		for _, id := range slices.Sorted(maps.Keys(wantByID)) {
			w := wantByID[id]
			a := accounts[w.Login]
			c := Change{Target: in.Target, Group: group, User: w.User, ConfigGroup: w.ConfigGroup,
				Access: w.Level, Reason: w.Reason, Login: a.Login, AccountID: id}
			m := og.Members[id]
			switch {
			case m == nil:
				c.Op = OpAdd
			case m.LevelUnknown:
				continue
			case m.ReadOnly != "" && m.Level < caps.value(w.Level):
				c.Op = OpAdd // inherited below the wanted level: add directly at the wanted level
				c.From = caps.name(m.Level)
			case m.ReadOnly == "" && m.Level != caps.value(w.Level):
				c.Op = OpUpdate
				c.From = caps.name(m.Level)
			default:
				continue
			}
			p.Changes = append(p.Changes, c)
		}
		for _, id := range slices.Sorted(maps.Keys(og.Members)) {
			m := og.Members[id]
			if _, ok := wantByID[id]; ok || wantByLogin[key(m.Login)] {
				continue
			}
			switch {
			case m.ReadOnly != "" && caps.readOnly(m.ReadOnly).FromParentPath && managedAncestor(in.Want, group):
				// Granted in a managed parent group: that group's plan covers it.
			case m.ReadOnly != "":
				p.Warnings = append(p.Warnings, Warning{Kind: WarnReadOnly, Target: in.Target, Group: group, User: m.Login,
					Message: fmt.Sprintf("%s is not granted %s by the config but is a member through %s; not removed", m.Login, group, caps.readOnly(m.ReadOnly).Why)})
			case caps.belowLowest(m.Level):
				// Access below every level a group file can name (GitLab's
				// minimal access, given by SAML/SCIM) is left alone.
				p.Warnings = append(p.Warnings, Warning{Kind: WarnReadOnly, Target: in.Target, Group: group, User: m.Login,
					Message: fmt.Sprintf("%s has %s (level %d), which access-config does not manage; not removed", m.Login, caps.belowLowestName(), m.Level)})
			case protected[key(m.Login)]:
				keptProtected[m.Login] = append(keptProtected[m.Login], group)
			default:
				c := Change{Op: OpRemove, Target: in.Target, Group: group, User: m.Login,
					Login: m.Login, AccountID: id, From: caps.name(m.Level), Reason: "not in config"}
				if uid, ok := in.Known[key(m.Login)]; ok {
					c.User, c.Reason = uid, "no longer granted by the config"
				}
				p.Changes = append(p.Changes, c)
			}
		}
	}
}

// foldEndedRemovals moves the target's removals (those from index start
// on) that a removal of the same account from a parent group ends into
// p.Ended.
func foldEndedRemovals(p *Plan, target string, start int) {
	removed := map[[2]string]bool{} // group, account id
	for _, c := range p.Changes[start:] {
		if c.Op == OpRemove {
			removed[[2]string{c.Group, c.AccountID}] = true
		}
	}
	kept := p.Changes[:start]
	for _, c := range p.Changes[start:] {
		parent := ""
		if c.Op == OpRemove {
			// The outermost removal is the change that ends this one.
			for i := strings.IndexByte(c.Group, '/'); i > 0 && parent == ""; {
				if removed[[2]string{c.Group[:i], c.AccountID}] {
					parent = c.Group[:i]
				}
				j := strings.IndexByte(c.Group[i+1:], '/')
				if j < 0 {
					break
				}
				i += 1 + j
			}
		}
		if parent != "" {
			c.Reason = "ended by the removal from " + parent
			p.Ended = append(p.Ended, c)
		} else {
			kept = append(kept, c)
		}
	}
	p.Changes = kept
}

// resolveAccounts maps each desired login to its account, warning once per
// person about pending, inactive and renamed accounts.
func resolveAccounts(p *Plan, in Input) map[string]*Account {
	out := map[string]*Account{}
	seen := map[string]bool{}
	for _, group := range slices.Sorted(maps.Keys(in.Want)) {
		for _, login := range slices.Sorted(maps.Keys(in.Want[group])) {
			if seen[login] {
				continue
			}
			seen[login] = true
			w := in.Want[group][login]
			a := in.Observed.Accounts[login]
			switch {
			case a == nil:
				p.Warnings = append(p.Warnings, Warning{Kind: WarnPendingUser, Target: in.Target, User: w.User,
					Message: fmt.Sprintf("%s (%s) has no %s account yet; access is granted when it exists", w.User, login, in.Target)})
				continue
			case !a.Active:
				p.Warnings = append(p.Warnings, Warning{Kind: WarnInactiveUser, Target: in.Target, User: w.User,
					Message: fmt.Sprintf("%s (%s) is %s in %s; not added anywhere", w.User, login, strings.ToLower(a.Status), in.Target)})
			case w.PinnedID != "" && a.Login != "" && !strings.EqualFold(a.Login, login):
				p.Warnings = append(p.Warnings, Warning{Kind: WarnRenamed, Target: in.Target, User: w.User,
					Message: fmt.Sprintf("users.yaml entry %q: %s account %s was renamed from %q to %q; update users.yaml", w.User, in.Target, a.ID, login, a.Login)})
			}
			out[login] = a
		}
	}
	return out
}

// managedAncestor reports whether a parent path of a group ("a" of "a/b") is managed.
func managedAncestor(w Want, group string) bool {
	for i := strings.LastIndexByte(group, '/'); i > 0; i = strings.LastIndexByte(group[:i], '/') {
		if _, ok := w[group[:i]]; ok {
			return true
		}
	}
	return false
}

func groupError(target, group string, want map[string]Wanted, msg string) GroupError {
	set := map[string]bool{}
	for _, w := range want {
		set[w.ConfigGroup] = true
	}
	return GroupError{Target: target, Group: group, ConfigGroups: slices.Sorted(maps.Keys(set)), Message: msg}
}

func firstConfigGroup(want map[string]Wanted) string {
	first := ""
	for _, w := range want {
		if first == "" || w.ConfigGroup < first {
			first = w.ConfigGroup
		}
	}
	return first
}

var opRank = map[Op]int{OpCreateGroup: 0, OpRemove: 1, OpUpdate: 2, OpAdd: 3}

// changeLess orders changes by target, group, op (creation first) and user.
func changeLess(a, b Change) bool {
	if a.Target != b.Target {
		return a.Target < b.Target
	}
	if a.Group != b.Group {
		return a.Group < b.Group
	}
	if opRank[a.Op] != opRank[b.Op] {
		return opRank[a.Op] < opRank[b.Op]
	}
	return a.User < b.User
}

// finish sorts, counts and hashes the plan.
func (p *Plan) finish() {
	sort.SliceStable(p.Changes, func(i, j int) bool { return changeLess(p.Changes[i], p.Changes[j]) })
	sort.SliceStable(p.Ended, func(i, j int) bool { return changeLess(p.Ended[i], p.Ended[j]) })
	sort.SliceStable(p.Warnings, func(i, j int) bool {
		a, b := p.Warnings[i], p.Warnings[j]
		return a.Target+"\x00"+a.Kind+"\x00"+a.Group+"\x00"+a.User < b.Target+"\x00"+b.Kind+"\x00"+b.Group+"\x00"+b.User
	})
	p.Summary = Summary{}
	for _, c := range p.Changes {
		switch c.Op {
		case OpAdd:
			p.Summary.Add++
		case OpRemove:
			p.Summary.Remove++
		case OpUpdate:
			p.Summary.Update++
		case OpCreateGroup:
			p.Summary.CreateGroup++
		}
	}
	p.Hash = hashChanges(p.Changes)
}

// hashChanges is the identity of what would be written: the sorted changes.
// Warnings are not part of it: they change nothing.
func hashChanges(cs []Change) string {
	b, err := json.Marshal(cs)
	if err != nil {
		panic(err) // Change holds only strings
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Empty reports whether the plan changes nothing.
func (p *Plan) Empty() bool { return len(p.Changes) == 0 }
