// Package approvals decides who must approve an access change and whether
// the approvals given are enough. It is pure: the change (an accessdiff
// report over base and head), the author and the approvers are passed in.
//
// Rules:
//   - Every changed group needs an approval from one of its owners as they
//     are at the base revision (group owners, members of owning roles, and
//     the owners of the group's app); a role file needs one of the role's
//     owners; an app file one of the app's owners. Owners are taken from the
//     base so that a pull request cannot name its own approvers.
//   - New groups, roles and apps, users.yaml and access.yaml need an admin
//     (access.yaml `admins`); a new group of an existing app may instead be
//     approved by that app's owners.
//   - The author never counts, and nobody counts for an item that grants them
//     something (a member entry added or extended, or ownership).
//   - When nobody else is left to approve an item, `admins` are the fallback.
//   - A change that only removes the author's own member entries needs no
//     approval: leaving is free.
//   - access.yaml `policies.auto_approve` (from the base) lets members of a
//     role add themselves to listed groups for at most max_duration, with a
//     reason when required, without review.
package approvals

import (
	"sort"
	"time"

	"github.com/access-as-code/access/schema"
	"github.com/access-as-code/access/schema/accessdiff"
)

// Input is everything a decision needs.
type Input struct {
	Base, Head accessdiff.Side
	Diff       *accessdiff.Report
	Author     string   // user id of the pull request's author; "" when unknown
	ApprovedBy []string // user ids with a current approving review
	Now        time.Time
}

// Statuses of one requirement.
const (
	StatusApproved     = "approved"
	StatusPending      = "pending"
	StatusNotNeeded    = "not_needed"    // only the author's own access is removed
	StatusAutoApproved = "auto_approved" // an auto_approve rule covers it
)

// Requirement is what one changed item needs.
type Requirement struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	Op   string `json:"op"`
	// Approvers are the user ids whose approval would satisfy it.
	Approvers []string `json:"approvers"`
	// AdminFallback is set when Approvers are the admins because no owner
	// is left who may approve.
	AdminFallback bool     `json:"admin_fallback,omitempty"`
	ApprovedBy    []string `json:"approved_by"`
	Status        string   `json:"status"`
	Note          string   `json:"note,omitempty"`
}

// Result is the decision for a whole change.
type Result struct {
	Satisfied    bool          `json:"satisfied"`
	Author       string        `json:"author,omitempty"`
	Requirements []Requirement `json:"requirements"`
}

// Evaluate applies the rules to every item of in.Diff.
func Evaluate(in Input) *Result {
	res := &Result{Satisfied: true, Author: in.Author, Requirements: []Requirement{}}
	approved := map[string]bool{}
	for _, id := range in.ApprovedBy {
		approved[id] = true
	}
	for _, it := range in.Diff.Items {
		req := Requirement{Kind: it.Kind, Name: it.Name, Op: it.Op, Approvers: []string{}, ApprovedBy: []string{}}
		switch {
		case in.Author != "" && onlyRemovesAuthor(it, in.Author):
			req.Status, req.Note = StatusNotNeeded, "only removes the author's own access"
		case in.Author != "" && autoApproved(in, it):
			req.Status, req.Note = StatusAutoApproved, "self-service grant within an auto_approve rule"
		default:
			excluded := gainers(in.Head.Config, it)
			excluded[in.Author] = true
			req.Approvers = minus(owners(in, it), excluded)
			if len(req.Approvers) == 0 {
				req.Approvers, req.AdminFallback = minus(in.Base.Config.Settings.Admins, excluded), true
			}
			for _, id := range req.Approvers {
				if approved[id] {
					req.ApprovedBy = append(req.ApprovedBy, id)
				}
			}
			req.Status = StatusPending
			if len(req.ApprovedBy) > 0 {
				req.Status = StatusApproved
			} else if len(req.Approvers) == 0 {
				req.Note = "nobody may approve this: every owner and admin is the author or gains from it"
			}
		}
		if req.Status == StatusPending {
			res.Satisfied = false
		}
		res.Requirements = append(res.Requirements, req)
	}
	return res
}

// owners are who may approve it (before exclusions); nil means admins.
func owners(in Input, it accessdiff.Item) []string {
	base := in.Base.Desired.Owners
	switch it.Kind {
	case accessdiff.ItemGroup:
		switch it.Op {
		case accessdiff.ItemCreated:
			if it.App != "" && in.Base.Config.Apps[it.App] != nil {
				return base["app/"+it.App]
			}
			return nil
		case accessdiff.ItemRenamed:
			return base["group/"+it.From]
		}
		return base["group/"+it.Name]
	case accessdiff.ItemRole:
		if it.Op == accessdiff.ItemCreated {
			return nil
		}
		return base["role/"+it.Name]
	case accessdiff.ItemApp:
		if it.Op == accessdiff.ItemCreated {
			return nil
		}
		return base["app/"+it.Name]
	}
	return nil // users.yaml and access.yaml: admins
}

// gainers are the people an item grants something: added or extended member
// entries (every member of an added role) and new owners.
func gainers(head *schema.Config, it accessdiff.Item) map[string]bool {
	out := map[string]bool{}
	addRef := func(user, role string) {
		if user != "" {
			out[user] = true
			return
		}
		if r := head.Roles[role]; r != nil {
			for _, m := range r.Members {
				if m.User != "" {
					out[m.User] = true
				}
			}
		}
	}
	for _, e := range it.Members {
		if e.Op == accessdiff.EntryAdded || (e.Op == accessdiff.EntryChanged && extends(e.OldUntil, e.Until)) {
			addRef(e.User, e.Role)
		}
	}
	old := map[accessdiff.Owner]bool{}
	for _, o := range it.OldOwners {
		old[o] = true
	}
	for _, o := range it.Owners {
		if old[o] {
			continue
		}
		if role, ok := o.Role(); ok {
			addRef("", role)
		} else if id, ok := o.User(); ok {
			addRef(id, "")
		}
	}
	return out
}

// extends: the new end is later than the old, nil meaning no end.
func extends(old, new *time.Time) bool {
	if new == nil {
		return old != nil
	}
	return old != nil && new.After(*old)
}

func onlyRemovesAuthor(it accessdiff.Item, author string) bool {
	if it.Op != accessdiff.ItemChanged || it.Owners != nil || len(it.Fields) > 0 || len(it.Members) == 0 {
		return false
	}
	for _, e := range it.Members {
		shortened := e.Op == accessdiff.EntryChanged && extends(e.Until, e.OldUntil) && e.Until != nil
		if e.User != author || (e.Op != accessdiff.EntryRemoved && !shortened) {
			return false
		}
	}
	return true
}

// autoApproved: the item is a group whose only change is the author adding
// or extending their own direct entry, within a base auto_approve rule.
func autoApproved(in Input, it accessdiff.Item) bool {
	if it.Kind != accessdiff.ItemGroup || it.Op != accessdiff.ItemChanged || it.Owners != nil || len(it.Fields) > 0 || len(it.Members) == 0 {
		return false
	}
	for _, e := range it.Members {
		if e.User != in.Author || e.Op == accessdiff.EntryRemoved {
			return false
		}
	}
	for _, rule := range in.Base.Config.Settings.Policies.AutoApprove {
		if ruleCovers(in, rule, it) {
			return true
		}
	}
	return false
}

func ruleCovers(in Input, rule schema.AutoApprove, it accessdiff.Item) bool {
	listed := false
	for _, g := range rule.Groups {
		listed = listed || g == it.Name
	}
	role := in.Base.Config.Roles[rule.Role]
	if !listed || role == nil {
		return false
	}
	member := false
	for _, m := range role.Members {
		member = member || (m.User == in.Author && !m.Expired(in.Now))
	}
	if !member {
		return false
	}
	limit := in.Now.Add(time.Duration(rule.MaxDuration))
	for _, e := range it.Members {
		if e.Until == nil || (rule.MaxDuration > 0 && e.Until.After(limit)) {
			return false
		}
		if rule.RequireReason && e.Reason == "" {
			return false
		}
	}
	return true
}

func minus(ids []string, excluded map[string]bool) []string {
	out := []string{}
	for _, id := range ids {
		if !excluded[id] {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}
