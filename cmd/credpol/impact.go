package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/impact"
	"github.com/credpol/credpol/internal/verify"
)

// impactMemoryLimit is the soft memory limit of an impact run.
const impactMemoryLimit = 512 << 20

type impactOptions struct {
	common
	base, head   string
	db           string
	jurisdiction string
	decisions    []string
	contexts     []string
	sample       int
	seed         string
	asOf         string
	csv          string
	failOver     string
	examples     int
	chunkSize    int
	json         bool
	logWindow    string
	logFrom      string
	logTo        string
	enterprises  bool
}

func impactCmd() *cobra.Command {
	o := &impactOptions{}
	cmd := &cobra.Command{
		Use:   "impact --base DIR --head DIR [--database-url URL | --db FILE] [--jurisdiction CODE] [--decisions a,b] [--sample N --seed S] [--as-of DATE] [--log-window 30d | --log-from T --log-to T] [--enterprises=false] [--csv FILE] [--fail-over 5%]",
		Short: "Compare two policy trees over the stored enterprises: what a change would do before it goes live",
		Long: "Takes every stored enterprise of the jurisdiction's subtree through each decision under both\n" +
			"trees, with its stored facts, and reports per decision and jurisdiction how many outcomes\n" +
			"changed, from what to what, for whom, and which reason codes appear or disappear. Where the\n" +
			"trees cannot answer differently (the modules and parameters a decision reads there are the\n" +
			"same), nothing is evaluated: the enterprises there are unchanged by construction. Without\n" +
			"--decisions, every decision the change can affect is compared. With --log-window (or\n" +
			"--log-from and --log-to), every decision-log entry of the window in the subtree is also taken\n" +
			"again with its logged input under both trees, and what the log answered is compared with the\n" +
			"head tree's answer; entries the base tree does not reproduce are counted apart. DIR is a\n" +
			"policy tree, or a checkout holding one in DIR/policies. Exits non-zero when a decision's\n" +
			"changed share exceeds --fail-over, for CI.\n\n" +
			"  credpol impact --base policies --head ../draft/policies --db credpol.db\n" +
			"  credpol impact --base live --head draft --database-url postgres://… --jurisdiction 230000 \\\n" +
			"      --decisions credit_grade --csv changed.csv --fail-over 5%\n" +
			"  credpol impact --base live --head draft --database-url postgres://… --log-window 30d --enterprises=false",
		Args:    cobra.NoArgs,
		PreRunE: envOverrides,
		RunE:    func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	f := cmd.Flags()
	f.StringVar(&o.base, "base", "", "the tree in force, to compare against (required)")
	f.StringVar(&o.head, "head", "", "the changed tree (required)")
	f.StringVar(&o.databaseURL, "database-url", "credpol.db", "the store holding the enterprises: postgres://… for Postgres, else a SQLite file path")
	f.StringVar(&o.db, "db", "", "a SQLite file holding the enterprises (instead of --database-url)")
	f.StringVar(&o.logLevel, "log-level", "warn", "debug, info, warn or error")
	f.StringVar(&o.jurisdiction, "jurisdiction", "", "evaluate the enterprises of this jurisdiction and those below it (default: all)")
	f.StringSliceVar(&o.decisions, "decisions", nil, "the decisions to compare, comma-separated (default: every decision the change can affect)")
	f.StringArrayVar(&o.contexts, "context", nil, `a decision's context, DECISION=JSON, e.g. penalty_discretion='{"violation":{"first_offense":true}}' (repeatable)`)
	f.IntVar(&o.sample, "sample", 0, "evaluate only this many enterprises, drawn by --seed from those the change can reach")
	f.StringVar(&o.seed, "seed", "", "the seed of --sample; the same seed draws the same enterprises")
	f.StringVar(&o.asOf, "as-of", "", "the decision date YYYY-MM-DD (default: today in Asia/Shanghai)")
	f.StringVar(&o.csv, "csv", "", "write every changed outcome (enterprise × decision) to this CSV file")
	f.StringVar(&o.failOver, "fail-over", "", "exit non-zero when more than this share of a decision's evaluated outcomes changed, e.g. 5%")
	f.IntVar(&o.examples, "examples", impact.DefaultExamples, "enterprises shown per transition")
	f.IntVar(&o.chunkSize, "chunk-size", impact.DefaultChunkSize, "enterprises per chunk of work")
	f.BoolVar(&o.json, "json", false, "print the whole report as JSON instead of the summary")
	f.StringVar(&o.logWindow, "log-window", "", "also re-evaluate the decision log of this last span, e.g. 30d or 12h")
	f.StringVar(&o.logFrom, "log-from", "", "also re-evaluate the decision log from this time (RFC 3339, or a date: midnight UTC)")
	f.StringVar(&o.logTo, "log-to", "", "the end of the decision-log window, exclusive (default: now)")
	f.BoolVar(&o.enterprises, "enterprises", true, "compare over the stored enterprises; --enterprises=false reads only the decision log")
	return cmd
}

// window reads the decision-log flags: nil when none is given.
func (o *impactOptions) window(now time.Time) (*impact.LogWindow, error) {
	return impact.WindowSpec{Span: o.logWindow, From: o.logFrom, To: o.logTo,
		Names: [3]string{"--log-window", "--log-from", "--log-to"}}.Window(now)
}

func (o *impactOptions) run(cmd *cobra.Command) error {
	ctx := cmd.Context()
	if o.base == "" || o.head == "" {
		return errors.New("name both trees: --base DIR (in force) and --head DIR (changed)")
	}
	limit, err := parseShare(o.failOver)
	if err != nil {
		return err
	}
	if o.db != "" {
		if cmd.Flags().Changed("database-url") {
			return errors.New("--db and --database-url name two stores: give one")
		}
		if _, err := os.Stat(o.db); err != nil {
			return fmt.Errorf("--db %s: %w", o.db, err)
		}
		o.databaseURL = o.db
	}
	contexts, err := parseContexts(o.contexts)
	if err != nil {
		return err
	}
	window, err := o.window(time.Now())
	if err != nil {
		return err
	}
	if !o.enterprises && window == nil {
		return errors.New("--enterprises=false leaves only the decision log: give its window with --log-window or --log-from")
	}
	base, baseDir, err := impactTree(cmd, o.base)
	if err != nil {
		return err
	}
	head, headDir, err := impactTree(cmd, o.head)
	if err != nil {
		return err
	}
	manyDecisionsGC()
	if os.Getenv("GOMEMLIMIT") == "" {
		// GOGC 400 lets the heap grow to five times what is live; a run keeps
		// little live (a chunk or three and its verdicts), so a soft limit
		// holds it well under a gibibyte at almost no cost in collection.
		debug.SetMemoryLimit(impactMemoryLimit)
	}
	// An impact run only reads: it never migrates the store it is pointed at.
	st, err := o.openStore(ctx, o.logger(), false)
	if err != nil {
		return err
	}
	defer st.Close()

	stderr := cmd.ErrOrStderr()
	run := impact.Local{Store: st, Progress: func(done, total int) {
		// A long run says how far it is, every tenth of the way.
		if total >= 10 && done*10/total != (done-1)*10/total {
			fmt.Fprintf(stderr, "%d of %d chunks done\n", done, total)
		}
	}}
	var export *impact.CSV
	if o.csv != "" {
		f, err := os.Create(o.csv)
		if err != nil {
			return err
		}
		defer f.Close()
		if export, err = impact.NewCSV(f); err != nil {
			return err
		}
		run.OnChange = export.Write
	}
	rep, err := run.Run(ctx, base, head, impact.Options{
		BaseName: baseDir, HeadName: headDir, Jurisdiction: o.jurisdiction, Decisions: o.decisions,
		AsOf: o.asOf, Sample: o.sample, Seed: o.seed, Contexts: contexts, ChunkSize: o.chunkSize, Examples: o.examples,
		Log: window, NoEnterprises: !o.enterprises,
	})
	if err != nil {
		return err
	}
	if export != nil {
		if err := export.Flush(); err != nil {
			return fmt.Errorf("writing %s: %w", o.csv, err)
		}
	}
	out := cmd.OutOrStdout()
	if o.json {
		err = writeIndented(out, rep)
	} else {
		err = rep.WriteSummary(out)
	}
	if err != nil {
		return err
	}
	if share, name := rep.ChangedShare(); limit >= 0 && share > limit {
		return fmt.Errorf("%.1f%% of %s's evaluated outcomes changed, over --fail-over %s", 100*share, name, o.failOver)
	}
	return nil
}

// impactTree compiles the tree in dir, or in dir/policies when dir is a
// checkout rather than a tree, and says which it took.
func impactTree(cmd *cobra.Command, dir string) (*engine.PolicySet, string, error) {
	if err := isDir(dir); err != nil {
		return nil, "", fmt.Errorf("policy directory %s: %w", dir, err)
	}
	if _, err := os.Stat(filepath.Join(dir, engine.CatalogueFile)); err != nil && isDir(filepath.Join(dir, defaultPolicyDir)) == nil {
		dir = filepath.Join(dir, defaultPolicyDir)
	}
	dir = filepath.Clean(dir)
	ps, err := engine.Compile(cmd.Context(), os.DirFS(dir), engine.Options{})
	if err != nil {
		return nil, "", fmt.Errorf("the policy tree in %s does not compile:\n%w", dir, verify.LocateIn(filepath.ToSlash(dir), err))
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "policy tree: %s, revision %s\n", filepath.ToSlash(dir), ps.Revision())
	return ps, filepath.ToSlash(dir), nil
}

// parseShare reads --fail-over: a percentage, with or without %, as a
// fraction; -1 when not given.
func parseShare(s string) (float64, error) {
	if s == "" {
		return -1, nil
	}
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "%"), 64)
	if err != nil || v < 0 || v > 100 {
		return 0, fmt.Errorf("--fail-over %q: give a percentage from 0 to 100, e.g. 5%%", s)
	}
	return v / 100, nil
}

// parseContexts reads each --context DECISION=JSON.
func parseContexts(given []string) (map[string]json.RawMessage, error) {
	out := map[string]json.RawMessage{}
	for _, c := range given {
		name, raw, ok := strings.Cut(c, "=")
		if !ok || name == "" || !json.Valid([]byte(raw)) {
			return nil, fmt.Errorf("--context %q: give DECISION=JSON, e.g. registration_change='{\"application\":{\"kind\":\"filing\"}}'", c)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("--context: two contexts for %s", name)
		}
		out[name] = json.RawMessage(raw)
	}
	return out, nil
}
