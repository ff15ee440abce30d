package mediator

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// jwksTTL is how long the provider's key set is served from cache; a failed
// refresh keeps serving the last good copy.
const jwksTTL = 5 * time.Minute

type jwksCache struct {
	mu      sync.Mutex
	body    []byte
	fetched time.Time
}

// handleKeys serves the provider's JWKS: the ID tokens the relying party
// receives are the provider's, signed with the provider's keys.
func (m *Mediator) handleKeys(w http.ResponseWriter, r *http.Request) {
	body, err := m.jwks(r)
	if err != nil {
		m.log.Error("provider keys unavailable", "err", err)
		http.Error(w, "the provider's keys are unavailable", http.StatusBadGateway)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(jwksTTL.Seconds())))
	_, _ = w.Write(body)
}

func (m *Mediator) jwks(r *http.Request) ([]byte, error) {
	c := &m.keys
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.body != nil && time.Since(c.fetched) < jwksTTL {
		return c.body, nil
	}
	body, err := m.fetchJWKS(r)
	if err != nil {
		if c.body != nil {
			return c.body, nil // stale beats nothing while the provider is down
		}
		return nil, err
	}
	c.body, c.fetched = body, time.Now()
	return body, nil
}

func (m *Mediator) fetchJWKS(r *http.Request) ([]byte, error) {
	info, err := m.up.get(r.Context())
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, info.meta.JWKSURL, nil)
	if err != nil {
		return nil, fmt.Errorf("jwks request: %w", err)
	}
	resp, err := m.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch jwks: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch jwks: HTTP %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("read jwks: %w", err)
	}
	return body, nil
}
