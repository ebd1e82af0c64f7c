// Package server is credpol's HTTP layer: Gin routes that translate requests
// into calls on the decision service and the catalogue, and answers back into
// JSON. Business rules live in the packages it calls.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/credpol/credpol/admin"
	"github.com/credpol/credpol/admin/evidence"
	"github.com/credpol/credpol/admin/impactrun"
	"github.com/credpol/credpol/admin/replica"
	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/auth"
	"github.com/credpol/credpol/internal/decision"
	"github.com/credpol/credpol/internal/ingest"
	"github.com/credpol/credpol/internal/jurisdiction"
	"github.com/credpol/credpol/internal/problem"
	"github.com/credpol/credpol/internal/sampling"
)

// DefaultBodyLimit bounds every request body unless configured otherwise.
const DefaultBodyLimit = 1 << 20

// Pinger reports whether the store answers; /ready uses it.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Deps are the collaborators the routes call.
type Deps struct {
	Decisions     *decision.Service
	Facts         decision.FactStore
	Ingest        *ingest.Service
	LogSearch     LogSearcher
	Sampling      *sampling.Service
	DecisionLog   interface{ Ready() bool } // nil when decisions are not logged
	Authenticator *auth.Authenticator
	Engine        *engine.Engine
	Jurisdictions *jurisdiction.Registry
	Store         Pinger
	Logger        *slog.Logger
	Registry      *prometheus.Registry // metrics are registered here
	BodyLimit     int64
	ImportLimit   int64
	BatchLimit    int64
	// RateLimit is the requests per second each token may send on /v1,
	// with bursts up to RateBurst; either at zero turns the limit off.
	RateLimit float64
	RateBurst int
	// Idempotency keeps the answers of creating requests sent with an
	// Idempotency-Key; nil ignores the header.
	Idempotency IdempotencyStore
	// Admin runs the policy lifecycle (/admin/v1); nil leaves it off.
	Admin *admin.Service
	// Impact starts and reads impact runs (/admin/v1/impact-runs); nil leaves them off.
	Impact *impactrun.Service
	// Evidence builds evidence packages (/admin/v1/evidence); nil leaves them off.
	Evidence *evidence.Service
	// Follower keeps the server on the live revision; /ready reports it.
	Follower interface{ Status() replica.Status }
	// SeparateMetrics leaves /metrics off this handler: it is served by
	// DebugHandler on a listener of its own.
	SeparateMetrics bool
}

type server struct {
	Deps
	metrics *metrics
	limiter *limiter
	bundles bundles
}

// New returns the HTTP handler serving every route.
func New(d Deps) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	if d.BodyLimit <= 0 {
		d.BodyLimit = DefaultBodyLimit
	}
	if d.ImportLimit <= 0 {
		d.ImportLimit = DefaultImportLimit
	}
	if d.BatchLimit <= 0 {
		d.BatchLimit = DefaultBatchLimit
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	d.Logger = slog.New(requestLogs{d.Logger.Handler()})
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	s := &server{Deps: d, metrics: newMetrics(d.Registry), limiter: newLimiter(d.RateLimit, d.RateBurst)}

	r := gin.New()
	r.HandleMethodNotAllowed = true
	// The request id comes first, so that every answer, a panic's included,
	// carries it, and every log line below can name it.
	r.Use(s.assignRequestID, s.securityHeaders, s.recover, s.observe, s.limitBody)
	r.NoRoute(func(c *gin.Context) {
		fail(c, s.Logger, problem.New(problem.NotFound, "not_found", "no such endpoint"))
	})
	r.NoMethod(func(c *gin.Context) {
		c.AbortWithStatusJSON(http.StatusMethodNotAllowed, errorBody{Error: errorContent{Code: "method_not_allowed",
			Message: "method not allowed on this endpoint", RequestID: requestID(c)}})
	})

	r.GET("/health", s.health)
	r.GET("/ready", s.ready)
	r.GET("/version", s.version)
	if !d.SeparateMetrics {
		r.GET("/metrics", s.metrics.handler(d.Registry))
	}

	s.adminRoutes(r)
	s.uiRoutes(r)
	r.GET(BundlePath, s.authenticate, s.rateLimit, s.bundle)
	v1 := r.Group("/v1", s.authenticate, s.rateLimit)
	v1.POST("/decisions/:name", s.decide)
	v1.POST("/decisions/:name/batch", s.decideBatch)
	v1.GET("/decision-log", s.searchLog)
	v1.GET("/decision-log/:id", s.getLogEntry)
	v1.POST("/decision-log/:id/replay", s.replay)
	v1.POST("/sampling-plans", s.idempotent, s.drawPlan)
	v1.GET("/sampling-plans/compliance", s.compliance)
	v1.GET("/sampling-plans/:id", s.getPlan)
	v1.GET("/sampling-plans/:id/items.csv", s.exportPlan)
	v1.PATCH("/sampling-plans/:id/items/:uscc", s.updatePlanItem)
	v1.GET("/openapi.json", s.serveOpenAPI)
	v1.GET("/decisions", s.listDecisions)
	v1.GET("/jurisdictions", s.listJurisdictions)
	v1.GET("/jurisdictions/:code/policies", s.jurisdictionPolicies)
	v1.PUT("/enterprises/:uscc", s.putEnterprise)
	v1.GET("/enterprises/:uscc", s.getEnterprise)
	v1.POST(importRoute, s.idempotent, s.importEnterprises)
	return r
}

// recover turns a panic anywhere below into a logged 500, so no request can
// take the server down.
func (s *server) recover(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.Logger.ErrorContext(c.Request.Context(), "panic serving request", "path", c.Request.URL.Path, "panic", v)
			fail(c, s.Logger, problem.New(problem.Internal, "internal", "internal error"))
		}
	}()
	c.Next()
}

const importRoute = "/enterprises/import"

// DefaultBatchLimit bounds a batch body: up to 1,000 items with inline facts.
const DefaultBatchLimit = 32 << 20

// limitBody bounds every request body; imports, which stream, and batches get
// their own bounds.
func (s *server) limitBody(c *gin.Context) {
	if c.Request.Body != nil {
		limit := s.BodyLimit
		switch c.FullPath() {
		case "/v1" + importRoute:
			limit = s.ImportLimit
		case "/v1/decisions/:name/batch":
			limit = s.BatchLimit
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	}
	c.Next()
}

const principalKey = "credpol.principal"

func (s *server) authenticate(c *gin.Context) {
	secret, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	if !ok {
		if p, ok := s.cookiePrincipal(c); ok { // a browser's session reading /v1 (session.go)
			c.Set(principalKey, p)
			c.Next()
			return
		}
		if c.IsAborted() {
			return
		}
	}
	if !ok || secret == "" {
		fail(c, s.Logger, problem.New(problem.Unauthenticated, "unauthenticated", "send an API token as Authorization: Bearer <token>"))
		return
	}
	p, err := s.Authenticator.Authenticate(c.Request.Context(), strings.TrimSpace(secret))
	switch {
	case errors.Is(err, auth.ErrInvalidToken):
		fail(c, s.Logger, problem.New(problem.Unauthenticated, "unauthenticated", "the API token is unknown, expired or revoked"))
		return
	case err != nil:
		fail(c, s.Logger, problem.Wrap(problem.Unavailable, "store_unavailable", "cannot verify the token now", err))
		return
	}
	c.Set(principalKey, p)
	c.Next()
}

func principal(c *gin.Context) auth.Principal {
	p, _ := c.Get(principalKey)
	return p.(auth.Principal)
}

func (s *server) health(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// ready answers 200 only when a policy revision is compiled and the store answers.
func (s *server) ready(c *gin.Context) {
	checks := gin.H{}
	ok := true
	if ps := s.Engine.Current(); ps != nil {
		checks["policies"] = "revision " + ps.Revision()
		if ps.Number() != 0 {
			checks["policies"] = fmt.Sprintf("revision %d (%s)", ps.Number(), ps.Revision())
		}
		if s.Follower != nil {
			// Behind the live revision is reported, not unready: the last
			// good revision keeps serving, which beats serving nothing.
			if st := s.Follower.Status(); st.Error != "" {
				checks["policy_sync"] = st.Error
			} else {
				checks["policy_sync"] = fmt.Sprintf("serving the live revision %d", st.Live)
			}
		}
	} else {
		checks["policies"], ok = "not loaded", false
	}
	if s.DecisionLog != nil {
		if s.DecisionLog.Ready() {
			checks["decision_log"] = "ok"
		} else {
			checks["decision_log"], ok = "queue full: the store is not taking entries", false
		}
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := s.Store.Ping(ctx); err != nil {
		checks["store"], ok = "unavailable", false
	} else {
		checks["store"] = "ok"
	}
	status := http.StatusOK
	if !ok {
		status = http.StatusServiceUnavailable
	}
	c.JSON(status, gin.H{"ready": ok, "checks": checks})
}
