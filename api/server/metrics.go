package server

import (
	"log/slog"
	"net/http"
	"net/http/pprof"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/credpol/credpol/internal/auth"
	"github.com/credpol/credpol/internal/problem"
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

// DebugHandler serves /metrics from reg and Go's profiler under
// /debug/pprof/, for a listener of their own (serve --debug-addr) that
// operators keep off the network the API is exposed on. Profiles reveal the
// program's internals and cost CPU while taken, so they are served only
// here, never on the API listener.
func DebugHandler(reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// observe records every request by its route pattern (never the raw path, so
// label values stay bounded) and writes one access-log line: who asked
// (the token's name, never its secret), what, the answer's status and time,
// and the request id. Bodies are never logged: they hold enterprise facts.
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
	caller := ""
	if p, ok := c.Get(principalKey); ok {
		caller = p.(auth.Principal).Name
	}
	// The request id is added from the context by requestLogs.
	s.Logger.LogAttrs(c.Request.Context(), slog.LevelInfo, "request",
		slog.String("method", c.Request.Method), slog.String("route", route), slog.Int("status", status),
		slog.Duration("latency", elapsed), slog.String("caller", caller))
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
