package mediator

import (
	"encoding/json"
	"net/http"
)

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
