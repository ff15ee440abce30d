package mediator

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/oauth2"
)

// roundRobin is a load balancer without affinity: each request goes to the
// next backend, so /auth, /callback and /token of one login land on
// different replicas.
func roundRobin(backends []string) http.Handler {
	var next atomic.Uint64
	targets := make([]*url.URL, len(backends))
	for i, b := range backends {
		targets[i], _ = url.Parse(b)
	}
	return &httputil.ReverseProxy{Transport: pooledTransport, Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(targets[next.Add(1)%uint64(len(targets))])
		r.Out.Host = r.In.Host
	}}
}

// pooledTransport keeps connections to the replicas and the provider alive
// under concurrency (the default keeps two per host), as a real load
// balancer and the mediator's own client do.
var pooledTransport = &http.Transport{MaxIdleConnsPerHost: 256, MaxIdleConns: 1024}

// replicate puts n mediators, each with its own client to the Redis server,
// behind a round-robin proxy at e.medURL.
func replicate(t testing.TB, e *env, n int, r *redisServer, hooks ...redis.Hook) []*Mediator {
	t.Helper()
	var meds []*Mediator
	var backends []string
	for range n {
		ctx, cancel := context.WithCancel(context.Background())
		store := r.Store()
		for _, h := range hooks {
			store.AddHook(h)
		}
		m, err := New(ctx, e.cfg, slog.New(slog.NewJSONHandler(e.logs, nil)), WithStore(store),
			WithHTTPClient(&http.Client{Transport: pooledTransport}))
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(m.Handler())
		t.Cleanup(func() { srv.Close(); cancel(); m.Wait() })
		meds = append(meds, m)
		backends = append(backends, srv.URL)
	}
	e.med, e.others = meds[0], meds[1:]
	e.mux.h = roundRobin(backends)
	return meds
}

func TestReplicasSharingRedisServeLoginsAsOne(t *testing.T) {
	for _, n := range []int{2, 3} {
		t.Run(map[int]string{2: "two", 3: "three"}[n], func(t *testing.T) {
			e := newEnv(t, func(c *Config) { c.IncludedGroups = []string{"team-*"} }, "alice")
			r := startRedis(t)
			replicate(t, e, n, r)
			e.op.storage.SetGroups("alice", "team-a")
			e.gl.AddUser("alice", "Alice", "alice@example.com")
			e.gl.AddGroup("team-a")
			for i := range 2 * n { // every step of a login on every replica, with and without PKCE
				f := e.browse("alice", i%2 == 1)
				if f.back.Query().Get("error") != "" {
					t.Fatalf("login %d refused: %s", i, f.back.RawQuery)
				}
				if _, idt, err := e.redeem(f); err != nil || idt.Subject != "alice" {
					t.Fatalf("login %d (pkce=%v): %v", i, i%2 == 1, err)
				}
				// The replay reaches another replica, and fails there.
				_, _, err := e.redeem(f)
				var re *oauth2.RetrieveError
				if !asRetrieve(err, &re) || re.ErrorCode != "invalid_grant" {
					t.Fatalf("login %d: replayed code across replicas: %v, want invalid_grant", i, err)
				}
			}
			uid, err := apertisGitLab(e.op.issuer, e.medURL, testSecret).login(context.Background(), http.DefaultClient)
			if err != nil || uid != "alice" {
				t.Fatalf("the README's GitLab through %d replicas: %q %v", n, uid, err)
			}
			e.wait()
			if got := e.gl.Members("team-a")["alice"]; got != 30 {
				t.Errorf("membership not synced: %d", got)
			}
			known, err := e.med.knownPeople(context.Background())
			if err != nil || len(known) != 1 || known[0].Account() != "alice" {
				t.Errorf("people seen at login, read by one replica: %v %v", known, err)
			}
			// Only the people seen at login remain: codes and login state are spent.
			keys, _ := r.Client().Keys(context.Background(), "*").Result()
			if len(keys) != 1 || keys[0] != "authz-mediator:known" {
				t.Errorf("keys left after the logins: %v", keys)
			}
			r.assertAllKeysExpire(t)
			e.checkLogs()
		})
	}
}

func TestConcurrentRedemptionAcrossReplicasGivesOneToken(t *testing.T) {
	e := newEnv(t, nil, "alice")
	r := startRedis(t)
	replicate(t, e, 3, r)
	for _, pkce := range []bool{false, true} {
		f := e.browse("alice", pkce)
		var wins, invalid atomic.Int32
		var wg sync.WaitGroup
		for range 12 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				opts := []oauth2.AuthCodeOption{}
				if f.verifier != "" {
					opts = append(opts, oauth2.VerifierOption(f.verifier))
				}
				_, err := e.rp.Exchange(context.Background(), f.back.Query().Get("code"), opts...)
				var re *oauth2.RetrieveError
				switch {
				case err == nil:
					wins.Add(1)
				case asRetrieve(err, &re) && re.ErrorCode == "invalid_grant":
					invalid.Add(1)
				default:
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 || invalid.Load() != 11 {
			t.Errorf("pkce=%v: %d tokens and %d invalid_grant for one code, want 1 and 11", pkce, wins.Load(), invalid.Load())
		}
	}
	e.wait()
}

// Redis stops mid-run: logins fail fast with temporarily_unavailable,
// /readyz says so, enforcement blocks nobody; when Redis is back, logins
// work again without a restart.
func TestRedisOutageFailsLoginsCleanlyAndRecovers(t *testing.T) {
	e, ok, _ := enforcementEnv(t, nil)
	r := startRedis(t)
	meds := replicate(t, e, 2, r)
	e.login("alice")
	e.login("bob")
	src, _ := NewOktaSource(context.Background(), ok.URL(), ok.Token(), ok.Client())
	enf, err := meds[0].NewEnforcer(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	ok.RemoveMember("Eng-Backend", "bob@example.com")

	r.Stop()
	for _, pkce := range []bool{false, true} {
		start := time.Now()
		f := e.browse("alice", pkce)
		if got := f.back.Query().Get("error"); got != "temporarily_unavailable" || f.back.Query().Get("state") != f.state {
			t.Errorf("pkce=%v with Redis down: %s, want error=temporarily_unavailable with the state", pkce, f.back.RawQuery)
		}
		if d := time.Since(start); d > 8*time.Second {
			t.Errorf("pkce=%v: the failed login took %s", pkce, d)
		}
	}
	tr, err := http.PostForm(e.medURL+"/token", url.Values{"grant_type": {"authorization_code"}, "code": {"x"},
		"client_id": {testClientID}, "client_secret": {testSecret}})
	if err != nil {
		t.Fatal(err)
	}
	tr.Body.Close()
	if tr.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/token with Redis down: HTTP %d, want 503 temporarily_unavailable", tr.StatusCode)
	}
	if resp := getJSON(t, e.medURL+"/readyz", nil); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz with Redis down: HTTP %d", resp.StatusCode)
	}
	if err := enf.Check(context.Background()); err == nil {
		t.Error("enforcement with Redis down reported nothing")
	}
	if n := metricSum(t, "authz_mediator_store_errors_total", meds...); n < 4 {
		t.Errorf("store errors counted: %v, want at least one per failed call", n)
	}
	if n := metricSum(t, "authz_mediator_enforcement_runs_total", meds...); n != 1 {
		t.Errorf("enforcement runs counted: %v, want 1 (store_error)", n)
	}
	if got := e.gl.UserState("bob"); got != "active" {
		t.Errorf("enforcement blocked bob with Redis down: %s", got)
	}

	r.Start()
	e.login("alice") // no restart of the mediators
	f := e.browse("alice", true)
	if _, _, err := e.redeem(f); err != nil {
		t.Errorf("PKCE login after Redis came back: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for getJSON(t, e.medURL+"/readyz", nil).StatusCode != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("/readyz not 200 after Redis came back")
		}
		time.Sleep(200 * time.Millisecond)
	}
	// The list of people seen at login was lost with Redis (no persistence
	// here): enforcement knows alice again from her new login.
	if err := enf.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.wait()
	e.checkLogs()
}

// The mediator only unblocks its own blocks, across replicas and restarts:
// replica B, started after replica A blocked bob, unblocks him when he is
// back, and leaves alone alice, whom an administrator blocked.
func TestBlockedListIsSharedAcrossReplicasAndRestarts(t *testing.T) {
	e, ok, _ := enforcementEnv(t, nil)
	r := startRedis(t)
	meds := replicate(t, e, 2, r)
	e.login("alice")
	e.login("bob")
	src, _ := NewOktaSource(context.Background(), ok.URL(), ok.Token(), ok.Client())
	a, _ := meds[0].NewEnforcer(src, nil)
	a.lease = 500 * time.Millisecond
	ok.RemoveMember("Eng-Backend", "bob@example.com")
	if err := a.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := e.gl.UserState("bob"); got != "blocked" {
		t.Fatalf("bob %s, want blocked", got)
	}
	e.gl.SetUserState("alice", "blocked") // an administrator's decision
	ok.AddMember("Eng-Backend", "bob@example.com")

	// A is gone (its lease lapses); B is a new process on the same Redis.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b, err := New(ctx, e.cfg, slog.New(slog.NewJSONHandler(e.logs, nil)), WithStore(r.Store()))
	if err != nil {
		t.Fatal(err)
	}
	enfB, _ := b.NewEnforcer(src, nil)
	if err := enfB.Check(context.Background()); !errors.Is(err, errNotLeader) {
		t.Fatalf("B enforced while A held the lease: %v", err)
	}
	time.Sleep(700 * time.Millisecond)
	if err := enfB.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := states(e, "alice", "bob"); got["bob"] != "active" || got["alice"] != "blocked" {
		t.Errorf("after B's pass: %v, want bob unblocked (A's block), alice still blocked (not ours)", got)
	}
	// A lost the lease to B: its next write is refused before it is made.
	ok.RemoveMember("Eng-Backend", "bob@example.com")
	if err := a.Check(context.Background()); !errors.Is(err, errNotLeader) {
		t.Errorf("A after losing the lease: %v, want errNotLeader", err)
	}
	if got := e.gl.UserState("bob"); got != "active" {
		t.Errorf("A blocked bob without the lease: %s", got)
	}
	r.assertAllKeysExpire(t)
}
