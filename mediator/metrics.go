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
}

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
	reg.MustRegister(m.logins, m.tokens, m.syncs, m.syncSeconds, m.enforce,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}
