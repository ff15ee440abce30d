package mediator

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Two replicas behind a load balancer: the browser's /callback reaches one,
// GitLab's /token the other. They share only the store, which holds nothing
// usable: keys are hashes of codes and values are sealed.
func TestReplicasSharingAStoreRedeemEachOthersCodes(t *testing.T) {
	e := newEnv(t, nil, "alice")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b, err := New(ctx, e.cfg, slog.New(slog.NewJSONHandler(e.logs, nil)), WithStore(e.store))
	if err != nil {
		t.Fatal(err)
	}
	srvB := httptest.NewServer(b.Handler())
	defer srvB.Close()

	f := e.browse("alice", false)
	// Look into the shared store before the code is redeemed.
	code := f.back.Query().Get("code")
	e.store.mu.Lock()
	for k, it := range e.store.items {
		if strings.Contains(k, code) || bytes.Contains(it.value, []byte("access_token")) || bytes.Contains(it.value, []byte("eyJ")) {
			t.Errorf("store entry %s exposes a code or a token", k)
		}
	}
	n := len(e.store.items)
	e.store.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d store entries, want 1", n)
	}

	e.rp.Endpoint.TokenURL = srvB.URL + "/token"
	if _, _, err := e.redeem(f); err != nil {
		t.Fatalf("replica B could not redeem replica A's code: %v", err)
	}
	if _, _, err := e.redeem(f); err == nil {
		t.Error("the code worked twice across replicas")
	}
	b.Wait()
	e.med.Wait()
}

func TestProviderDownReachesRPAsTemporarilyUnavailable(t *testing.T) {
	e := newEnv(t, nil, "alice")
	e.op.srv.Close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(e.rp.AuthCodeURL("st"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := resp.Location()
	if loc == nil || !strings.HasPrefix(loc.String(), rpCallback) || loc.Query().Get("error") != "temporarily_unavailable" || loc.Query().Get("state") != "st" {
		t.Errorf("provider down: HTTP %d to %v", resp.StatusCode, loc)
	}
}
