package mediator

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestReadyzFollowsProviderAndDrain(t *testing.T) {
	e := newEnv(t, nil, "alice")
	if resp := getJSON(t, e.medURL+"/readyz", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("/readyz with everything up: HTTP %d", resp.StatusCode)
	}
	e.med.Drain()
	var body map[string]string
	if resp := getJSON(t, e.medURL+"/readyz", &body); resp.StatusCode != http.StatusServiceUnavailable || body["status"] != "shutting down" {
		t.Errorf("/readyz while draining: HTTP %d %v", resp.StatusCode, body)
	}
	if resp := getJSON(t, e.medURL+"/healthz", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz while draining: HTTP %d, want 200 (liveness)", resp.StatusCode)
	}
	f := newEnv(t, nil, "alice")
	f.op.srv.Close()
	if resp := getJSON(t, f.medURL+"/readyz", &body); resp.StatusCode != http.StatusServiceUnavailable || body["provider"] != "unreachable" {
		t.Errorf("/readyz with the provider down: HTTP %d %v", resp.StatusCode, body)
	}
}

// metricSum adds up the samples of a metric across mediators.
func metricSum(t *testing.T, name string, meds ...*Mediator) float64 {
	t.Helper()
	var sum float64
	for _, m := range meds {
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		for _, line := range strings.Split(rec.Body.String(), "\n") {
			if strings.HasPrefix(line, name+" ") || strings.HasPrefix(line, name+"{") {
				var v float64
				fields := strings.Fields(line)
				if _, err := fmt.Sscan(fields[len(fields)-1], &v); err == nil {
					sum += v
				}
			}
		}
	}
	return sum
}
