package mediator

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// readiness caches the last readiness answer.
type readiness struct {
	mu     sync.Mutex
	at     time.Time
	failed map[string]string
}

// handleHealth is a liveness check: it answers 200 while the process
// serves, and says whether the provider has been discovered, without
// failing for it (restarting the mediator would not bring the provider back).
func (m *Mediator) handleHealth(w http.ResponseWriter, r *http.Request) {
	provider := "ready"
	if _, err := m.up.get(r.Context()); err != nil {
		provider = "unreachable"
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(map[string]string{"status": "ok", "provider": provider})
}

// readyTTL is how long a readiness answer is reused, so that a load
// balancer's probes do not each reach the provider.
const readyTTL = 2 * time.Second

// handleReady is the readiness check: 200 only while the store answers and
// the provider's discovery document can be fetched, and not once shutdown
// has begun (so that a load balancer stops sending new logins).
func (m *Mediator) handleReady(w http.ResponseWriter, r *http.Request) {
	status := map[string]string{"store": "ready", "provider": "ready"}
	ok := true
	if m.draining.Load() {
		status["status"], ok = "shutting down", false
	}
	if err := m.readyCheck(r.Context()); err != nil {
		ok = false
		for k, e := range err {
			status[k] = e
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if !ok {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(status)
}

// readyCheck pings the store and fetches the provider's discovery document,
// both bounded; it returns what failed (nil when nothing did).
func (m *Mediator) readyCheck(ctx context.Context) map[string]string {
	m.ready.mu.Lock()
	defer m.ready.mu.Unlock()
	if time.Since(m.ready.at) < readyTTL {
		return m.ready.failed
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	failed := map[string]string{}
	if err := m.store.Ping(ctx); err != nil {
		failed["store"] = "unreachable"
		m.log.Warn("not ready: store unreachable", "err", err)
	}
	if err := m.probeProvider(ctx); err != nil {
		failed["provider"] = "unreachable"
		m.log.Warn("not ready: provider unreachable", "err", err)
	}
	if len(failed) == 0 {
		failed = nil
	}
	m.ready.failed, m.ready.at = failed, time.Now()
	return failed
}

// probeProvider fetches the provider's discovery document (not the cached
// copy: readiness is about now).
func (m *Mediator) probeProvider(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(m.cfg.Provider, "/")+"/.well-known/openid-configuration", nil)
	if err != nil {
		return err
	}
	resp, err := m.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("discovery: HTTP %d", resp.StatusCode)
	}
	return nil
}

// Drain marks the mediator as shutting down: /readyz answers 503 from now on.
func (m *Mediator) Drain() { m.draining.Store(true) }
