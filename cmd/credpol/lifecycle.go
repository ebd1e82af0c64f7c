package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/credpol/credpol/admin"
	"github.com/credpol/credpol/admin/gate"
	"github.com/credpol/credpol/admin/impactrun"
	"github.com/credpol/credpol/admin/replica"
	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/storage"
	"github.com/credpol/credpol/testpolicies"
)

// startLifecycle puts the server on the store's live revision. On a store
// with no revisions, the tree serve was given (--policy-dir, else the
// built-in one) and its regression suite become revision 1; after that the
// store is the only source of what serves: changes arrive as publications,
// through drafts, the gate and review (admin/), not as files on disk.
func (o *serveOptions) startLifecycle(ctx context.Context, st *storage.Store, eng *engine.Engine, log *slog.Logger, metrics prometheus.Registerer) (*admin.Service, *replica.Follower, error) {
	adm := &admin.Service{Store: st, Tokens: st, Gate: gate.Checker{Budget: o.evalBudget}}
	revs, err := st.Revisions(ctx)
	if err != nil {
		return nil, nil, err
	}
	if len(revs) == 0 {
		if err := o.bootstrap(ctx, adm, log); err != nil {
			return nil, nil, err
		}
	} else if o.policyDir != "" {
		if tree, err := engine.TreeRevision(o.policyFS()); err == nil && tree != revs[0].Tree {
			log.Warn("the tree in --policy-dir is not what serves: this store serves its live revision; push the tree as a draft (credpol policy push) to change it",
				"policy_dir", o.policyDir)
		}
	}

	follower := &replica.Follower{Source: st, Engine: eng, Notify: hangUpOr(ctx, st.WatchRevisions(ctx, log)), Log: log,
		Prepare: func(ctx context.Context, ps *engine.PolicySet) error {
			// Facts may name a county as soon as the revision that adds it serves.
			return st.SyncJurisdictions(ctx, ps.Jurisdictions())
		}}
	follower.Register(metrics)
	if err := follower.Sync(ctx); err != nil && eng.Current() == nil {
		return nil, nil, fmt.Errorf("no revision can serve: %w", err)
	}
	adm.Jurisdictions = eng.Jurisdictions()
	adm.Start(ctx, log)
	go follower.Run(ctx)
	return adm, follower, nil
}

// startImpactRuns starts this server's part in impact runs: a River client
// on the store that queues the runs started here and, unless
// --impact-workers is 0, evaluates chunks of any replica's runs, until
// stopJobs (shutdown) stops it.
func (o *serveOptions) startImpactRuns(ctx context.Context, st *storage.Store, adm *admin.Service, log *slog.Logger) (*impactrun.Service, storage.JobClient, error) {
	runs := &impactrun.Service{Admin: adm, Store: st, Budget: o.evalBudget}
	jobs, err := impactrun.StartJobs(ctx, runs, st.NewJobClient, impactrun.WorkerOptions{Workers: o.impactWorkers,
		RescueAfter: o.impactRescue, Logger: log})
	return runs, jobs, err
}

// stopJobs lets the chunks being evaluated finish for a while, then cuts
// them off: River retries them, here or on another replica.
func stopJobs(jobs storage.JobClient, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := jobs.Stop(ctx); err != nil {
		log.Warn("chunks still running at the shutdown deadline; they are retried", "err", err)
		hard, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		jobs.StopAndCancel(hard)
	}
}

// bootstrap makes the given tree revision 1, after the checks a server runs
// before serving any tree.
func (o *serveOptions) bootstrap(ctx context.Context, adm *admin.Service, log *slog.Logger) error {
	ps, err := engine.Compile(ctx, o.policyFS(), engine.Options{Budget: o.evalBudget})
	if err != nil {
		return fmt.Errorf("policies do not compile:\n%w", err)
	}
	if err := o.checkServedCorpus(ctx, ps, log); err != nil {
		return fmt.Errorf("policies refused:\n%w", err)
	}
	tests, err := admin.ReadFiles(o.suiteFS())
	if err != nil {
		return err
	}
	r, created, err := adm.Bootstrap(ctx, ps.Files(), tests, ps.Revision(), "credpol serve")
	if err != nil {
		return err
	}
	if created {
		log.Info("policy tree stored as revision 1", "revision", r.Tree)
	}
	return nil
}

// suiteFS is the regression suite beside --policy-dir, else the built-in one.
func (o *serveOptions) suiteFS() fs.FS {
	if o.policyDir != "" {
		dir := filepath.Join(filepath.Dir(filepath.Clean(o.policyDir)), "testpolicies")
		if isDir(dir) == nil {
			return os.DirFS(dir)
		}
	}
	return testpolicies.FS
}

// hangUpOr fires on every notification and on SIGHUP, which now means
// "check the live revision now" rather than "read the files again".
func hangUpOr(ctx context.Context, notify <-chan struct{}) <-chan struct{} {
	out := make(chan struct{}, 1)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-notify:
			case <-hup:
			}
			select {
			case out <- struct{}{}:
			default:
			}
		}
	}()
	return out
}

// devAdmin creates a development admin with national scope on a store with
// no users and returns its password ("" when there are users already).
func devAdmin(ctx context.Context, adm *admin.Service) (string, error) {
	users, err := adm.Store.Users(ctx)
	if err != nil || len(users) > 0 {
		return "", err
	}
	raw := make([]byte, 12)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	pw := hex.EncodeToString(raw)
	_, err = adm.CreateUser(ctx, nil, admin.NewUser{Name: "dev-admin", Password: pw, Roles: []admin.Role{admin.Admin},
		Jurisdictions: []string{admin.National}})
	return pw, err
}
