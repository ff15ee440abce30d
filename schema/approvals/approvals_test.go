package approvals

import (
	"strings"
	"testing"
	"time"

	"github.com/access-as-code/access/schema"
	"github.com/access-as-code/access/schema/accessdiff"
)

var now = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

func day(n int) *time.Time { t := now.AddDate(0, 0, n); return &t }

func base() *schema.Config {
	var us []*schema.User
	for _, id := range []string{"alice", "bob", "carol", "dave", "erin", "root"} {
		us = append(us, &schema.User{ID: id, Email: id + "@example.com"})
	}
	return &schema.Config{
		Settings: schema.Settings{Admins: []string{"root"}, Policies: schema.Policies{AutoApprove: []schema.AutoApprove{
			{Role: "oncall", Groups: []string{"prod"}, MaxDuration: schema.Duration(7 * 24 * time.Hour), RequireReason: true},
		}}},
		Users: us,
		Roles: map[string]*schema.Role{
			"oncall": {Name: "oncall", Owners: []schema.Ref{{User: "dave"}}, Members: []schema.Member{{Ref: schema.Ref{User: "carol"}}}},
		},
		Apps: map[string]*schema.App{"billing": {Name: "billing", Owners: []schema.Ref{{User: "erin"}}}},
		Groups: map[string]*schema.Group{
			"backend":  {Name: "backend", Owners: []schema.Ref{{User: "alice"}}, Members: []schema.Member{{Ref: schema.Ref{User: "alice"}}, {Ref: schema.Ref{User: "carol"}}}},
			"frontend": {Name: "frontend", Owners: []schema.Ref{{User: "bob"}}},
			"invoices": {Name: "invoices", App: "billing", Owners: []schema.Ref{{User: "dave"}}},
			"solo":     {Name: "solo", Owners: []schema.Ref{{User: "carol"}}},
			"prod":     {Name: "prod", Owners: []schema.Ref{{User: "alice"}}},
		},
	}
}

func clone(c *schema.Config) *schema.Config {
	out := *c
	out.Groups = map[string]*schema.Group{}
	for k, g := range c.Groups {
		cp := *g
		cp.Members = append([]schema.Member(nil), g.Members...)
		out.Groups[k] = &cp
	}
	return &out
}

func addMember(c *schema.Config, group, user string, until *time.Time, reason string) {
	g := c.Groups[group]
	g.Members = append(g.Members, schema.Member{Ref: schema.Ref{User: user}, Until: until, Reason: reason})
}

func TestApprovalRules(t *testing.T) {
	for _, tc := range []struct {
		name       string
		edit       func(*schema.Config)
		author     string
		approvedBy []string
		want       string // status of the single requirement
		approvers  string
	}{
		{"owner approves a grant to someone else", func(c *schema.Config) { addMember(c, "backend", "bob", nil, "") }, "bob", []string{"alice"}, StatusApproved, "alice"},
		{"author's own approval never counts", func(c *schema.Config) { addMember(c, "backend", "bob", nil, "") }, "alice", []string{"alice"}, StatusPending, "root"},
		{"owner of another group does not count", func(c *schema.Config) { addMember(c, "backend", "dave", nil, "") }, "dave", []string{"bob"}, StatusPending, "alice"},
		{"nobody approves a grant to themselves", func(c *schema.Config) { addMember(c, "solo", "carol", nil, "") }, "bob", []string{"carol"}, StatusPending, "root"},
		{"app owner approves the app's group", func(c *schema.Config) { addMember(c, "invoices", "bob", nil, "") }, "bob", []string{"erin"}, StatusApproved, "dave,erin"},
		{"admin fallback when the only owner is the author", func(c *schema.Config) { addMember(c, "solo", "bob", nil, "") }, "carol", []string{"root"}, StatusApproved, "root"},
		{"leaving is free", func(c *schema.Config) { c.Groups["backend"].Members = c.Groups["backend"].Members[:1] }, "carol", nil, StatusNotNeeded, ""},
		{"removing someone else needs an owner", func(c *schema.Config) { c.Groups["backend"].Members = c.Groups["backend"].Members[:1] }, "bob", nil, StatusPending, "alice"},
		{"auto-approval within its limits", func(c *schema.Config) { addMember(c, "prod", "carol", day(7), "INC-9") }, "carol", nil, StatusAutoApproved, ""},
		{"auto-approval beyond max_duration needs an owner", func(c *schema.Config) { addMember(c, "prod", "carol", day(8), "INC-9") }, "carol", nil, StatusPending, "alice"},
		{"auto-approval without the required reason needs an owner", func(c *schema.Config) { addMember(c, "prod", "carol", day(3), "") }, "carol", nil, StatusPending, "alice"},
		{"auto-approval only for the rule's role", func(c *schema.Config) { addMember(c, "prod", "bob", day(3), "x") }, "bob", nil, StatusPending, "alice"},
		{"auto-approval only for oneself", func(c *schema.Config) { addMember(c, "prod", "bob", day(3), "x") }, "carol", nil, StatusPending, "alice"},
		{"new group without an app needs an admin", func(c *schema.Config) {
			c.Groups["new"] = &schema.Group{Name: "new", Owners: []schema.Ref{{User: "bob"}}}
		}, "bob", []string{"alice"}, StatusPending, "root"},
		{"new group of an app: app owners approve", func(c *schema.Config) {
			c.Groups["pay"] = &schema.Group{Name: "pay", App: "billing", Owners: []schema.Ref{{User: "bob"}}}
		}, "bob", []string{"erin"}, StatusApproved, "erin"},
		{"adding oneself as owner is a grant to oneself", func(c *schema.Config) {
			c.Groups["frontend"].Owners = []schema.Ref{{User: "bob"}, {User: "dave"}}
		}, "alice", []string{"dave"}, StatusPending, "bob"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := base()
			h := clone(b)
			tc.edit(h)
			bs := accessdiff.Side{Config: b, Desired: schema.Compile(b, now)}
			hs := accessdiff.Side{Config: h, Desired: schema.Compile(h, now)}
			res := Evaluate(Input{Base: bs, Head: hs, Diff: accessdiff.Compute(bs, hs), Author: tc.author, ApprovedBy: tc.approvedBy, Now: now})
			if len(res.Requirements) != 1 {
				t.Fatalf("requirements = %+v, want one", res.Requirements)
			}
			req := res.Requirements[0]
			if req.Status != tc.want || strings.Join(req.Approvers, ",") != tc.approvers {
				t.Errorf("status %s approvers %v; want %s approvers %s (%+v)", req.Status, req.Approvers, tc.want, tc.approvers, req)
			}
			if res.Satisfied != (tc.want != StatusPending) {
				t.Errorf("Satisfied = %v with status %s", res.Satisfied, req.Status)
			}
		})
	}
}

func TestAutoApproveRulesComeFromBaseNotHead(t *testing.T) {
	// The same self-service grant, with the auto_approve rule once in the
	// base and once added by the pull request itself. The head's edit of
	// access.yaml always needs an admin, so Satisfied alone proves nothing:
	// the group's own requirement is what must differ.
	rule := []schema.AutoApprove{{Role: "oncall", Groups: []string{"prod"}, MaxDuration: schema.Duration(time.Hour * 24 * 7)}}
	for _, tc := range []struct {
		name   string
		inBase bool
		want   string
	}{
		{"rule on the base", true, StatusAutoApproved},
		{"rule added by the pull request", false, StatusPending},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := base()
			b.Settings.Policies.AutoApprove = nil
			if tc.inBase {
				b.Settings.Policies.AutoApprove = rule
			}
			h := clone(b)
			h.Settings.Policies.AutoApprove = rule
			addMember(h, "prod", "carol", day(1), "x")
			bs := accessdiff.Side{Config: b, Desired: schema.Compile(b, now)}
			hs := accessdiff.Side{Config: h, Desired: schema.Compile(h, now)}
			res := Evaluate(Input{Base: bs, Head: hs, Diff: accessdiff.Compute(bs, hs), Author: "carol", Now: now})
			var got *Requirement
			for i, r := range res.Requirements {
				if r.Kind == accessdiff.ItemGroup && r.Name == "prod" {
					got = &res.Requirements[i]
				}
			}
			if got == nil {
				t.Fatalf("no requirement for group prod: %+v", res.Requirements)
			}
			if got.Status != tc.want {
				t.Errorf("group prod: status %s, want %s (%+v)", got.Status, tc.want, *got)
			}
		})
	}
}
