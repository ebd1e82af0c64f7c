// Package impactrun runs impact analyses from the policy lifecycle: a draft
// (or any revision) compared with the live revision (or any other) over the
// stored enterprises, as jobs on River's queue that any replica's worker
// takes. A run is planned by one job (the trees compared, the population cut
// into chunks by key range) and evaluated by one job per chunk; each chunk's
// partial report is stored once and merged into the run's report, which can
// be read while the run goes on. The comparison itself is internal/impact's;
// the records are the store's (admin.ImpactStore); HTTP is api/server's.
package impactrun

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/credpol/credpol/admin"
	"github.com/credpol/credpol/admin/gate"
	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/decision"
	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/impact"
	"github.com/credpol/credpol/internal/jurisdiction"
	"github.com/credpol/credpol/internal/problem"
)

// Store is what runs read and write: the run records, the enterprises, and
// the policy trees by revision hash.
type Store interface {
	admin.ImpactStore
	impact.Store
	SavePolicyRevision(ctx context.Context, revision string, files map[string][]byte) error
	PolicyFiles(ctx context.Context, revision string) (map[string][]byte, error)
}

// Queue is where a run's jobs go: River's client on the store.
type Queue interface {
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	InsertMany(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
	JobList(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error)
	JobDeleteMany(ctx context.Context, params *river.JobDeleteManyParams) (*river.JobDeleteManyResult, error)
}

// Service starts, reads and cancels runs, and is the workers' side of their
// jobs (jobs.go).
type Service struct {
	// Admin answers who may see which draft and revision; only the
	// routes' side needs it, workers do not.
	Admin *admin.Service
	Store Store
	// Queue takes the runs' jobs; set it once the job client exists.
	Queue Queue
	// Budget bounds each policy evaluation, as serving does.
	Budget time.Duration
	// Watch is how often a worker evaluating a chunk looks whether its run
	// was cancelled (every second).
	Watch time.Duration
	// OpenRuns is how many runs one person may have queued or running at
	// once (DefaultOpenRuns): a run reads every enterprise of its subtree,
	// so one caller cannot fill the queue everyone shares.
	OpenRuns int
	Now      func() time.Time

	cache caches
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Limits of what a run may ask for.
const (
	// DefaultOpenRuns is Service.OpenRuns when unset.
	DefaultOpenRuns = 3

	maxSample    = 10_000_000
	maxChunkSize = 10_000
	maxExamples  = 50
)

// Request is what starting a run takes: the head tree, a draft's content or
// a revision, against the base, a revision (the live one unless named);
// the subtree (the draft's jurisdiction, else the caller's own); and the
// options of internal/impact.
type Request struct {
	Draft        string
	BaseRevision int64
	HeadRevision int64
	Jurisdiction string
	Decisions    []string
	Sample       int
	Seed         string
	AsOf         string
	Contexts     map[string]json.RawMessage
	ChunkSize    int
	Examples     int
	// Log also re-evaluates the decision log of this window in the subtree;
	// NoEnterprises then leaves the stored enterprises out.
	Log           *impact.LogWindow
	NoEnterprises bool
}

// params are a run's options as stored with it: what every worker needs to
// plan the same comparison.
type params struct {
	Decisions     []string                   `json:"decisions,omitempty"`
	Contexts      map[string]json.RawMessage `json:"contexts,omitempty"`
	AsOf          string                     `json:"as_of"`
	Sample        int                        `json:"sample,omitempty"`
	Seed          string                     `json:"seed,omitempty"`
	ChunkSize     int                        `json:"chunk_size"`
	Examples      int                        `json:"examples"`
	Log           *impact.LogWindow          `json:"log,omitempty"`
	NoEnterprises bool                       `json:"no_enterprises,omitempty"`
}

// mayRun reports whether u may start or cancel runs: the people who change,
// review or publish policies; viewers read them.
func mayRun(u admin.User) bool {
	return u.Has(admin.Editor) || u.Has(admin.Reviewer) || u.Has(admin.Publisher)
}

// Start checks a request, plans its comparison (refusing a draft that does
// not compile, with the gate's problems), stores the run and queues it.
func (s *Service) Start(ctx context.Context, u admin.User, req Request) (View, error) {
	if !mayRun(u) {
		return View{}, forbidden("starting an impact run needs the editor, reviewer or publisher role")
	}
	if err := checkRequest(req); err != nil {
		return View{}, err
	}
	open, err := s.Store.OpenImpactRuns(ctx, u.Name)
	if err != nil {
		return View{}, unavailable(err)
	}
	if limit := cmp.Or(s.OpenRuns, DefaultOpenRuns); open >= int64(limit) {
		return View{}, problem.New(problem.RateLimited, "too_many_impact_runs",
			fmt.Sprintf("you have %d impact runs queued or running, the most one person may: wait for one to end, or cancel one", open))
	}
	base, head, code, err := s.resolveTrees(ctx, u, req)
	if err != nil {
		return View{}, err
	}
	outOfScope := forbidden(fmt.Sprintf("jurisdiction %s is outside your scope: a run reads its enterprises", code))
	known := s.Admin.Jurisdictions.Has(code)
	if known && !s.covers(u, code) {
		return View{}, outOfScope
	}
	headSet, err := s.compile(ctx, head, head.draft)
	if err != nil {
		return View{}, err
	}
	baseSet, err := s.compile(ctx, base, false)
	if err != nil {
		return View{}, err
	}
	if !baseSet.Jurisdictions().Has(code) && !headSet.Jurisdictions().Has(code) {
		return View{}, problem.New(problem.Invalid, "unknown_jurisdiction", fmt.Sprintf("neither tree has jurisdiction %q", code))
	}
	if !known && !u.Covers(headSet.Jurisdictions(), code) && !u.Covers(baseSet.Jurisdictions(), code) {
		return View{}, outOfScope // a county only the trees compared know, under the caller's subtree or not
	}
	for _, name := range req.Decisions {
		_, inBase := baseSet.Catalogue().Lookup(name)
		_, inHead := headSet.Catalogue().Lookup(name)
		if !inBase && !inHead {
			return View{}, problem.New(problem.Invalid, "unknown_decision",
				fmt.Sprintf("unknown decision %q: neither tree's catalogue defines it", name)).WithDetails(map[string]any{"decision": name})
		}
	}
	p := params{Decisions: req.Decisions, Contexts: req.Contexts, AsOf: req.AsOf, Sample: req.Sample, Seed: req.Seed,
		ChunkSize: cmp.Or(req.ChunkSize, impact.DefaultChunkSize), Examples: cmp.Or(req.Examples, impact.DefaultExamples),
		Log: req.Log, NoEnterprises: req.NoEnterprises}
	if p.AsOf == "" {
		p.AsOf = decision.Today(s.now())
	}
	run := admin.ImpactRun{ID: uuid.NewString(), Caller: u.Name, Scope: u.Jurisdictions, Jurisdiction: code,
		Base: base.record, Head: head.record, Status: admin.ImpactQueued, CreatedAt: s.now()}
	if run.Params, err = json.Marshal(p); err != nil {
		return View{}, err
	}
	plan, err := impact.NewPlan(baseSet, headSet, options(run, p))
	if err != nil {
		return View{}, problem.New(problem.Invalid, "invalid_run", err.Error())
	}
	for _, t := range []tree{base, head} {
		// Drafts move on; the run keeps the tree it compares, by its hash,
		// where every worker finds it.
		if t.files != nil {
			if err := s.Store.SavePolicyRevision(ctx, t.record.Tree, t.files); err != nil {
				return View{}, unavailable(err)
			}
		}
	}
	if err := s.Store.CreateImpactRun(ctx, run); err != nil {
		return View{}, unavailable(err)
	}
	s.cache.plans.put(run.ID, plan)
	if err := s.enqueuePlan(ctx, run.ID); err != nil {
		s.Store.CloseImpactRun(context.WithoutCancel(ctx), run.ID, admin.ImpactFailed, "", "the run could not be queued", s.now())
		return View{}, unavailable(err)
	}
	if err := s.Admin.Audit(ctx, u.Name, admin.Record{Action: admin.ActImpactStart, Object: "impact/" + run.ID, Jurisdiction: code,
		Before: run.Base.Tree, After: run.Head.Tree, Details: map[string]any{"base": run.Base, "head": run.Head, "params": json.RawMessage(run.Params)}}); err != nil {
		return View{}, err
	}
	return s.view(run)
}

func checkRequest(req Request) error {
	invalid := func(code, msg string) error { return problem.New(problem.Invalid, code, msg) }
	switch {
	case req.Draft != "" && req.HeadRevision != 0:
		return invalid("invalid_run", "name the changed tree once: a draft or head_revision, not both")
	case req.Draft == "" && req.HeadRevision == 0:
		return invalid("invalid_run", "name the changed tree: a draft, or head_revision (against base_revision, the live one by default)")
	case req.BaseRevision < 0 || req.HeadRevision < 0:
		return invalid("invalid_revision", "a revision is a number, 1 or more")
	case req.Sample < 0 || req.Sample > maxSample:
		return invalid("invalid_sample", fmt.Sprintf("sample is 0 (every enterprise) to %d", maxSample))
	case req.ChunkSize < 0 || req.ChunkSize > maxChunkSize:
		return invalid("invalid_chunk_size", fmt.Sprintf("chunk_size is 1 to %d (0 for %d)", maxChunkSize, impact.DefaultChunkSize))
	case req.Examples < 0 || req.Examples > maxExamples:
		return invalid("invalid_examples", fmt.Sprintf("examples is 1 to %d (0 for %d)", maxExamples, impact.DefaultExamples))
	case len(req.Seed) > 500:
		return invalid("invalid_seed", "seed is at most 500 bytes")
	case len(req.Decisions) > 100:
		return invalid("invalid_run", "name at most 100 decisions")
	case req.NoEnterprises && req.Log == nil:
		return invalid("invalid_run", "a run without the stored enterprises needs a decision-log window")
	case req.Log != nil && !req.Log.From.Before(req.Log.To):
		return invalid("invalid_window", "the decision-log window must end after it starts")
	}
	if req.AsOf != "" {
		if _, err := enterprise.ParseDate(req.AsOf); err != nil {
			return invalid("invalid_date", "as_of "+err.Error())
		}
	}
	for name, c := range req.Contexts {
		var obj map[string]any
		if err := json.Unmarshal(c, &obj); err != nil || obj == nil {
			return invalid("invalid_context", fmt.Sprintf("the context of %s must be a JSON object", name))
		}
		if len(req.Decisions) > 0 && !slices.Contains(req.Decisions, name) {
			return invalid("invalid_context", fmt.Sprintf("a context is given for %s, which the run does not compare", name))
		}
	}
	return nil
}

// options are the internal/impact options of a run, the same wherever
// they are made from the stored run.
func options(run admin.ImpactRun, p params) impact.Options {
	return impact.Options{BaseName: treeName(run.Base), HeadName: treeName(run.Head), Jurisdiction: run.Jurisdiction,
		Decisions: p.Decisions, AsOf: p.AsOf, Sample: p.Sample, Seed: p.Seed, Contexts: p.Contexts,
		ChunkSize: p.ChunkSize, Examples: p.Examples, Log: p.Log, NoEnterprises: p.NoEnterprises}
}

// tree is one side of a run being started: its record and, for a draft,
// the files to keep by hash.
type tree struct {
	record admin.ImpactTree
	files  map[string][]byte
	draft  bool
}

// resolveTrees finds the two trees and the subtree of a request.
func (s *Service) resolveTrees(ctx context.Context, u admin.User, req Request) (base, head tree, code string, err error) {
	code = req.Jurisdiction
	if req.Draft != "" {
		d, err := s.Admin.Draft(ctx, u, req.Draft)
		if err != nil {
			return tree{}, tree{}, "", err
		}
		files, _ := admin.Split(d.Files)
		rev, err := engine.TreeRevision(engine.FilesFS(files))
		if err != nil {
			return tree{}, tree{}, "", err
		}
		head = tree{record: admin.ImpactTree{DraftID: d.ID, DraftHash: d.Hash, Tree: rev}, files: files, draft: true}
		code = cmp.Or(code, d.Jurisdiction)
	} else {
		r, err := s.Admin.Revision(ctx, req.HeadRevision)
		if err != nil {
			return tree{}, tree{}, "", err
		}
		head = tree{record: admin.ImpactTree{Revision: r.Number, Tree: r.Tree}}
	}
	var r admin.Revision
	if req.BaseRevision != 0 {
		r, err = s.Admin.Revision(ctx, req.BaseRevision)
	} else {
		r, err = s.Admin.Live(ctx)
	}
	if err != nil {
		return tree{}, tree{}, "", err
	}
	base = tree{record: admin.ImpactTree{Revision: r.Number, Tree: r.Tree}}
	if code == "" {
		code = jurisdiction.National
		if len(u.Jurisdictions) == 1 {
			code = u.Jurisdictions[0]
		}
	}
	return base, head, code, nil
}

// covers reports whether code lies in one of u's subtrees, by the serving tree.
func (s *Service) covers(u admin.User, code string) bool {
	return u.Covers(s.Admin.Jurisdictions, code)
}

// compile returns the compiled tree, refusing a draft that does not compile
// with the problems the gate's compile check reports.
func (s *Service) compile(ctx context.Context, t tree, strict bool) (*engine.PolicySet, error) {
	ps, err := s.cache.trees.get(t.record.Tree, func() (*engine.PolicySet, error) {
		files := t.files
		if files == nil {
			var err error
			if files, err = s.Store.PolicyFiles(ctx, t.record.Tree); err != nil {
				return nil, unavailable(err)
			}
		}
		return engine.Compile(ctx, engine.FilesFS(files), engine.Options{Strict: strict, Budget: s.Budget})
	})
	if err == nil {
		return ps, nil
	}
	if _, ok := problem.As(err); ok {
		return nil, err
	}
	if t.draft {
		check := admin.GateCheck{Name: "compile", Problems: gate.Problems(err)}
		return nil, problem.New(problem.Invalid, "draft_does_not_compile",
			fmt.Sprintf("draft %s does not compile at content %s: the impact of a tree that cannot serve is not computed", t.record.DraftID, short(t.record.DraftHash))).
			WithDetails(map[string]any{"checks": []admin.GateCheck{check}})
	}
	return nil, fmt.Errorf("compiling %s: %w", treeName(t.record), err)
}

// View is a run as its readers see it: the record and the report so far.
type View struct {
	Run    admin.ImpactRun
	Report *impact.Report
}

func (s *Service) view(run admin.ImpactRun) (View, error) {
	v := View{Run: run}
	if len(run.Report) == 0 {
		return v, nil
	}
	v.Report = &impact.Report{}
	if err := json.Unmarshal(run.Report, v.Report); err != nil {
		return View{}, fmt.Errorf("the stored report of run %s: %w", run.ID, err)
	}
	v.Report.Chunks, v.Report.Total = run.ChunksDone, run.ChunksTotal
	v.Report.Base.Number, v.Report.Head.Number = run.Base.Revision, run.Head.Revision
	if !run.StartedAt.IsZero() {
		end := run.FinishedAt
		if end.IsZero() {
			end = s.now()
		}
		v.Report.ElapsedMS = end.Sub(run.StartedAt).Milliseconds()
	}
	return v, nil
}

// Run returns a run the user may see (one over a subtree in their scope),
// with its report so far.
func (s *Service) Run(ctx context.Context, u admin.User, id string) (View, error) {
	run, err := s.visible(ctx, u, id)
	if err != nil {
		return View{}, err
	}
	return s.view(run)
}

func (s *Service) visible(ctx context.Context, u admin.User, id string) (admin.ImpactRun, error) {
	if uuid.Validate(id) != nil {
		// Not an id a run could have: nothing to look up, and nothing long echoed.
		return admin.ImpactRun{}, problem.New(problem.NotFound, "impact_run_not_found", "no impact run with that id: a run's id is a UUID")
	}
	run, err := s.Store.ImpactRun(ctx, id)
	if errors.Is(err, admin.ErrNotFound) || (err == nil && !s.covers(u, run.Jurisdiction)) {
		// Another subtree's runs are not even named: their reports name enterprises.
		return admin.ImpactRun{}, problem.New(problem.NotFound, "impact_run_not_found", fmt.Sprintf("no impact run %q", id))
	}
	if err != nil {
		return admin.ImpactRun{}, unavailable(err)
	}
	return run, nil
}

// Cancel stops a run: no chunk is taken after it, and chunks being
// evaluated stop within the workers' watch interval. Its caller and
// publishers may cancel it.
func (s *Service) Cancel(ctx context.Context, u admin.User, id string) (View, error) {
	run, err := s.visible(ctx, u, id)
	if err != nil {
		return View{}, err
	}
	if !mayRun(u) || (run.Caller != u.Name && !u.Has(admin.Publisher)) {
		return View{}, forbidden(fmt.Sprintf("only %s, who started the run, or a publisher cancels it", run.Caller))
	}
	run, err = s.Store.CloseImpactRun(ctx, id, admin.ImpactCancelled, u.Name, "", s.now())
	if errors.Is(err, admin.ErrConflict) {
		run, _ = s.Store.ImpactRun(ctx, id)
		return View{}, problem.New(problem.Conflict, "impact_run_closed", fmt.Sprintf("run %s is already %s", id, run.Status))
	}
	if err != nil {
		return View{}, unavailable(err)
	}
	s.cache.plans.drop(id)
	// The run's chunks waiting in the queue go at once, rather than one by
	// one as workers take them and find the run closed; those being
	// evaluated stop at their workers' next look.
	s.dropQueued(ctx, id)
	if err := s.Admin.Audit(ctx, u.Name, admin.Record{Action: admin.ActImpactCancel, Object: "impact/" + id, Jurisdiction: run.Jurisdiction}); err != nil {
		return View{}, err
	}
	return s.view(run)
}

// DraftRun is the latest run over the draft's current content that the user
// may see; found is false when there is none.
func (s *Service) DraftRun(ctx context.Context, u admin.User, draftID string) (view View, found bool, err error) {
	d, err := s.Admin.Draft(ctx, u, draftID)
	if err != nil {
		return View{}, false, err
	}
	runs, err := s.Store.DraftImpactRuns(ctx, d.ID, d.Hash)
	if err != nil {
		return View{}, false, unavailable(err)
	}
	for _, r := range runs {
		if s.covers(u, r.Jurisdiction) {
			v, err := s.Run(ctx, u, r.ID)
			return v, err == nil, err
		}
	}
	return View{}, false, nil
}

// WriteChanges writes every changed outcome stored so far as CSV, chunk
// after chunk (internal/impact's export).
func (s *Service) WriteChanges(ctx context.Context, u admin.User, id string, w io.Writer) error {
	if _, err := s.visible(ctx, u, id); err != nil {
		return err
	}
	out, err := impact.NewCSV(w)
	if err != nil {
		return err
	}
	err = s.Store.ImpactChanges(ctx, id, func(_ int, raw []byte) error {
		var changes []impact.Change
		if err := json.Unmarshal(raw, &changes); err != nil {
			return err
		}
		for _, c := range changes {
			if err := out.Write(c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return out.Flush()
}

// treeName names a tree in reports: "revision 3", "draft … at content …".
func treeName(t admin.ImpactTree) string {
	if t.DraftID != "" {
		return fmt.Sprintf("draft %s at content %s", t.DraftID, short(t.DraftHash))
	}
	return fmt.Sprintf("revision %d", t.Revision)
}

func forbidden(msg string) error { return problem.New(problem.Forbidden, "forbidden", msg) }

func unavailable(err error) error {
	if _, ok := problem.As(err); ok {
		return err
	}
	return problem.Wrap(problem.Unavailable, "store_unavailable", "the store is not answering", err)
}

func short(hash string) string {
	if len(hash) > 12 {
		return hash[:12]
	}
	return hash
}

// Progress is how far a run is and what it found so far, per decision: the
// summary a draft's review shows.
type Progress struct {
	ChunksDone, ChunksTotal int
	impact.Counts
	Decisions []DecisionProgress
}

// DecisionProgress is one decision's counts so far.
type DecisionProgress struct {
	Decision string
	impact.Counts
	UnchangedByConstruction int64
}

// Progress sums the report so far.
func (v View) Progress() Progress {
	p := Progress{ChunksDone: v.Run.ChunksDone, ChunksTotal: v.Run.ChunksTotal, Decisions: []DecisionProgress{}}
	if v.Report == nil {
		return p
	}
	for _, d := range v.Report.Decisions {
		p.Evaluated += d.Evaluated
		p.Unchanged += d.Unchanged
		p.Changed += d.Changed
		p.NewlyErroring += d.NewlyErroring
		p.Reworded += d.Reworded
		p.Decisions = append(p.Decisions, DecisionProgress{Decision: d.Decision, Counts: d.Counts, UnchangedByConstruction: d.UnchangedByConstruction})
	}
	return p
}
