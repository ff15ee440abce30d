package mediator

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics live in the mediator's own registry, never the global one, so
// two mediators (as in tests) do not collide.
type metrics struct {
	reg         *prometheus.Registry
	logins      *prometheus.CounterVec
	tokens      *prometheus.CounterVec
	syncs       *prometheus.CounterVec
	syncSeconds prometheus.Histogram
	enforce     *prometheus.CounterVec
	storeErrors storeErrors
	leaseHeld   prometheus.Gauge
	runs        *prometheus.CounterVec
}

// storeErrors counts failed store calls by operation.
type storeErrors struct{ v *prometheus.CounterVec }

func (s storeErrors) inc(op string) { s.v.WithLabelValues(op).Inc() }

func newMetrics() *metrics {
	reg := prometheus.NewRegistry()
	m := &metrics{
		reg: reg,
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "authz_mediator_logins_total", Help: "Logins by outcome: admitted, refused, invalid_token, exchange_error.",
		}, []string{"result"}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "authz_mediator_token_requests_total", Help: "Token requests from the relying party by outcome.",
		}, []string{"result"}),
		syncs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "authz_mediator_membership_syncs_total", Help: "Background membership syncs by outcome.",
		}, []string{"result"}),
		syncSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "authz_mediator_membership_sync_seconds", Help: "Duration of background membership syncs.",
			Buckets: prometheus.ExponentialBuckets(0.01, 4, 8),
		}),
		enforce: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "authz_mediator_enforcement_actions_total", Help: "Enforcement actions: block, unblock, would_block, would_unblock, source_error.",
		}, []string{"action"}),
	}
	m.storeErrors = storeErrors{prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "authz_mediator_store_errors_total", Help: "Failed store calls (the store unreachable or failing) by operation.",
	}, []string{"op"})}
	m.leaseHeld = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "authz_mediator_enforcement_lease_held", Help: "1 while this replica holds the enforcement lease, else 0.",
	})
	m.runs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "authz_mediator_enforcement_runs_total", Help: "Enforcement passes by result: ok, error, lease_lost, not_leader.",
	}, []string{"result"})
	reg.MustRegister(m.logins, m.tokens, m.syncs, m.syncSeconds, m.enforce, m.storeErrors.v, m.leaseHeld, m.runs,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}
