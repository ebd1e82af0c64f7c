package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/credpol/credpol/internal/impact"
)

// remoteImpactRun is the part of an impact run's answer the command reads.
type remoteImpactRun struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Error    string `json:"error"`
	Progress struct {
		ChunksDone  int   `json:"chunks_done"`
		ChunksTotal int   `json:"chunks_total"`
		Evaluated   int64 `json:"evaluated"`
		Changed     int64 `json:"changed"`
	} `json:"progress"`
	Report *impact.Report `json:"report"`
}

func (r remoteImpactRun) closed() bool {
	return r.Status == "done" || r.Status == "cancelled" || r.Status == "failed"
}

// impactCmd starts an impact run of a draft on the server (its workers, on
// every replica, evaluate it) and, with --wait, prints its summary table as
// credpol impact does.
func (o *policyOptions) impactCmd() *cobra.Command {
	var (
		sample                    int
		seed, asOf, code          string
		logWindow, logFrom, logTo string
		enterprises               bool
		decisions                 []string
		wait                      time.Duration
		csvPath                   string
	)
	cmd := &cobra.Command{
		Use:   "impact DRAFT [--sample N --seed S] [--decisions a,b] [--jurisdiction CODE] [--as-of DATE] [--log-window 30d | --log-from T --log-to T] [--enterprises=false] [--wait [30m]] [--csv FILE]",
		Short: "What the draft would do over the stored enterprises, against the live revision",
		Long: "Starts an impact run of the draft's current content against the live revision on the server,\n" +
			"over the enterprises of the draft's jurisdiction (or --jurisdiction), and prints the run's id.\n" +
			"With --wait it waits for the run, saying how far it is, and prints the summary table; the\n" +
			"reviewer of the draft sees the same run with its status. Exits non-zero when the run fails or is\n" +
			"cancelled. With --log-window (or --log-from and --log-to) the server also re-evaluates every\n" +
			"decision-log entry of the window in the subtree; --enterprises=false reads only the log.",
		Args: cobra.ExactArgs(1),
		RunE: o.runE(func(ctx context.Context, c *adminClient, w io.Writer, args []string) error {
			req := map[string]any{"draft": args[0], "decisions": decisions, "sample": sample, "seed": seed,
				"as_of": asOf, "jurisdiction": code, "log_window": logWindow, "log_from": logFrom, "log_to": logTo,
				"enterprises": enterprises}
			var run remoteImpactRun
			raw, err := c.call(ctx, http.MethodPost, "/admin/v1/impact-runs", req, &run)
			if err != nil {
				return err
			}
			if wait <= 0 {
				o.show(w, raw, func() {
					fmt.Fprintf(w, "impact run %s %s\n", run.ID, run.Status)
					fmt.Fprintf(w, "its report: credpol policy impact %s --wait, or GET /admin/v1/impact-runs/%s\n", args[0], run.ID)
				})
				return nil
			}
			fmt.Fprintf(os.Stderr, "impact run %s\n", run.ID)
			if raw, run, err = waitImpactRun(ctx, c, run, time.Now().Add(wait)); err != nil {
				return err
			}
			if csvPath != "" {
				if err := saveImpactCSV(ctx, c, run.ID, csvPath); err != nil {
					return err
				}
			}
			o.show(w, raw, func() {
				if run.Report != nil {
					run.Report.WriteSummary(w)
				}
			})
			switch {
			case run.Status == "failed":
				return fmt.Errorf("impact run %s failed: %s", run.ID, run.Error)
			case run.Status == "cancelled":
				return fmt.Errorf("impact run %s was cancelled", run.ID)
			case !run.closed():
				return fmt.Errorf("impact run %s is still %s after %s (%d of %d chunks); it goes on on the server",
					run.ID, run.Status, wait, run.Progress.ChunksDone, run.Progress.ChunksTotal)
			}
			return nil
		}),
	}
	f := cmd.Flags()
	f.IntVar(&sample, "sample", 0, "evaluate only this many enterprises, drawn by --seed from those the change can reach")
	f.StringVar(&seed, "seed", "", "the seed of --sample; the same seed draws the same enterprises")
	f.StringSliceVar(&decisions, "decisions", nil, "the decisions to compare, comma-separated (default: every decision the change can affect)")
	f.StringVar(&code, "jurisdiction", "", "evaluate this subtree's enterprises (default: the draft's jurisdiction)")
	f.StringVar(&asOf, "as-of", "", "the decision date YYYY-MM-DD (default: today in Asia/Shanghai)")
	f.StringVar(&logWindow, "log-window", "", "also re-evaluate the decision log of this last span, e.g. 30d or 12h")
	f.StringVar(&logFrom, "log-from", "", "also re-evaluate the decision log from this time (RFC 3339, or a date: midnight UTC)")
	f.StringVar(&logTo, "log-to", "", "the end of the decision-log window, exclusive (default: now)")
	f.BoolVar(&enterprises, "enterprises", true, "evaluate the stored enterprises (false: only the decision log of the window)")
	f.DurationVar(&wait, "wait", 0, "wait up to this long for the run and print its summary (--wait alone: 30m)")
	f.Lookup("wait").NoOptDefVal = "30m"
	f.StringVar(&csvPath, "csv", "", "with --wait, write every changed outcome to this CSV file")
	return cmd
}

// waitImpactRun polls the run until it closes or the deadline passes,
// saying on standard error how far it is when that changes.
func waitImpactRun(ctx context.Context, c *adminClient, run remoteImpactRun, deadline time.Time) ([]byte, remoteImpactRun, error) {
	pause, said := 200*time.Millisecond, -1
	for {
		raw, err := c.call(ctx, http.MethodGet, "/admin/v1/impact-runs/"+run.ID, nil, &run)
		if err != nil {
			return nil, run, err
		}
		if p := run.Progress; p.ChunksTotal > 0 && p.ChunksDone != said {
			said = p.ChunksDone
			fmt.Fprintf(os.Stderr, "%d of %d chunks, %d evaluated, %d changed\n", p.ChunksDone, p.ChunksTotal, p.Evaluated, p.Changed)
		}
		if run.closed() || time.Now().Add(pause).After(deadline) {
			return raw, run, nil
		}
		select {
		case <-ctx.Done():
			return nil, run, ctx.Err()
		case <-time.After(pause):
		}
		pause = min(pause*2, 2*time.Second)
	}
}

func saveImpactCSV(ctx context.Context, c *adminClient, id, path string) error {
	raw, err := c.do(ctx, http.MethodGet, "/admin/v1/impact-runs/"+id+"/changes.csv", nil)
	if err != nil {
		return err
	}
	return os.WriteFile(path, raw, 0o644)
}
