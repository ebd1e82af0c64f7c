package server

import (
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/credpol/credpol/problem"
)

type metrics struct {
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	decisions *prometheus.CounterVec
	evalTime  *prometheus.HistogramVec
}

// Buckets reach down to 50µs: an in-process decision is expected to take tens
// of microseconds, and an HTTP one a few milliseconds.
var buckets = []float64{.00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "credpol_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "credpol_http_request_duration_seconds", Help: "HTTP request latency by route.", Buckets: buckets,
		}, []string{"route", "method"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "credpol_decisions_total", Help: "Decisions by name and outcome (ok or an error code).",
		}, []string{"decision", "outcome"}),
		evalTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "credpol_decision_duration_seconds", Help: "Time to take a decision, from decoded request to result.", Buckets: buckets,
		}, []string{"decision"}),
	}
	reg.MustRegister(m.requests, m.latency, m.decisions, m.evalTime,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler(reg *prometheus.Registry) gin.HandlerFunc {
	h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	return func(c *gin.Context) { h.ServeHTTP(c.Writer, c.Request) }
}

// observe records every request by its route pattern (never the raw path, so
// label values stay bounded) and writes one access-log line.
func (s *server) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	elapsed := time.Since(start)
	status := c.Writer.Status()
	s.metrics.requests.WithLabelValues(route, c.Request.Method, strconv.Itoa(status)).Inc()
	s.metrics.latency.WithLabelValues(route, c.Request.Method).Observe(elapsed.Seconds())
	s.Logger.Debug("request", "method", c.Request.Method, "route", route, "status", status, "latency", elapsed)
}

func (m *metrics) observeDecision(name string, err error, elapsed time.Duration) {
	outcome := "ok"
	if err != nil {
		outcome = "internal"
		if p, ok := problem.As(err); ok {
			outcome = p.Code
		}
	}
	if outcome == "decision_not_found" {
		name = "unknown" // bound the label set against arbitrary names
	}
	m.decisions.WithLabelValues(name, outcome).Inc()
	if err == nil {
		m.evalTime.WithLabelValues(name).Observe(elapsed.Seconds())
	}
}
