package mediator

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/oauth2"
)

// roundTrips counts Redis round trips: one per command, one per pipeline.
type roundTrips struct{ n atomic.Int64 }

func (c *roundTrips) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) { return next(ctx, network, addr) }
}

func (c *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { c.n.Add(1); return next(ctx, cmd) }
}

func (c *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { c.n.Add(1); return next(ctx, cmds) }
}

// BenchmarkReplicasLatency: three replicas sharing one redis-server behind a
// round-robin proxy, against the same logins made directly at the provider
// (zitadel's OP, ES256), each stream paced at 500 logins/s, interleaved.
// added-p50/p99 is what the relay adds; redis-rt/login the Redis round trips
// of one login, for GitLab's flow (plain), the Apertis README's GitLab
// (redirect_uri = the mediator's /callback) and PKCE.
//
// Each new Redis connection's handshake counts too, so the figure is a little
// above the steady state (3, 4 and 5) while the pools grow. On a host too
// loaded to sustain 1,000 logins/s (relay and direct together), the
// latencies are queueing, not the relay: MEDIATOR_BENCH_RATE lowers the rate.
//
//	go test -run '^$' -bench 'ReplicasLatency' -benchtime 5000x ./mediator/
func BenchmarkReplicasLatency(b *testing.B) {
	rate := 500
	if r, err := strconv.Atoi(os.Getenv("MEDIATOR_BENCH_RATE")); err == nil && r > 0 {
		rate = r
	}
	for _, variant := range []string{"plain", "apertis", "pkce"} {
		b.Run(variant, func(b *testing.B) {
			e := newEnv(b, func(c *Config) { c.Backend = ""; c.Groups = false }, "alice")
			r := startRedis(b)
			rt := &roundTrips{}
			replicate(b, e, 3, r, rt)
			relay := *e.rp
			if variant == "apertis" {
				relay.RedirectURL = e.medURL + "/callback"
			}
			direct := *e.rp
			direct.Endpoint = oauth2.Endpoint{AuthURL: e.op.issuer + "/authorize", TokenURL: e.op.issuer + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}
			e.op.storage.UseES256()
			e.op.LoginAs("alice")
			pkce := variant == "pkce"
			for range 20 {
				benchLoginVariant(b, &relay, pkce)
				benchLoginVariant(b, &direct, pkce)
			}
			rt.n.Store(0)
			b.ResetTimer()
			var mu sync.Mutex
			var wg sync.WaitGroup
			var rs, ds []float64
			tick := time.NewTicker(time.Second / time.Duration(2*rate))
			for i := 0; i < 2*b.N; i++ {
				<-tick.C
				rp, out := &relay, &rs
				if i%2 == 1 {
					rp, out = &direct, &ds
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					start := time.Now()
					benchLoginVariant(b, rp, pkce)
					ms := float64(time.Since(start).Microseconds()) / 1000
					mu.Lock()
					*out = append(*out, ms)
					mu.Unlock()
				}()
			}
			wg.Wait()
			tick.Stop()
			b.StopTimer()
			b.ReportMetric(pct(ds, 50), "direct-p50-ms")
			b.ReportMetric(pct(ds, 99), "direct-p99-ms")
			b.ReportMetric(pct(rs, 50), "relay-p50-ms")
			b.ReportMetric(pct(rs, 99), "relay-p99-ms")
			b.ReportMetric(pct(rs, 50)-pct(ds, 50), "added-p50-ms")
			b.ReportMetric(pct(rs, 99)-pct(ds, 99), "added-p99-ms")
			b.ReportMetric(float64(rt.n.Load())/float64(b.N), "redis-rt/login")
		})
	}
}

// benchLoginVariant is benchLogin with a fresh state (the login state is
// keyed by it) and optionally PKCE.
func benchLoginVariant(b *testing.B, rp *oauth2.Config, pkce bool) {
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Transport: benchTransport, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), rpCallback) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	var opts, xopts []oauth2.AuthCodeOption
	if pkce {
		v := oauth2.GenerateVerifier()
		opts = append(opts, oauth2.S256ChallengeOption(v))
		xopts = append(xopts, oauth2.VerifierOption(v))
	}
	resp, err := browser.Get(rp.AuthCodeURL(random(b), opts...))
	if err != nil {
		b.Error(err)
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil || loc.Query().Get("code") == "" {
		b.Errorf("login ended with HTTP %d %v", resp.StatusCode, loc)
		return
	}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Transport: benchTransport})
	if _, err := rp.Exchange(ctx, loc.Query().Get("code"), xopts...); err != nil {
		b.Error(err)
	}
}

// BenchmarkReplicasMemory drives b.N logins through /callback and /token of
// three replicas sharing a redis-server (each step on another replica),
// against a minimal provider, then reports the live heap growth per login,
// the keys left in Redis (DBSIZE: only the list of people seen at login
// should remain) and fails if any key has no TTL.
//
//	go test -run '^$' -bench 'ReplicasMemory' -benchtime 100000x ./mediator/
func BenchmarkReplicasMemory(b *testing.B) {
	r := startRedis(b)
	issuer, opClient := minimalProvider(b)
	cfg := &Config{Provider: issuer, Self: "http://mediator.bench", Redirect: rpCallback, ID: testClientID,
		Secret: testSecret, RequiredGroups: []string{"eng"}}
	var hs []http.Handler
	for range 3 {
		m, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)),
			WithStore(r.Store()), WithHTTPClient(opClient))
		if err != nil {
			b.Fatal(err)
		}
		hs = append(hs, m.Handler())
	}
	i := 0
	next := func() http.Handler { i++; return hs[i%len(hs)] }
	login := func(apertis bool) {
		state := random(b)
		if apertis { // the README's GitLab: login state stored at /auth
			rec := httptest.NewRecorder()
			next().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/auth?"+url.Values{"client_id": {testClientID},
				"response_type": {"code"}, "redirect_uri": {cfg.Self + "/callback"}, "state": {state}}.Encode(), nil))
		}
		rec := httptest.NewRecorder()
		next().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/callback?code=provider-code&state="+state, nil))
		loc, _ := url.Parse(rec.Header().Get("Location"))
		redirect := rpCallback
		if apertis {
			redirect = cfg.Self + "/callback"
		}
		form := url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "redirect_uri": {redirect}}
		req := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(testClientID, testSecret)
		rec = httptest.NewRecorder()
		next().ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("token: HTTP %d %s", rec.Code, rec.Body)
		}
	}
	for n := range 1000 {
		login(n%2 == 1)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		login(n%2 == 1)
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	size, err := r.Client().DBSize(context.Background()).Result()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric((float64(after.HeapAlloc)-float64(before.HeapAlloc))/float64(b.N), "heap-growth-B/login")
	b.ReportMetric(float64(after.HeapAlloc)/(1<<20), "heap-MiB")
	b.ReportMetric(float64(size), "redis-keys")
	if size > 1 {
		b.Errorf("%d keys left in Redis after the logins, want only the list of people seen at login", size)
	}
	r.assertAllKeysExpire(b)
}
