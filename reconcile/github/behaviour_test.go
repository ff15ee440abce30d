package github_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/access-as-code/access/internal/githubfake"
	"github.com/access-as-code/access/reconcile"
	"github.com/access-as-code/access/reconcile/github"
)

// world is a fake GitHub with a user token ("access-bot", an owner of
// every org it makes) and a provider on it.
type world struct {
	t *testing.T
	s *githubfake.Server
	p *github.Provider
}

func newWorld(t *testing.T, mod func(*github.Config)) *world {
	s := newFake(t)
	return &world{t: t, s: s, p: newProvider(t, s, mod)}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

func grant(login, role string) reconcile.Wanted {
	return reconcile.Wanted{User: "id-" + login, Login: login, Level: role, ConfigGroup: "g"}
}

func want(group string, ws ...reconcile.Wanted) reconcile.Want {
	m := map[string]reconcile.Wanted{}
	for _, w := range ws {
		m[w.Login] = w
	}
	return reconcile.Want{group: m}
}

func merge(ws ...reconcile.Want) reconcile.Want {
	out := reconcile.Want{}
	for _, w := range ws {
		for g, m := range w {
			out[g] = m
		}
	}
	return out
}

func (w *world) plan(want reconcile.Want, protected ...string) *reconcile.Plan {
	w.t.Helper()
	ins, err := reconcile.Observe(ctx(w.t), []reconcile.Target{{Provider: w.p, Want: want, Caps: github.Capabilities(), Protected: protected}})
	if err != nil {
		w.t.Fatalf("observe: %v", err)
	}
	return reconcile.MakePlan(ins...)
}

func (w *world) apply(p *reconcile.Plan) *reconcile.Report {
	return reconcile.Apply(ctx(w.t), p, map[string]reconcile.Provider{"github": w.p}, reconcile.ApplyOptions{})
}

func ops(p *reconcile.Plan) string {
	var out []string
	for _, c := range p.Changes {
		s := strings.TrimSpace(string(c.Op) + " " + c.Group + " " + c.Login)
		if c.Access != "" {
			s += " " + c.Access
		}
		out = append(out, s)
	}
	return strings.Join(out, "; ")
}

func writes(s *githubfake.Server) []string {
	var out []string
	for _, r := range s.Requests() {
		if !strings.HasPrefix(r, "GET ") && !strings.Contains(r, "graphql") {
			out = append(out, r)
		}
	}
	return out
}

func TestReadsUseGraphQLPagesAndNeverRESTTeamMembers(t *testing.T) {
	w := newWorld(t, nil)
	for i := range 250 {
		w.s.SetOrgMember("k8s", fmt.Sprintf("u%03d", i), githubfake.RoleMember)
	}
	for i := range 150 {
		slug := fmt.Sprintf("team-%03d", i)
		w.s.AddTeam("k8s", slug, "")
		w.s.SetTeamMember("k8s", slug, fmt.Sprintf("u%03d", i), githubfake.RoleMaintainer)
	}
	for i := range 230 {
		w.s.SetTeamMember("k8s", "team-000", fmt.Sprintf("u%03d", i), githubfake.RoleMember)
	}
	w.s.AddTeam("k8s", "child", "team-001")
	w.s.SetTeamMember("k8s", "child", "u200", githubfake.RoleMember)
	obs, err := w.p.Observe(ctx(t), reconcile.Query{Groups: []string{"k8s", "k8s/team-000", "k8s/team-001"}})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(obs.Groups["k8s"].Members); n != 251 { // 250 and the token's account
		t.Fatalf("org members %d, want 251", n)
	}
	if n := len(obs.Groups["k8s/team-000"].Members); n != 230 {
		t.Fatalf("team-000 members %d, want 230 (its first page plus its own cursor)", n)
	}
	if m := obs.Groups["k8s/team-001"].Members; len(m) != 1 {
		t.Fatalf("team-001 has %d members, want 1: a child team's members are not immediate members", len(m))
	}
	rest, gql := w.s.OrgRequests()
	// GraphQL: 3 pages of org members, 2 of teams, 2 more of team-000.
	// REST: GET /user, pending and failed invitations.
	if gql != 7 || rest != 3 {
		t.Fatalf("%d GraphQL and %d REST requests, want 7 and 3: %v", gql, rest, w.s.Requests())
	}
	for _, r := range w.s.Requests() {
		if strings.HasSuffix(r, "/members") {
			t.Fatalf("REST team member list used: %s", r)
		}
	}
}

func TestGraphQLPartialAnswerIsAFailedRead(t *testing.T) {
	w := newWorld(t, nil)
	w.s.AddTeam("k8s", "a", "")
	w.s.SetTeamMember("k8s", "a", "alice", githubfake.RoleMember)
	w.s.InjectFault(githubfake.Fault{Kind: githubfake.FaultGraphQLPartial, Count: githubfake.Forever})
	_, err := w.p.Observe(ctx(t), reconcile.Query{Groups: []string{"k8s/a"}})
	if err == nil || !strings.Contains(err.Error(), "GraphQL errors") {
		t.Fatalf("a partial answer: %v, want a failed read naming the GraphQL errors", err)
	}
}

func TestInvitationsCountAsPresentAndExpiredOnesAsAbsent(t *testing.T) {
	w := newWorld(t, nil)
	w.s.AddOrg("k8s")
	w.s.Invite("k8s", "expired", "direct_member")
	w.s.Advance(githubfake.InvitationTTL + time.Hour) // its invitation has failed
	w.s.Invite("k8s", "pending-member", "direct_member")
	w.s.Invite("k8s", "pending-admin", "direct_member")
	p := w.plan(want("k8s", grant("pending-member", "member"), grant("pending-admin", "admin"), grant("expired", "member")), "access-bot")
	got := ops(p)
	if !strings.Contains(got, "add k8s expired member") || !strings.Contains(got, "update k8s pending-admin admin") || strings.Contains(got, "pending-member") {
		t.Fatalf("plan %q: want an add for the expired invitation, an update for the role, nothing for the pending member", got)
	}
}

func TestNewPersonGetsOneInvitationCarryingTheirTeams(t *testing.T) {
	w := newWorld(t, nil)
	w.s.AddTeam("k8s", "a", "")
	w.s.AddTeam("k8s", "b", "")
	w.s.CreateUser("newcomer")
	wnt := merge(want("k8s", grant("newcomer", "member")), want("k8s/a", grant("newcomer", "maintainer")), want("k8s/b", grant("newcomer", "member")))
	p := w.plan(wnt)
	if len(p.Changes) != 3 {
		t.Fatalf("plan %q, want 3 adds", ops(p))
	}
	before := len(writes(w.s))
	if rep := w.apply(p); !rep.OK() {
		t.Fatalf("apply: %+v", rep.Failed)
	}
	if n := len(writes(w.s)) - before; n != 3 {
		t.Fatalf("%d writes for 3 changes", n)
	}
	if got := w.s.OrgMembers("k8s")["newcomer"]; got != "invited:direct_member" {
		t.Fatalf("newcomer in the org: %q, want one pending invitation", got)
	}
	for _, team := range []string{"a", "b"} {
		if got := w.s.TeamMembers("k8s", team)["newcomer"]; got != "invited" {
			t.Fatalf("team %s: newcomer %q, want carried by the invitation", team, got)
		}
	}
	if p := w.plan(wnt); !p.Empty() {
		t.Fatalf("after inviting: %q, want no changes while the invitation is pending", ops(p))
	}
	w.s.AcceptInvitation("k8s", "newcomer")
	// The invitation carried no team roles: the maintainer role is set now.
	if p := w.plan(wnt); ops(p) != "update k8s/a newcomer maintainer" {
		t.Fatalf("after accepting: %q", ops(p))
	}
}

func TestOrgRemovalIsOneChangeAndOneWrite(t *testing.T) {
	w := newWorld(t, nil)
	for _, team := range []string{"a", "b", "c"} {
		w.s.AddTeam("k8s", team, "")
		w.s.SetTeamMember("k8s", team, "leaver", githubfake.RoleMember)
		w.s.SetTeamMember("k8s", team, "stayer", githubfake.RoleMember)
	}
	g := grant("stayer", "member")
	wnt := merge(want("k8s", g), want("k8s/a", g), want("k8s/b", g), want("k8s/c", g))
	p := w.plan(wnt, "access-bot")
	if ops(p) != "remove k8s leaver" || len(p.Ended) != 3 {
		t.Fatalf("plan %q with %d ended, want one org removal ending 3 team memberships", ops(p), len(p.Ended))
	}
	before := len(writes(w.s))
	if rep := w.apply(p); !rep.OK() {
		t.Fatalf("apply: %+v", rep.Failed)
	}
	if got := writes(w.s)[before:]; len(got) != 1 || got[0] != "DELETE /orgs/k8s/memberships/leaver" {
		t.Fatalf("writes %q, want one DELETE of the org membership", got)
	}
	for _, team := range []string{"a", "b", "c"} {
		if _, ok := w.s.TeamMembers("k8s", team)["leaver"]; ok {
			t.Fatalf("leaver still in team %s", team)
		}
	}
}

func TestRenames(t *testing.T) {
	w := newWorld(t, nil)
	w.s.AddTeam("k8s", "a", "")
	id := w.s.CreateUser("old-name")
	w.s.SetTeamMember("k8s", "a", "old-name", githubfake.RoleMember)
	w.s.RenameUser("old-name", "new-name")
	w.s.CreateUser("gone-login") // someone whose login no longer resolves after this
	w.s.DeleteUser("gone-login")
	pinned := grant("old-name", "member")
	pinned.PinnedID = fmt.Sprint(id)
	unpinned := grant("gone-login", "member")
	p := w.plan(want("k8s/a", pinned, unpinned), "access-bot")
	if !p.Empty() {
		t.Fatalf("plan %q: a pinned rename is no change, a vanished login no removal", ops(p))
	}
	var kinds []string
	for _, wn := range p.Warnings {
		kinds = append(kinds, wn.Kind+":"+wn.User)
		if wn.Kind == reconcile.WarnRenamed && !strings.Contains(wn.Message, "new-name") {
			t.Fatalf("rename warning %q does not name the new login", wn.Message)
		}
	}
	got := strings.Join(kinds, " ")
	if !strings.Contains(got, "renamed:id-old-name") || !strings.Contains(got, "pending_user:id-gone-login") {
		t.Fatalf("warnings %q: want renamed for the pinned entry and pending_user naming the vanished login's entry", got)
	}
	// Writes use the current login.
	w.s.SetTeamMember("k8s", "a", "new-name", "")
	p = w.plan(want("k8s/a", pinned))
	if rep := w.apply(p); !rep.OK() || w.s.TeamMembers("k8s", "a")["new-name"] != githubfake.RoleMember {
		t.Fatalf("re-adding the renamed account: %+v, members %v", rep.Failed, w.s.TeamMembers("k8s", "a"))
	}
}

func TestTokenAccountAndMinAdminsAreNeverRemovedOrDemoted(t *testing.T) {
	w := newWorld(t, nil)
	w.s.SetOrgMember("k8s", "owner2", githubfake.RoleAdmin)
	w.s.SetOrgMember("k8s", "owner3", githubfake.RoleAdmin)
	w.s.SetOrgMember("k8s", "dev", githubfake.RoleMember)
	// The config names only dev: the token's account and two of three
	// admins would go.
	p := w.plan(want("k8s", grant("dev", "member")))
	if got := ops(p); got != "remove k8s owner2; remove k8s owner3" {
		t.Fatalf("plan %q", got)
	}
	rep := w.apply(p)
	if len(rep.Failed) != 1 || !strings.Contains(rep.Failed[0].Error, "min_admins 2") {
		t.Fatalf("apply: %d failed (%+v), want the second admin removal refused by min_admins", len(rep.Failed), rep.Failed)
	}
	// Two admins left (the token's account and one other): both read-only now.
	p = w.plan(want("k8s", grant("dev", "member"), grant("owner2", "member"), grant("owner3", "member")))
	for _, c := range p.Changes {
		if c.Op == reconcile.OpRemove || c.Op == reconcile.OpUpdate {
			t.Fatalf("with min_admins reached, planned %s", c)
		}
	}
	err := w.p.Apply(ctx(t), reconcile.Change{Op: reconcile.OpRemove, Target: "github", Group: "k8s/x", Login: "Access-Bot"})
	if err == nil || !strings.Contains(err.Error(), "token's own account") {
		t.Fatalf("removing the token's account: %v", err)
	}
}

func TestIdPSyncedTeamsAreUnmanageable(t *testing.T) {
	w := newWorld(t, func(c *github.Config) { c.TeamSync = true })
	w.s.AddTeam("k8s", "synced", "")
	w.s.SetTeamMember("k8s", "synced", "x", githubfake.RoleMember)
	w.s.SyncTeam("k8s", "synced", "okta-eng")
	p := w.plan(want("k8s/synced", grant("y", "member")))
	if len(p.Changes) != 0 || len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Message, "okta-eng") {
		t.Fatalf("plan %q errors %+v: want the team reported unmanageable", ops(p), p.Errors)
	}
}

func TestBlockedPersonFailsOnlyTheirChange(t *testing.T) {
	w := newWorld(t, nil)
	w.s.AddTeam("k8s", "a", "")
	for _, u := range []string{"ok1", "blocked", "ok2"} {
		w.s.SetOrgMember("k8s", u, githubfake.RoleMember)
	}
	w.s.BlockUser("k8s", "blocked")
	p := w.plan(want("k8s/a", grant("ok1", "member"), grant("blocked", "member"), grant("ok2", "member"), grant("nobody-has-this", "member")))
	rep := w.apply(p)
	if len(rep.Applied) != 2 || len(rep.Failed) != 1 || !strings.Contains(rep.Failed[0].Error, "blocked") {
		t.Fatalf("applied %d, failed %+v: want 2 applied and the blocked one failed", len(rep.Applied), rep.Failed)
	}
}

func TestMissingTeamIsCreatedClosedUnderItsParent(t *testing.T) {
	w := newWorld(t, func(c *github.Config) { c.Teams = map[string]github.Team{"k8s/child": {Parent: "parent"}} })
	w.s.AddOrg("k8s")
	w.s.CreateUser("alice")
	p := w.plan(merge(want("k8s/child", grant("alice", "member"))))
	if got := ops(p); got != "create_group k8s/child; add k8s/child alice member" {
		t.Fatalf("plan %q", got)
	}
	if rep := w.apply(p); !rep.OK() {
		t.Fatalf("apply: %+v", rep.Failed)
	}
	if got := w.s.Teams("k8s"); strings.Join(got, ",") != "child,parent" {
		t.Fatalf("teams %v: the missing parent is created first", got)
	}
}

func TestInvitationsPerDayAreCapped(t *testing.T) {
	w := newWorld(t, func(c *github.Config) { c.Pace.InvitesPerDay = 2 })
	w.s.AddOrg("k8s")
	var ws []reconcile.Wanted
	for _, u := range []string{"n1", "n2", "n3"} {
		w.s.CreateUser(u)
		ws = append(ws, grant(u, "member"))
	}
	rep := w.apply(w.plan(want("k8s", ws...), "access-bot"))
	if len(rep.Applied) != 2 || len(rep.Failed) != 1 || !strings.Contains(rep.Failed[0].Error, "invitations sent in 24 hours") {
		t.Fatalf("applied %d, failed %+v: want the third invitation held back", len(rep.Applied), rep.Failed)
	}
}

func TestGraphQLBudgetExhaustedIsARateLimitError(t *testing.T) {
	w := newWorld(t, func(c *github.Config) { c.MaxWait = time.Second })
	w.s.SetLimits(githubfake.Limits{GraphQLPoints: 1})
	w.s.AddTeam("k8s", "a", "")
	_, err := w.p.Observe(ctx(t), reconcile.Query{Groups: []string{"k8s/a"}})
	var rl *reconcile.RateLimitError
	if !errors.As(err, &rl) || rl.Reset.IsZero() {
		t.Fatalf("GraphQL budget exhausted: %v, want a *reconcile.RateLimitError with the reset", err)
	}
}
