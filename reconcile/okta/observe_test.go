package okta_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/access-as-code/access/internal/oktafake"
	"github.com/access-as-code/access/reconcile"
	"github.com/access-as-code/access/reconcile/okta"
)

func observe(t *testing.T, p *okta.Provider, q reconcile.Query) *reconcile.Observed {
	t.Helper()
	obs, err := p.Observe(context.Background(), q)
	if err != nil {
		t.Fatalf("Observe: %v", err)
	}
	return obs
}

func TestObserveMarksRuleTargetedGroupUnmanageable(t *testing.T) {
	srv := oktafake.New()
	defer srv.Close()
	srv.AddUser("ann@example.com", "ann@example.com")
	for _, g := range []string{"Ruled", "InactiveRule", "Plain"} {
		srv.AddGroup(g, oktafake.TypeOkta)
		srv.AddMember(g, "ann@example.com")
	}
	srv.AddGroupRule("engineering", []string{"Ruled"}, true)
	srv.AddGroupRule("dormant", []string{"InactiveRule"}, false)
	p := newProvider(t, srv)

	obs := observe(t, p, reconcile.Query{Groups: []string{"Ruled", "InactiveRule", "Plain"}})
	ruled := obs.Groups["Ruled"]
	if !strings.Contains(ruled.Unmanageable, "group rule") || !strings.Contains(ruled.Unmanageable, "engineering") {
		t.Fatalf("rule-targeted group: Unmanageable %q, want it to name the rule", ruled.Unmanageable)
	}
	for _, m := range ruled.Members {
		if m.ReadOnly != "group_rule" {
			t.Fatalf("member of rule-targeted group: ReadOnly %q, want group_rule", m.ReadOnly)
		}
	}
	if u := obs.Groups["InactiveRule"].Unmanageable + obs.Groups["Plain"].Unmanageable; u != "" {
		t.Fatalf("groups without an active rule marked unmanageable: %q", u)
	}
	srv.ResetCounts()
	err := p.Apply(context.Background(), reconcile.Change{Op: reconcile.OpRemove, Target: "okta", Group: "Ruled", User: "ann", Login: "ann@example.com", AccountID: srv.UserID("ann@example.com")})
	if err == nil || !strings.Contains(err.Error(), "cannot be managed") {
		t.Fatalf("remove from a rule-targeted group: %v, want a refusal", err)
	}
	if n := srv.Requests("DELETE /api/v1/groups/{id}/users/{userId}"); n != 0 {
		t.Fatalf("refused change still sent %d DELETE requests", n)
	}
}

func TestObserveMarksBuiltInAndAppGroupsUnmanageable(t *testing.T) {
	srv := oktafake.New()
	defer srv.Close()
	srv.AddGroup("Everyone", oktafake.TypeBuiltIn)
	srv.AddGroup("Salesforce Users", oktafake.TypeApp)
	p := newProvider(t, srv)
	obs := observe(t, p, reconcile.Query{Groups: []string{"Everyone", "Salesforce Users"}})
	if u := obs.Groups["Everyone"].Unmanageable; !strings.Contains(u, "BUILT_IN") {
		t.Fatalf("BUILT_IN group: Unmanageable %q", u)
	}
	if u := obs.Groups["Salesforce Users"].Unmanageable; !strings.Contains(u, "APP_GROUP") {
		t.Fatalf("APP_GROUP: Unmanageable %q", u)
	}
}

func TestObserveFindsGroupDifferingOnlyInCase(t *testing.T) {
	srv := oktafake.New()
	defer srv.Close()
	id := srv.AddGroup("eng-backend", oktafake.TypeOkta)
	p := newProvider(t, srv)
	og := observe(t, p, reconcile.Query{Groups: []string{"Eng-Backend"}}).Groups["Eng-Backend"]
	if !og.Exists || og.ID != id || og.Name != "eng-backend" || og.Unmanageable != "" {
		t.Fatalf("observed %+v, want the existing group %s", og, id)
	}
	if err := p.Apply(context.Background(), reconcile.Change{Op: reconcile.OpCreateGroup, Target: "okta", Group: "Eng-Backend"}); err != nil {
		t.Fatalf("create_group of an existing name: %v", err)
	}
	if n := srv.Requests("POST /api/v1/groups"); n != 0 {
		t.Fatalf("create_group of an existing group sent %d POSTs", n)
	}
}

func TestObserveRefusesTwoGroupsWithTheSameName(t *testing.T) {
	srv := oktafake.New()
	defer srv.Close()
	srv.AddGroup("Ops", oktafake.TypeOkta)
	srv.AddGroup("Ops", oktafake.TypeApp)
	p := newProvider(t, srv)
	og := observe(t, p, reconcile.Query{Groups: []string{"Ops"}}).Groups["Ops"]
	if !og.Exists || !strings.Contains(og.Unmanageable, "2 Okta groups are named") {
		t.Fatalf("ambiguous name observed as %+v, want unmanageable", og)
	}
}

// seedMembers makes a group with n members and m users outside it.
func seedMembers(srv *oktafake.Server, group string, n, m int) (members, others []string) {
	srv.AddGroup(group, oktafake.TypeOkta)
	for i := 0; i < n; i++ {
		l := fmt.Sprintf("member%03d@example.com", i)
		srv.AddUser(l, l)
		srv.AddMember(group, l)
		members = append(members, l)
	}
	for i := 0; i < m; i++ {
		l := fmt.Sprintf("outsider%03d@example.com", i)
		srv.AddUser(l, l)
		others = append(others, l)
	}
	return members, others
}

func TestObserveResolvesMemberLoginsFromTheListing(t *testing.T) {
	srv := oktafake.New()
	defer srv.Close()
	members, others := seedMembers(srv, "Big", 500, 50)
	// Requests are counted: a slow machine must not turn a page into a
	// timed-out attempt and a retry.
	p := newProvider(t, srv, func(c *okta.Config) { c.RequestTimeout = 30 * time.Second })

	srv.ResetCounts()
	obs := observe(t, p, reconcile.Query{Groups: []string{"Big"}, Logins: members})
	if len(obs.Accounts) != 500 {
		t.Fatalf("resolved %d of 500 member logins", len(obs.Accounts))
	}
	if n := srv.Requests("GET /api/v1/users") + srv.Requests("GET /api/v1/users/{id}"); n != 0 {
		t.Fatalf("resolving 500 member logins cost %d user requests, want 0", n)
	}
	// lookup + rules + one page of members
	if n := srv.TotalRequests(); n != 3 {
		t.Fatalf("observe of one 500-member group: %d requests (%v), want 3", n, srv.RequestCounts())
	}

	srv.ResetCounts()
	obs = observe(t, p, reconcile.Query{Groups: []string{"Big"}, Logins: append(members, others...)})
	if len(obs.Accounts) != 550 {
		t.Fatalf("resolved %d of 550 logins", len(obs.Accounts))
	}
	if n := srv.Requests("GET /api/v1/users"); n < 1 || n > 2 {
		t.Fatalf("50 non-member logins cost %d searches, want 1-2 batched ones", n)
	}
	if n := srv.Requests("GET /api/v1/users/{id}"); n != 0 {
		t.Fatalf("50 non-member logins cost %d per-user requests", n)
	}
	for _, l := range others {
		if a := obs.Accounts[l]; a == nil || a.ID != srv.UserID(l) || !a.Active {
			t.Fatalf("login %s resolved to %+v", l, a)
		}
	}
}

func TestObserveReportsUserStatuses(t *testing.T) {
	srv := oktafake.New()
	defer srv.Close()
	want := map[string]bool{
		oktafake.StatusActive: true, oktafake.StatusLockedOut: true, oktafake.StatusPasswordExpired: true,
		oktafake.StatusRecovery: true, oktafake.StatusStaged: true, oktafake.StatusProvisioned: true,
		oktafake.StatusSuspended: false, oktafake.StatusDeprovisioned: false,
	}
	var logins []string
	for st := range want {
		l := strings.ToLower(st) + "@example.com"
		srv.AddUser(l, l)
		srv.SetUserStatus(l, st)
		logins = append(logins, l)
	}
	obs := observe(t, newProvider(t, srv), reconcile.Query{Logins: logins})
	for st, active := range want {
		a := obs.Accounts[strings.ToLower(st)+"@example.com"]
		if a == nil || a.Status != st || a.Active != active {
			t.Errorf("status %s: account %+v, want Active=%v", st, a, active)
		}
	}
}

func TestCreateGroupSurvivesABrokenResponse(t *testing.T) {
	srv := oktafake.New()
	defer srv.Close()
	p := newProvider(t, srv)
	// The POST is carried out but its response is cut: a blind retry would
	// create a second group.
	srv.InjectFault(oktafake.Fault{Kind: oktafake.Truncated, Count: 1, Key: "POST /api/v1/groups"})
	if err := p.Apply(context.Background(), reconcile.Change{Op: reconcile.OpCreateGroup, Target: "okta", Group: "New"}); err != nil {
		t.Fatalf("create_group: %v", err)
	}
	obs := observe(t, p, reconcile.Query{Groups: []string{"New"}})
	if og := obs.Groups["New"]; !og.Exists || og.Unmanageable != "" {
		t.Fatalf("created group observed as %+v", og)
	}
}

func TestTransportPacesByRemainingQuota(t *testing.T) {
	srv := oktafake.New(oktafake.WithRateLimit(15, time.Second))
	defer srv.Close()
	var groups []string
	srv.AddUser("u@example.com", "u@example.com")
	for i := 0; i < 40; i++ {
		g := fmt.Sprintf("g%02d", i)
		srv.AddGroup(g, oktafake.TypeOkta)
		srv.AddMember(g, "u@example.com")
		groups = append(groups, g)
	}
	p := newProvider(t, srv, func(c *okta.Config) { c.RequestTimeout = 5 * time.Second })
	obs := observe(t, p, reconcile.Query{Groups: groups})
	for _, g := range groups {
		if len(obs.Groups[g].Members) != 1 {
			t.Fatalf("group %s: %d members", g, len(obs.Groups[g].Members))
		}
	}
	// 40 member listings against 15 per window: the transport must wait
	// for the reset it was told about rather than run into 429s.
	if n := srv.Throttled(); n > 0 {
		t.Fatalf("%d requests were refused with 429: the transport did not pace by X-Rate-Limit-Remaining", n)
	}
}

func TestTokenIsNeverLogged(t *testing.T) {
	srv := oktafake.New()
	defer srv.Close()
	seedMembers(srv, "Logged", 3, 0)
	var buf bytes.Buffer
	p := newProvider(t, srv, func(c *okta.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	srv.InjectFault(oktafake.Fault{Kind: oktafake.ServerError, Count: 2})
	srv.InjectFault(oktafake.Fault{Kind: oktafake.RateLimited, Count: 1})
	observe(t, p, reconcile.Query{Groups: []string{"Logged"}})
	srv.InjectFault(oktafake.Fault{Kind: oktafake.Unauthorized, Count: 10})
	_, err := p.Observe(context.Background(), reconcile.Query{Groups: []string{"Logged"}})
	if err == nil {
		t.Fatal("Observe with a refused token succeeded")
	}
	if buf.Len() == 0 {
		t.Fatal("retries were not logged at all")
	}
	if strings.Contains(buf.String(), srv.Token()) || strings.Contains(err.Error(), srv.Token()) {
		t.Fatal("the API token appears in the log or the error")
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, c := range []struct {
		cfg  okta.Config
		want string
	}{
		{okta.Config{Token: "t"}, "org URL is empty"},
		{okta.Config{OrgURL: "http://example.okta.com", Token: "t"}, "must use https"},
		{okta.Config{OrgURL: "https://example.okta.com/api/v1", Token: "t"}, "without a path"},
		{okta.Config{OrgURL: "example.okta.com", Token: "t"}, "not a URL"},
		{okta.Config{OrgURL: "https://example.okta.com"}, "API token is empty"},
	} {
		_, err := okta.New(context.Background(), c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%+v): %v, want an error saying %q", c.cfg, err, c.want)
		}
	}
}

func TestPermanentlyDroppedConnectionsEndInAnError(t *testing.T) {
	srv := oktafake.New()
	defer srv.Close()
	srv.AddGroup("g", oktafake.TypeOkta)
	id := srv.AddUser("a@example.com", "a@example.com")
	p := newProvider(t, srv)
	observe(t, p, reconcile.Query{Groups: []string{"g"}})
	// A PUT whose connection is dropped before any response byte: the SDK
	// retries errors wrapping io.EOF without limit, so the provider must
	// not hand it one.
	srv.InjectFault(oktafake.Fault{Kind: oktafake.Truncated, Count: 1000})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := p.Apply(ctx, reconcile.Change{Op: reconcile.OpAdd, Target: "okta", Group: "g", User: "a", Login: "a@example.com", AccountID: id})
	if err == nil || ctx.Err() != nil {
		t.Fatalf("Apply under dropped connections: %v (context: %v), want an error before the deadline", err, ctx.Err())
	}
	if n := srv.TotalRequests(); n > 10 {
		t.Fatalf("%d requests for one change: retries are not bounded", n)
	}
}

func TestApplyAfterObserveSendsOnlyTheWrites(t *testing.T) {
	srv := oktafake.New()
	defer srv.Close()
	members, others := seedMembers(srv, "Team", 30, 10)
	p := newProvider(t, srv)
	obs := observe(t, p, reconcile.Query{Groups: []string{"Team"}, Logins: append(members, others...)})
	srv.ResetCounts()
	var changes []reconcile.Change
	for _, l := range others {
		changes = append(changes, reconcile.Change{Op: reconcile.OpAdd, Target: "okta", Group: "Team", User: l, Login: l, AccountID: obs.Accounts[l].ID})
	}
	for _, l := range members[:5] {
		changes = append(changes, reconcile.Change{Op: reconcile.OpRemove, Target: "okta", Group: "Team", User: l, Login: l, AccountID: obs.Accounts[l].ID})
	}
	for _, c := range changes {
		if err := p.Apply(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	if n, w := srv.TotalRequests(), len(changes); n != w {
		t.Fatalf("%d changes after Observe cost %d requests (%v), want exactly one write each", w, n, srv.RequestCounts())
	}
	if got := len(srv.Members("Team")); got != 35 {
		t.Fatalf("after 10 adds and 5 removes: %d members, want 35", got)
	}
}
