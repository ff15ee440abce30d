package mediator

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/access-as-code/access/internal/graphfake"
	"github.com/access-as-code/access/internal/oktafake"
)

// enforcementEnv: alice and bob logged in while in Eng-Backend; carol is
// ignored; "mediator" is the mediator's own account; erin is a GitLab-only
// member unknown to the directory.
func enforcementEnv(t *testing.T, tune func(*Config)) (*env, *oktafake.Server, *Enforcer) {
	t.Helper()
	e := newEnv(t, func(c *Config) {
		c.GroupMap = map[string]string{"Eng-Backend": "platform/backend"}
		c.IncludedGroups = []string{"platform/*"}
		c.RequiredGroups = []string{"platform/*"}
		c.EnforceGroups = true
		c.EnforceGroupsIgnoreUsers = []string{"carol"}
		c.EnforceGroupsInterval = time.Minute
		if tune != nil {
			tune(c)
		}
	}, "alice", "bob")
	ok := oktafake.New(oktafake.WithTLS())
	t.Cleanup(ok.Close)
	for _, p := range []string{"alice", "bob", "carol", "mediator"} {
		ok.AddUser(p+"@example.com", p+"@example.com")
		e.gl.AddUser(p, p, p+"@example.com")
	}
	e.gl.AddUser("erin", "erin", "erin@example.com")
	ok.AddGroup("Eng-Backend", "OKTA_GROUP")
	ok.AddMember("Eng-Backend", "alice@example.com")
	ok.AddMember("Eng-Backend", "bob@example.com")
	e.gl.AddGroup("platform")
	e.gl.AddGroup("platform/backend")
	for _, p := range []string{"carol", "mediator", "erin"} {
		e.gl.SetMember("platform/backend", p, 30)
	}
	e.op.storage.SetGroups("alice", "Eng-Backend")
	e.op.storage.SetGroups("bob", "Eng-Backend")
	e.login("alice")
	e.login("bob")
	src, err := NewOktaSource(context.Background(), ok.URL(), ok.Token(), ok.Client())
	if err != nil {
		t.Fatal(err)
	}
	enf, err := e.med.NewEnforcer(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	return e, ok, enf
}

func states(e *env, people ...string) map[string]string {
	out := map[string]string{}
	for _, p := range people {
		out[p] = e.gl.UserState(p)
	}
	return out
}

func TestEnforcementBlocksThoseNoLongerInRequiredGroupsAndUnblocksThemOnReturn(t *testing.T) {
	e, ok, enf := enforcementEnv(t, nil)
	ok.RemoveMember("Eng-Backend", "bob@example.com")
	if err := enf.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"alice": "active", "bob": "blocked", "carol": "active", "mediator": "active", "erin": "active"}
	if got := states(e, "alice", "bob", "carol", "mediator", "erin"); !equalMaps(got, want) {
		t.Fatalf("after removal: %v, want %v", got, want)
	}
	ok.AddMember("Eng-Backend", "bob@example.com")
	if err := enf.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := e.gl.UserState("bob"); got != "active" {
		t.Errorf("bob back in the group is %s, want active", got)
	}
	e.checkLogs()
}

func TestEnforcementNeverUnblocksSomeoneItDidNotBlock(t *testing.T) {
	e, _, enf := enforcementEnv(t, nil)
	e.gl.SetUserState("alice", "blocked") // an administrator's decision
	if err := enf.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := e.gl.UserState("alice"); got != "blocked" {
		t.Errorf("alice was unblocked by the mediator: %s", got)
	}
}

func TestEnforcementAuditOnlyLogsAndBlocksNobody(t *testing.T) {
	e, ok, enf := enforcementEnv(t, func(c *Config) { c.EnforceGroupsAuditOnly = true })
	ok.RemoveMember("Eng-Backend", "bob@example.com")
	if err := enf.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := e.gl.UserState("bob"); got != "active" {
		t.Errorf("audit-only blocked bob: %s", got)
	}
	if !strings.Contains(e.logs.String(), "would block") || !strings.Contains(e.logs.String(), `"user":"bob"`) {
		t.Errorf("audit-only did not log what it would do:\n%s", e.logs.String())
	}
}

func TestEnforcementWithUnreachableSourceBlocksNobody(t *testing.T) {
	e, ok, enf := enforcementEnv(t, nil)
	ok.Close()
	err := enf.Check(context.Background())
	if err == nil {
		t.Error("an unreachable directory was not reported")
	}
	for p, s := range states(e, "alice", "bob", "carol", "mediator", "erin") {
		if s != "active" {
			t.Errorf("%s is %s with the directory down", p, s)
		}
	}
}

func TestEnforcementBlocksPersonDeletedFromDirectory(t *testing.T) {
	e, ok, enf := enforcementEnv(t, nil)
	ok.SetUserStatus("bob@example.com", "DEPROVISIONED")
	if err := enf.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := e.gl.UserState("bob"); got != "blocked" {
		t.Errorf("deprovisioned bob is %s, want blocked", got)
	}
}

func TestEnforcementThroughMicrosoftGraphFollowsPagesAndNesting(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.RequiredGroups = []string{"eng"}
		c.IncludedGroups = nil
	}, "alice", "bob")
	g := graphfake.New(graphfake.WithPageSize(2))
	t.Cleanup(g.Close)
	for _, p := range []string{"alice", "bob"} {
		g.AddUser(p+"@example.com", p+"@example.com")
		e.gl.AddUser(p, p, p+"@example.com")
		e.op.storage.SetGroups(p, "eng")
	}
	for _, n := range []string{"eng", "eng-backend", "a", "b", "c"} {
		g.AddGroup(n)
	}
	g.AddMember("eng", "eng-backend") // alice is in eng through eng-backend
	g.AddMember("eng-backend", "alice@example.com")
	for _, n := range []string{"a", "b", "c"} {
		g.AddMember(n, "alice@example.com") // more groups than a page
	}
	g.AddMember("a", "bob@example.com")
	e.login("alice")
	e.login("bob")
	src := NewGraphSource(context.Background(), g.URL(), g.TokenURL("tenant"), g.ClientID(), g.ClientSecret(), nil)
	src.maxWait = time.Millisecond
	g.Throttle(1, 1) // one 429 first: retried after Retry-After
	enf, err := e.med.NewEnforcer(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := enf.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := states(e, "alice", "bob"); got["alice"] != "active" || got["bob"] != "blocked" {
		t.Errorf("graph enforcement: %v, want alice active (nested), bob blocked", got)
	}
	g.SetDown(true)
	g.AddMember("eng", "bob@example.com")
	if err := enf.Check(context.Background()); err == nil {
		t.Error("graph down not reported")
	}
	if got := e.gl.UserState("alice"); got != "active" {
		t.Errorf("graph down changed alice to %s", got)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// stealingSource answers like src, but the first lookup hands the lease to
// another replica, as if this one had paused past its TTL mid-pass.
type stealingSource struct {
	Source
	steal func()
	once  sync.Once
}

func (s *stealingSource) Groups(ctx context.Context, who Identity) ([]string, error) {
	s.once.Do(s.steal)
	return s.Source.Groups(ctx, who)
}

func TestEnforcementStopsBeforeTheNextWriteOnceTheLeaseIsLost(t *testing.T) {
	e, ok, _ := enforcementEnv(t, nil)
	ok.RemoveMember("Eng-Backend", "alice@example.com")
	ok.RemoveMember("Eng-Backend", "bob@example.com")
	src, _ := NewOktaSource(context.Background(), ok.URL(), ok.Token(), ok.Client())
	enf, err := e.med.NewEnforcer(&stealingSource{Source: src, steal: func() {
		ctx := context.Background()
		_ = e.store.Release(ctx, enforcementLease, e.med.replica)
		if got, _ := e.store.Acquire(ctx, enforcementLease, "another-replica", time.Minute); !got {
			t.Error("could not hand the lease to another replica")
		}
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := enf.Check(context.Background()); !errors.Is(err, errLeaseLost) {
		t.Errorf("pass after losing the lease: %v, want errLeaseLost", err)
	}
	if got := states(e, "alice", "bob"); got["alice"] != "active" || got["bob"] != "active" {
		t.Errorf("blocked without the lease: %v", got)
	}
}
