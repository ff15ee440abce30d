package providertest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/access-as-code/access/reconcile"
)

// Run runs every conformance case; newHarness must return a fresh, empty
// fake target for each call.
func Run(t *testing.T, newHarness func(t *testing.T) Harness) {
	t.Helper()
	cases := []struct {
		name string
		fn   func(t *testing.T, h Harness)
	}{
		{"ObserveReadsEveryPage", testObserveReadsEveryPage},
		{"ObserveMissingGroupIsNotAnError", testObserveMissingGroup},
		{"CreateGroupThenAdd", testCreateGroupThenAdd},
		{"ApplyIsIdempotent", testApplyIsIdempotent},
		{"UnknownLoginIsAbsentFromAccounts", testUnknownLogin},
		{"DeactivatedUserIsInactive", testDeactivatedUser},
		{"PinnedIDWinsOverLogin", testPinnedID},
		{"ObserveReturnsUnrequestedMembers", testObserveReturnsUnrequestedMembers},
		{"ConcurrentApplies", testConcurrentApplies},
		{"RecoversFromRateLimit", testRecoversFrom(FaultRateLimit, 2)},
		{"RecoversFromServerErrorBurst", testRecoversFrom(FaultServerError, 3)},
		{"RecoversFromTimeout", testRecoversFrom(FaultTimeout, 1)},
		{"RecoversFromTruncatedResponse", testRecoversFrom(FaultTruncated, 1)},
		{"RateLimitExhaustionIsRateLimitError", testRateLimitExhaustion},
		{"PermanentServerErrorIsReadError", testFailedRead(FaultServerError)},
		{"UnauthorizedIsReadError", testFailedRead(FaultUnauthorized)},
		{"PermanentTruncationIsReadError", testFailedRead(FaultTruncated)},
		{"OneFailingUserFailsOnlyItsChange", testOneFailingUser},
		{"PermanentServerErrorFailsTheWrite", testFailedWrite(FaultServerError)},
		{"PermanentlyDroppedConnectionFailsTheWrite", testFailedWrite(FaultTruncated)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.fn(t, newHarness(t))
		})
	}
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func observe(t *testing.T, h Harness, q reconcile.Query) *reconcile.Observed {
	t.Helper()
	obs, err := h.Provider().Observe(ctxFor(t), q)
	if err != nil {
		t.Fatalf("Observe(%v): %v", q.Groups, err)
	}
	if obs == nil {
		t.Fatalf("Observe(%v) returned nil without an error", q.Groups)
	}
	for _, g := range q.Groups {
		if obs.Groups[g] == nil {
			t.Fatalf("Observe: group %q missing from the result", g)
		}
	}
	return obs
}

func change(h Harness, op reconcile.Op, group, login, id string) reconcile.Change {
	access, _ := h.Access()
	c := reconcile.Change{Op: op, Target: h.Provider().Name(), Group: group, User: login, Login: login, AccountID: id}
	if op == reconcile.OpAdd || op == reconcile.OpUpdate {
		c.Access = access
	}
	return c
}

func apply(t *testing.T, h Harness, c reconcile.Change) {
	t.Helper()
	if err := h.Provider().Apply(ctxFor(t), c); err != nil {
		t.Fatalf("Apply(%s): %v", c, err)
	}
}

// seedGroup makes a group with n members named prefix0000.. and returns the
// group and the member ids by login.
func seedGroup(h Harness, name, prefix string, n int) (string, map[string]string) {
	_, level := h.Access()
	g := h.CreateGroup(name)
	ids := make(map[string]string, n)
	for i := 0; i < n; i++ {
		login := fmt.Sprintf("%s%04d", prefix, i)
		ids[login] = h.CreateUser(login)
		h.AddMember(g, login, level)
	}
	return g, ids
}

// checkMembers fails unless the observed group holds exactly want (login ->
// id) with the logins and ids the target reports.
func checkMembers(t *testing.T, og *reconcile.ObservedGroup, want map[string]string) {
	t.Helper()
	if !og.Exists {
		t.Fatalf("group %q: Exists=false, want true", og.Name)
	}
	if len(og.Members) != len(want) {
		t.Fatalf("group %q: %d members observed, want %d", og.Name, len(og.Members), len(want))
	}
	for login, id := range want {
		m := og.Members[id]
		if m == nil {
			t.Fatalf("group %q: member %s (id %s) missing", og.Name, login, id)
		}
		if m.AccountID != id || !strings.EqualFold(m.Login, login) {
			t.Fatalf("group %q: member %+v, want id %s login %s", og.Name, *m, id, login)
		}
	}
}

func testObserveReadsEveryPage(t *testing.T, h Harness) {
	g, ids := seedGroup(h, "big", "user", 2500)
	_, level := h.Access()
	obs := observe(t, h, reconcile.Query{Groups: []string{g}})
	checkMembers(t, obs.Groups[g], ids)
	for _, m := range obs.Groups[g].Members {
		if m.Level != level {
			t.Fatalf("member %s level %d, want %d", m.Login, m.Level, level)
		}
	}
}

func testObserveMissingGroup(t *testing.T, h Harness) {
	present, _ := seedGroup(h, "present", "p", 1)
	missing := h.GroupName("no-such-group")
	obs := observe(t, h, reconcile.Query{Groups: []string{present, missing}})
	if og := obs.Groups[missing]; og.Exists || len(og.Members) != 0 {
		t.Fatalf("missing group observed as Exists=%v with %d members", og.Exists, len(og.Members))
	}
	if !obs.Groups[present].Exists {
		t.Fatalf("present group observed as missing")
	}
}

func testCreateGroupThenAdd(t *testing.T, h Harness) {
	if !h.CanCreateGroups() {
		t.Skip("provider does not create groups")
	}
	name := h.GroupName("fresh")
	id := h.CreateUser("alice")
	apply(t, h, reconcile.Change{Op: reconcile.OpCreateGroup, Target: h.Provider().Name(), Group: name})
	// Creating again must not make a second group or fail.
	apply(t, h, reconcile.Change{Op: reconcile.OpCreateGroup, Target: h.Provider().Name(), Group: name})
	apply(t, h, change(h, reconcile.OpAdd, name, "alice", id))
	if got := h.Members(name); len(got) != 1 || !hasLogin(got, "alice") {
		t.Fatalf("after create and add: members %v, want alice", got)
	}
	obs := observe(t, h, reconcile.Query{Groups: []string{name}})
	checkMembers(t, obs.Groups[name], map[string]string{"alice": id})
}

func hasLogin(m map[string]int, login string) bool {
	for l := range m {
		if strings.EqualFold(l, login) {
			return true
		}
	}
	return false
}

func testApplyIsIdempotent(t *testing.T, h Harness) {
	g, _ := seedGroup(h, "idem", "m", 2)
	id := h.CreateUser("bob")
	_, level := h.Access()
	apply(t, h, change(h, reconcile.OpAdd, g, "bob", id))
	apply(t, h, change(h, reconcile.OpAdd, g, "bob", id))
	got := h.Members(g)
	if len(got) != 3 || !hasLogin(got, "bob") || got["bob"] != level {
		t.Fatalf("after adding bob twice: members %v, want m0000, m0001, bob at level %d", got, level)
	}
	apply(t, h, change(h, reconcile.OpRemove, g, "bob", id))
	apply(t, h, change(h, reconcile.OpRemove, g, "bob", id))
	got = h.Members(g)
	if len(got) != 2 || hasLogin(got, "bob") {
		t.Fatalf("after removing bob twice: members %v, want m0000, m0001", got)
	}
}

func testUnknownLogin(t *testing.T, h Harness) {
	id := h.CreateUser("known")
	obs := observe(t, h, reconcile.Query{Logins: []string{"known", "nobody-has-this-login"}})
	a := obs.Accounts["known"]
	if a == nil || a.ID != id || !a.Active {
		t.Fatalf("known login resolved to %+v, want active account %s", a, id)
	}
	if a := obs.Accounts["nobody-has-this-login"]; a != nil {
		t.Fatalf("unknown login resolved to %+v, want absent", a)
	}
}

func testDeactivatedUser(t *testing.T, h Harness) {
	id := h.CreateUser("gone")
	h.DeactivateUser("gone")
	obs := observe(t, h, reconcile.Query{Logins: []string{"gone"}})
	a := obs.Accounts["gone"]
	if a == nil || a.ID != id || a.Active || a.Status == "" {
		t.Fatalf("deactivated login resolved to %+v, want inactive account %s with its status", a, id)
	}
}

func testPinnedID(t *testing.T, h Harness) {
	// The config still says "carol"; the account was renamed to carol-new.
	id := h.CreateUser("carol-new")
	h.CreateUser("carol") // someone else took the old login
	obs := observe(t, h, reconcile.Query{Logins: []string{"carol"}, Pinned: map[string]string{"carol": id}})
	a := obs.Accounts["carol"]
	if a == nil || a.ID != id || !strings.EqualFold(a.Login, "carol-new") {
		t.Fatalf("pinned login resolved to %+v, want account %s with login carol-new", a, id)
	}
}

func testObserveReturnsUnrequestedMembers(t *testing.T, h Harness) {
	// Protected principals and strays are the plan's business: Observe
	// reports every member, whether or not its login was asked for.
	g, ids := seedGroup(h, "mixed", "x", 5)
	obs := observe(t, h, reconcile.Query{Groups: []string{g}, Logins: []string{"x0001"}})
	checkMembers(t, obs.Groups[g], ids)
	if a := obs.Accounts["x0001"]; a == nil || a.ID != ids["x0001"] {
		t.Fatalf("requested member login resolved to %+v, want %s", a, ids["x0001"])
	}
}

func testConcurrentApplies(t *testing.T, h Harness) {
	g := h.CreateGroup("busy")
	ids := map[string]string{}
	for i := 0; i < 40; i++ {
		login := fmt.Sprintf("c%02d", i)
		ids[login] = h.CreateUser(login)
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(ids))
	for login, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- h.Provider().Apply(ctxFor(t), change(h, reconcile.OpAdd, g, login, id))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent add: %v", err)
		}
	}
	if got := h.Members(g); len(got) != len(ids) {
		t.Fatalf("after %d concurrent adds: %d members", len(ids), len(got))
	}
	obs := observe(t, h, reconcile.Query{Groups: []string{g}})
	checkMembers(t, obs.Groups[g], ids)
}

// testRecoversFrom injects n faults before a read and again before a write:
// both must succeed with complete results.
func testRecoversFrom(kind FaultKind, n int) func(t *testing.T, h Harness) {
	return func(t *testing.T, h Harness) {
		g, ids := seedGroup(h, "flaky", "f", 120)
		if !h.SetFault(Fault{Kind: kind, Count: n}) {
			t.Skip("fake cannot inject this fault")
		}
		before := h.Requests()
		obs := observe(t, h, reconcile.Query{Groups: []string{g}, Logins: []string{"f0003"}})
		checkMembers(t, obs.Groups[g], ids)
		if a := obs.Accounts["f0003"]; a == nil || a.ID != ids["f0003"] {
			t.Fatalf("login resolved to %+v after faults, want %s", a, ids["f0003"])
		}
		if h.Requests()-before < n+1 {
			t.Fatalf("only %d requests for a read with %d injected faults: the faults were not hit", h.Requests()-before, n)
		}
		id := h.CreateUser("late")
		h.SetFault(Fault{Kind: kind, Count: n})
		apply(t, h, change(h, reconcile.OpAdd, g, "late", id))
		if !hasLogin(h.Members(g), "late") {
			t.Fatalf("add after faults did not reach the target")
		}
	}
}

func testRateLimitExhaustion(t *testing.T, h Harness) {
	g := h.CreateGroup("limited")
	id := h.CreateUser("dave")
	if !h.SetFault(Fault{Kind: FaultRateLimit, Count: Always}) {
		t.Skip("fake cannot inject rate limits")
	}
	err := h.Provider().Apply(ctxFor(t), change(h, reconcile.OpAdd, g, "dave", id))
	var rl *reconcile.RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("Apply under a permanent rate limit: %v, want a *reconcile.RateLimitError", err)
	}
	if rl.Reset.IsZero() {
		t.Fatalf("RateLimitError without a reset time: %v", rl)
	}
}

// testFailedRead: a read that keeps failing is an error, never a group
// with no members (which a plan would turn into "remove everyone").
func testFailedRead(kind FaultKind) func(t *testing.T, h Harness) {
	return func(t *testing.T, h Harness) {
		g, _ := seedGroup(h, "precious", "p", 3)
		if !h.SetFault(Fault{Kind: kind, Count: Always}) {
			t.Skip("fake cannot inject this fault")
		}
		obs, err := h.Provider().Observe(ctxFor(t), reconcile.Query{Groups: []string{g}})
		if err == nil {
			n := -1
			if obs != nil && obs.Groups[g] != nil {
				n = len(obs.Groups[g].Members)
			}
			t.Fatalf("Observe under a permanent fault returned no error (group members: %d)", n)
		}
		h.ClearFaults()
		obs = observe(t, h, reconcile.Query{Groups: []string{g}})
		if len(obs.Groups[g].Members) != 3 {
			t.Fatalf("after the fault cleared: %d members, want 3", len(obs.Groups[g].Members))
		}
	}
}

func testOneFailingUser(t *testing.T, h Harness) {
	g, ids := seedGroup(h, "partial", "q", 2)
	good := h.CreateUser("good")
	bad := h.CreateUser("bad")
	if !h.SetFault(Fault{Kind: FaultUserWrite, Login: "bad"}) {
		t.Skip("fake cannot fail one user's writes")
	}
	err := h.Provider().Apply(ctxFor(t), change(h, reconcile.OpAdd, g, "bad", bad))
	if err == nil {
		t.Fatalf("add of the failing user succeeded")
	}
	if !strings.Contains(err.Error(), "bad") || !strings.Contains(err.Error(), g) {
		t.Fatalf("per-change error %q does not name the user %q and group %q", err, "bad", g)
	}
	apply(t, h, change(h, reconcile.OpAdd, g, "good", good))
	apply(t, h, change(h, reconcile.OpRemove, g, "q0000", ids["q0000"]))
	got := h.Members(g)
	if !hasLogin(got, "good") || hasLogin(got, "bad") || hasLogin(got, "q0000") || !hasLogin(got, "q0001") {
		t.Fatalf("after one failing change: members %v, want good and q0001", got)
	}
}

// testFailedWrite: a write that keeps failing returns an error, within
// bounded retries and well before the caller's deadline.
func testFailedWrite(kind FaultKind) func(t *testing.T, h Harness) {
	return func(t *testing.T, h Harness) {
		g := h.CreateGroup("stuck")
		id := h.CreateUser("erin")
		// One successful read first, so the provider knows the group.
		observe(t, h, reconcile.Query{Groups: []string{g}, Logins: []string{"erin"}})
		if !h.SetFault(Fault{Kind: kind, Count: Always}) {
			t.Skip("fake cannot inject this fault")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		before := h.Requests()
		err := h.Provider().Apply(ctx, change(h, reconcile.OpAdd, g, "erin", id))
		if err == nil {
			t.Fatalf("add under a permanent fault succeeded")
		}
		if ctx.Err() != nil {
			t.Fatalf("add under a permanent fault ran into the caller's deadline: retries are unbounded (%v)", err)
		}
		if n := h.Requests() - before; n > 20 {
			t.Fatalf("one failing add made %d requests: retries are unbounded", n)
		}
	}
}
