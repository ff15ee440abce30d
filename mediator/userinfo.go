package mediator

import (
	"io"
	"net/http"
)

// handleUserinfo relays the relying party's userinfo request, with its
// bearer token, to the provider and returns the answer unchanged.
func (m *Mediator) handleUserinfo(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	info, err := m.up.get(r.Context())
	if err != nil || info.meta.UserinfoURL == "" {
		http.Error(w, "the provider's userinfo endpoint is unavailable", http.StatusBadGateway)
		return
	}
	req, err := http.NewRequestWithContext(r.Context(), r.Method, info.meta.UserinfoURL, r.Body)
	if err != nil {
		http.Error(w, "bad userinfo request", http.StatusBadRequest)
		return
	}
	for _, h := range []string{"Authorization", "Accept", "Content-Type"} {
		if v := r.Header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	resp, err := m.client.Do(req)
	if err != nil {
		m.log.Error("userinfo relay failed", "err", err)
		http.Error(w, "the provider is unreachable", http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for _, h := range []string{"Content-Type", "WWW-Authenticate", "Cache-Control"} {
		if v := resp.Header.Get(h); v != "" {
			w.Header().Set(h, v)
		}
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, io.LimitReader(resp.Body, 1<<20))
}
