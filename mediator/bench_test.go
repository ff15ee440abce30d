package mediator

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"
)

// BenchmarkRelayLatency runs b.N logins through the mediator and b.N
// directly against the same provider (zitadel's OP, signing ES256 so that
// its RSA signatures do not swamp two CPUs), interleaved, each stream paced
// at 500 logins per second on loopback, and reports both latency
// distributions and their difference: what the relay adds to a login.
//
//	go test -run='^$' -bench=Relay ./mediator/
func BenchmarkRelayLatency(b *testing.B) {
	const rate = 500
	e := newEnv(b, func(c *Config) { c.Backend = ""; c.Groups = false }, "alice")
	relay := *e.rp
	direct := *e.rp
	direct.Endpoint = oauth2.Endpoint{AuthURL: e.op.issuer + "/authorize", TokenURL: e.op.issuer + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}
	e.op.storage.UseES256()
	e.op.LoginAs("alice")
	// Warm both paths (discovery, keys, connections).
	for range 20 {
		benchLogin(b, &relay)
		benchLogin(b, &direct)
	}
	b.ResetTimer()
	r, d := paced(b, b.N, rate, &relay, &direct)
	b.StopTimer()
	dp50, dp99 := pct(d, 50), pct(d, 99)
	rp50, rp99 := pct(r, 50), pct(r, 99)
	b.ReportMetric(dp50, "direct-p50-ms")
	b.ReportMetric(dp99, "direct-p99-ms")
	b.ReportMetric(rp50, "relay-p50-ms")
	b.ReportMetric(rp99, "relay-p99-ms")
	b.ReportMetric(rp50-dp50, "added-p50-ms")
	b.ReportMetric(rp99-dp99, "added-p99-ms")
}

// paced starts n logins on each of two RPs at rate per second each,
// alternating, without waiting for one to finish before the next starts (an
// open loop, as real users arrive); it returns each login's duration in
// milliseconds, per RP.
func paced(b *testing.B, n, rate int, a, c *oauth2.Config) (am, cm []float64) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Second / time.Duration(2*rate))
	defer tick.Stop()
	for i := 0; i < 2*n; i++ {
		<-tick.C
		rp, out := a, &am
		if i%2 == 1 {
			rp, out = c, &cm
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			benchLogin(b, rp)
			ms := float64(time.Since(start).Microseconds()) / 1000
			mu.Lock()
			*out = append(*out, ms)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return am, cm
}

var benchTransport = &http.Transport{MaxIdleConnsPerHost: 256, MaxIdleConns: 512}

// benchLogin is a whole authorization code login as the RP sees it.
func benchLogin(b *testing.B, rp *oauth2.Config) {
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Transport: benchTransport, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), rpCallback) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := browser.Get(rp.AuthCodeURL("state-bench"))
	if err != nil {
		b.Error(err)
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		b.Errorf("login ended with HTTP %d", resp.StatusCode)
		return
	}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Transport: benchTransport})
	if _, err := rp.Exchange(ctx, loc.Query().Get("code")); err != nil {
		b.Error(err)
	}
}

func pct(ms []float64, p int) float64 {
	if len(ms) == 0 {
		return 0
	}
	s := slices.Clone(ms)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

// BenchmarkRelayMemory drives b.N logins through /callback and /token
// in-process against a minimal provider and reports the live heap growth
// per login after GC and the entries left in the store: both must stay
// flat (no per-login state outlives its login).
//
//	go test -run='^$' -bench=RelayMemory -benchtime=100000x ./mediator/
func BenchmarkRelayMemory(b *testing.B) {
	issuer, opClient := minimalProvider(b)
	store := NewMemoryStore(0)
	cfg := &Config{Provider: issuer, Self: "http://mediator.bench", Redirect: rpCallback, ID: testClientID,
		Secret: testSecret, RequiredGroups: []string{"eng"}}
	m, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)),
		WithStore(store), WithHTTPClient(opClient))
	if err != nil {
		b.Fatal(err)
	}
	h := m.Handler()
	login := func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/callback?code=provider-code&state=s", nil))
		loc, _ := url.Parse(rec.Header().Get("Location"))
		form := url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "redirect_uri": {rpCallback}}
		req := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(testClientID, testSecret)
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("token: HTTP %d %s", rec.Code, rec.Body)
		}
	}
	for range 1000 {
		login()
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		login()
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric((float64(after.HeapAlloc)-float64(before.HeapAlloc))/float64(b.N), "heap-growth-B/login")
	b.ReportMetric(float64(after.HeapAlloc)/(1<<20), "heap-MiB")
	b.ReportMetric(float64(store.Len()), "store-entries")
}

// minimalProvider is a provider that answers every token request with the
// same signed ID token, reached in-process through the returned client.
func minimalProvider(b *testing.B) (string, *http.Client) {
	issuer := "http://op.bench"
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	idt := signedIDToken(b, key, issuer)
	op := http.NewServeMux()
	op.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": issuer, "authorization_endpoint": issuer + "/authorize",
			"token_endpoint": issuer + "/token", "jwks_uri": issuer + "/keys", "userinfo_endpoint": issuer + "/userinfo",
			"id_token_signing_alg_values_supported": []string{"RS256"}})
	})
	op.HandleFunc("/keys", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	op.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"access_token":"at","token_type":"Bearer","expires_in":3600,"id_token":"`+idt+`"}`)
	})
	return issuer, &http.Client{Transport: handlerTransport{op}}
}

type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

func signedIDToken(b *testing.B, key *rsa.PrivateKey, issuer string) string {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}}, nil)
	if err != nil {
		b.Fatal(err)
	}
	claims, _ := json.Marshal(map[string]any{"iss": issuer, "aud": testClientID, "sub": "alice",
		"exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix(), "preferred_username": "alice", "groups": []string{"eng"}})
	jws, err := signer.Sign(claims)
	if err != nil {
		b.Fatal(err)
	}
	s, _ := jws.CompactSerialize()
	return s
}
