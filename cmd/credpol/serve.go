package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/credpol/credpol/admin/evidence"
	"github.com/credpol/credpol/admin/impactrun"
	"github.com/credpol/credpol/api/server"
	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/auth"
	"github.com/credpol/credpol/internal/decision"
	"github.com/credpol/credpol/internal/decisionlog"
	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/impact"
	"github.com/credpol/credpol/internal/ingest"
	"github.com/credpol/credpol/internal/jurisdiction"
	"github.com/credpol/credpol/internal/sampling"
	"github.com/credpol/credpol/internal/storage"
)

// Batches load their enterprises with one query per table, not one per item,
// only while the store offers FactsMany.
var _ decision.BulkFactStore = (*storage.Store)(nil)

type serveOptions struct {
	common
	addr      string
	devToken  bool
	bodyLimit int64
	demoCount int

	http httpOptions

	logDecisions bool
	logQueue     int
	logAsync     bool
	logWait      time.Duration
	logRetention time.Duration
	logDir       string
	evalBudget   time.Duration
	migrate      bool

	impactWorkers int
	impactRescue  time.Duration
	signingKey    string
}

func serveCmd() *cobra.Command {
	o := &serveOptions{}
	cmd := &cobra.Command{
		Use:     "serve",
		Short:   "Serve decisions over HTTP",
		PreRunE: envOverrides,
		RunE:    func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context()) },
	}
	o.register(cmd)
	cmd.Flags().StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen address")
	cmd.Flags().BoolVar(&o.migrate, "migrate", true, "apply pending database migrations at start; false starts only on a current schema (run credpol migrate first)")
	cmd.Flags().BoolVar(&o.devToken, "dev-token", false, "create a development token with full scope and print it (never in production)")
	cmd.Flags().Int64Var(&o.bodyLimit, "body-limit", server.DefaultBodyLimit, "largest request body in bytes")
	o.http.register(cmd)
	cmd.Flags().IntVar(&o.demoCount, "demo-enterprises", 0, "on an empty store, first seed this many demo enterprises")
	cmd.Flags().BoolVar(&o.logDecisions, "decision-log", true, "record every decision in the store's decision log")
	cmd.Flags().DurationVar(&o.evalBudget, "eval-timeout", engine.DefaultBudget, "longest one policy evaluation may run (answered 500 policy_timeout); a tree with a decision that cannot answer an empty enterprise within it is refused at load")
	cmd.Flags().IntVar(&o.logQueue, "decision-log-queue", 10000, "decision log entries accepted but not yet in the store before requests wait")
	cmd.Flags().BoolVar(&o.logAsync, "decision-log-async", false, "answer before the log entry is durable (faster; a crash loses the entries not yet written)")
	cmd.Flags().DurationVar(&o.logWait, "decision-log-wait", 10*time.Second, "longest a decision waits for its log entry to be durable before it is refused with 503")
	cmd.Flags().DurationVar(&o.logRetention, "decision-log-retention", 0, "drop decision log entries older than this (e.g. 8760h); 0 keeps all")
	cmd.Flags().StringVar(&o.logDir, "decision-log-dir", "credpol-decision-log", "the decision log's write-ahead directory (one per server process): entries are durable here before they are answered, and what the store has not taken is shipped from here at the next start")
	cmd.Flags().StringVar(&o.logDir, "decision-log-spill-dir", "credpol-decision-log", "")
	cmd.Flags().MarkDeprecated("decision-log-spill-dir", "use --decision-log-dir")
	cmd.Flags().IntVar(&o.impactWorkers, "impact-workers", impact.DefaultParallel, "chunks of impact runs this server evaluates at once, each over every core; 0 takes none (runs started here go to other replicas)")
	cmd.Flags().StringVar(&o.signingKey, "signing-key", defaultSigningKey, "the Ed25519 key evidence packages are signed with (PKCS #8 PEM), created at the first package when missing; share it between replicas")
	cmd.Flags().DurationVar(&o.impactRescue, "impact-rescue-after", impactrun.DefaultRescueAfter, "a chunk of an impact run evaluated this long without an answer is cut off, or taken for lost with its server, and evaluated again")
	return cmd
}

// run wires every component, serves until SIGTERM or SIGINT, then drains.
// SIGHUP checks the store's live revision at once (publications arrive by
// notification and a periodic check anyway).
func (o *serveOptions) run(ctx context.Context) error {
	log := o.logger()
	manyDecisionsGC()
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := o.http.loadTLS(); err != nil {
		return err
	}

	st, err := o.openStore(ctx, log, o.migrate)
	if err != nil {
		return err
	}
	defer st.Close()
	eng := &engine.Engine{Budget: o.evalBudget}
	metrics := prometheus.NewRegistry()
	adm, follower, err := o.startLifecycle(ctx, st, eng, log, metrics)
	if err != nil {
		return err
	}
	runs, jobs, err := o.startImpactRuns(ctx, st, adm, log)
	if err != nil {
		return err
	}
	defer stopJobs(jobs, log)
	// The serving revision's jurisdiction tree, whichever a publication swaps in.
	reg := eng.Jurisdictions()
	if err := o.seedIfEmpty(ctx, st, log); err != nil {
		return err
	}

	validator := enterprise.Validator{KnownJurisdiction: reg.Has, LegacyUSCC: o.legacyUSCC}
	svc := &decision.Service{Engine: eng, Jurisdictions: reg, Facts: st, Validator: validator, Log: st,
		Archive: engine.NewArchive(eng, st.PolicyFiles), RevisionTree: adm.RevisionTree}
	var declog *decisionlog.Log
	if o.logDecisions {
		declog, err = decisionlog.New(st, decisionlog.Options{Dir: o.logDir, Async: o.logAsync, Wait: o.logWait,
			QueueSize: o.logQueue, Retention: o.logRetention, Logger: log, Registerer: metrics})
		if err != nil {
			return err
		}
		svc.Recorder = declog
	}
	deps := server.Deps{
		Decisions:     svc,
		Facts:         st,
		Ingest:        &ingest.Service{Store: st, Validator: validator},
		LogSearch:     st,
		Sampling:      &sampling.Service{Decisions: svc, Store: st, Jurisdictions: reg},
		Authenticator: watchedAuthenticator(ctx, st),
		Engine:        eng,
		Jurisdictions: reg,
		Store:         st,
		Logger:        log,
		Registry:      metrics,
		BodyLimit:     o.bodyLimit,
		Admin:         adm,
		Impact:        runs,
		Evidence:      &evidence.Service{Sources: st, KeyFile: o.signingKey, Jurisdictions: reg},
		Follower:      follower,
	}
	if declog != nil {
		deps.DecisionLog = declog
	}
	o.http.apply(&deps, st)
	handler := server.New(deps)

	ln, err := o.http.listen(o.addr)
	if err != nil {
		return err
	}
	stopDebug, err := o.http.serveDebug(metrics, log)
	if err != nil {
		return err
	}
	defer stopDebug()
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn), // TLS handshake failures and the like
	}
	if o.devToken {
		secret, err := createTokenFor(ctx, st, "dev", []string{jurisdiction.National}, []string{auth.All}, 0)
		if err != nil {
			return err
		}
		// Everything that can fail comes before the lines tools wait for:
		// a signal right after them must find the server serving.
		password, err := devAdmin(ctx, adm)
		if err != nil {
			return err
		}
		fmt.Printf("credpol serving on %s://%s\ndevelopment token (full scope): %s\n", o.http.scheme(), ln.Addr(), secret)
		if password != "" {
			fmt.Printf("development admin (all roles, national scope): dev-admin / %s (POST /admin/v1/login)\n", password)
			fmt.Printf("web UI (信用监管策略管理台): %s://%s/admin/ (log in as dev-admin)\n", o.http.scheme(), ln.Addr())
		}
	}
	log.Info("serving", "addr", ln.Addr().String())

	errc := make(chan error, 1)
	go func() { errc <- o.http.serve(srv, ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	return shutdown(srv, declog, log)
}

// shutdown stops taking requests, lets those in flight finish, and then —
// whatever happened to them — drains the decision log with a budget of its
// own: every answered decision is durable before it is answered, and what
// the store has not taken stays in the write-ahead log for the next start.
func shutdown(srv *http.Server, declog *decisionlog.Log, log *slog.Logger) error {
	log.Info("shutting down: draining requests")
	if declog != nil {
		// Requests waiting for room in a full log (the store is down) are
		// answered 503 now rather than held until the deadline.
		declog.Drain()
	}
	httpCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	httpErr := srv.Shutdown(httpCtx)
	if httpErr != nil {
		log.Error("requests still running at the shutdown deadline; closing their connections", "err", httpErr)
		srv.Close()
	}
	if declog != nil {
		logCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		log.Info("draining the decision log", "entries", declog.Depth())
		if err := declog.Close(logCtx); err != nil {
			return err
		}
	}
	log.Info("stopped")
	return nil
}

// seedIfEmpty stores the demo population on first start and names an
// enterprise to try.
func (o *serveOptions) seedIfEmpty(ctx context.Context, st *storage.Store, log *slog.Logger) error {
	if o.demoCount <= 0 {
		return nil
	}
	n, err := st.CountEnterprises(ctx)
	if err != nil || n > 0 {
		return err
	}
	start := time.Now()
	if err := seedDemo(ctx, st, o.demoCount, 1); err != nil {
		return fmt.Errorf("seeding demo enterprises: %w", err)
	}
	log.Info("demo population stored", "enterprises", o.demoCount, "seed", 1, "elapsed", time.Since(start).String())
	if some, err := st.SampleEnterprises(ctx, "440500", 1); err == nil && len(some) > 0 {
		fmt.Printf("demo enterprise in Shantou: %s (GET /v1/enterprises/%s)\n", some[0], some[0])
	}
	return nil
}
