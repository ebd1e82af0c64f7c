package impact

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/credpol/credpol/internal/spreadsheet"
)

// CSV writes every changed outcome, one line per enterprise and decision.
type CSV struct {
	w *csv.Writer
}

// csvHeader: decision_id is the decision-log entry of a change found in the
// log, empty for a stored enterprise.
var csvHeader = []string{"decision", "jurisdiction", "uscc", "name", "before", "after", "newly_erroring",
	"reasons_appeared", "reasons_disappeared", "before_answer", "after_answer", "decision_id"}

// NewCSV starts the export on w with a byte-order mark, so a spreadsheet
// reads the Chinese names as UTF-8, and the header line.
func NewCSV(w io.Writer) (*CSV, error) {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return nil, err
	}
	c := &CSV{w: csv.NewWriter(w)}
	return c, c.w.Write(csvHeader)
}

// Write adds one change. Every text cell is made safe to open in a spreadsheet.
func (c *CSV) Write(ch Change) error {
	before, err := json.Marshal(ch.Before)
	if err != nil {
		return err
	}
	after, err := json.Marshal(ch.After)
	if err != nil {
		return err
	}
	return c.w.Write([]string{ch.Decision, ch.Jurisdiction, spreadsheet.Cell(ch.USCC), spreadsheet.Cell(ch.Name),
		spreadsheet.Cell(ch.From), spreadsheet.Cell(ch.To), strconv.FormatBool(ch.NewlyErroring),
		strings.Join(ch.Appeared, " "), strings.Join(ch.Disappeared, " "),
		spreadsheet.Cell(string(before)), spreadsheet.Cell(string(after)), spreadsheet.Cell(ch.DecisionID)})
}

// Flush writes out what is buffered and reports any error of the export.
func (c *CSV) Flush() error {
	c.w.Flush()
	return c.w.Error()
}

// Evaluations counts the decisions taken under each tree, one per
// enterprise and decision, and one per decision-log entry.
func (r *Report) Evaluations() int64 {
	var n int64
	for _, d := range slices.Concat(r.Decisions, r.Logged) {
		n += d.Evaluated
	}
	return n
}

// WriteSummary prints the report for people: the run, newly erroring
// outcomes first, a table per decision and jurisdiction, the transitions of
// each decision's main field with examples, the reason codes that appear or
// disappear, and what was skipped.
func (r *Report) WriteSummary(w io.Writer) error {
	p := &printer{w: w}
	p.f("impact of %s against %s\n", treeName("head", r.Head), treeName("base", r.Base))
	population := "every enterprise the change can reach"
	if r.Params.Sample > 0 {
		population = fmt.Sprintf("a sample of %d (seed %q) of the enterprises the change can reach", r.Params.Sample, r.Params.Seed)
	}
	if r.Params.NoEnterprises {
		population = "no stored enterprises"
	}
	if w := r.Params.Log; w != nil {
		population += fmt.Sprintf(", and the decision log from %s to %s", w.From.Format(time.RFC3339), w.To.Format(time.RFC3339))
	}
	p.f("jurisdiction %s and below · as_of %s · %s\n", r.Params.Jurisdiction, r.Params.AsOf, population)
	elapsed := time.Duration(r.ElapsedMS) * time.Millisecond
	p.f("%d evaluations (enterprise or log entry × decision, each under both trees) in %d chunk%s, %s",
		r.Evaluations(), r.Chunks, plural(r.Chunks), elapsed)
	if secs := elapsed.Seconds(); secs > 0 {
		p.f(" (%.0f per second)", float64(r.Evaluations())/secs)
	}
	p.f("\n")

	if newlyErroring(r.Decisions)+newlyErroring(r.Logged) > 0 {
		p.f("\nNEWLY ERRORING UNDER THE HEAD TREE\n")
		for _, section := range []struct {
			what      string
			decisions []DecisionReport
		}{{"", r.Decisions}, {" (decision log)", r.Logged}} {
			for _, d := range section.decisions {
				for _, t := range d.Transitions {
					if t.NewlyErroring {
						p.f("  %s%s  %s → %s  %d\n", d.Decision, section.what, t.From, t.To, t.Count)
						p.examples(t, "    ")
					}
				}
			}
		}
	}

	if !r.Params.NoEnterprises {
		p.f("\nSTORED ENTERPRISES\n")
		if err := p.section(r.Decisions, "enterprises", false); err != nil {
			return err
		}
		if len(r.Skipped) > 0 {
			p.f("\nnot evaluated over the stored enterprises\n")
			for _, s := range r.Skipped {
				p.f("  %s: %s\n", s.Decision, s.Reason)
			}
		}
	}
	if w := r.Params.Log; w != nil {
		p.f("\nDECISION LOG, entries logged from %s to %s: as logged → under the head tree\n",
			w.From.Format(time.RFC3339), w.To.Format(time.RFC3339))
		var logged []DecisionReport
		var none []string
		for _, d := range r.Logged {
			if d.Evaluated == 0 && d.UnchangedByConstruction == 0 {
				none = append(none, d.Decision)
			} else {
				logged = append(logged, d)
			}
		}
		if err := p.section(logged, "entries", true); err != nil {
			return err
		}
		if len(none) > 0 {
			p.f("\nno entry in the window: %s\n", strings.Join(none, ", "))
		}
	}
	if len(r.Unaffected) > 0 {
		p.f("\nunchanged by construction everywhere under %s: %s\n", r.Params.Jurisdiction, strings.Join(r.Unaffected, ", "))
	}
	return p.err
}

// section prints one part of the report: a table per decision and
// jurisdiction, then each decision's transitions with examples and the
// reason codes that appear or disappear; over the decision log also the
// entries the base tree does not reproduce.
func (p *printer) section(decisions []DecisionReport, what string, logged bool) error {
	if len(decisions) == 0 {
		p.f("nothing compared\n")
		return p.err
	}
	// Every cell ends in a tab, so each column is one block however many
	// cells a row has; the blanks this leaves at the ends of lines go.
	var table bytes.Buffer
	tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
	head := "decision\tjurisdiction\tevaluated\tunchanged\tchanged\tshare\tnewly erroring\treworded\t"
	if logged {
		head += "not reproduced by base\t"
	}
	fmt.Fprintln(tw, head+"unchanged by construction ("+what+")\t")
	for _, d := range decisions {
		fmt.Fprintf(tw, "%s\t\t%d\t%d\t%d\t%s\t%d\t%d\t", d.Decision, d.Evaluated, d.Unchanged, d.Changed,
			share(d.Counts), d.NewlyErroring, d.Reworded)
		if logged {
			fmt.Fprintf(tw, "%d\t", d.NotReproduced)
		}
		fmt.Fprintf(tw, "%d\t\n", d.UnchangedByConstruction)
		for _, t := range d.Jurisdictions {
			if !t.ByConstruction && t.Evaluated > 0 {
				fmt.Fprintf(tw, "\t%s\t%d\t%d\t%d\t%s\t%d\t%d\t", t.Jurisdiction, t.Evaluated, t.Unchanged, t.Changed,
					share(t.Counts), t.NewlyErroring, t.Reworded)
				if logged {
					fmt.Fprintf(tw, "%d\t", t.NotReproduced)
				}
				fmt.Fprintln(tw, "\t")
			}
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for line := range strings.Lines(table.String()) {
		p.f("%s\n", strings.TrimRight(line, " \n"))
	}
	for _, d := range decisions {
		if len(d.Transitions) > 0 {
			p.f("\n%s: %s before → after\n", d.Decision, cmp.Or(d.MainField, "outcome"))
			p.transitions(d.Transitions)
		}
		if len(d.Reasons) > 0 {
			var parts []string
			for _, rc := range d.Reasons {
				if rc.Appeared > 0 {
					parts = append(parts, fmt.Sprintf("+%s %d", rc.Code, rc.Appeared))
				}
				if rc.Disappeared > 0 {
					parts = append(parts, fmt.Sprintf("−%s %d", rc.Code, rc.Disappeared))
				}
			}
			p.f("  reason codes: %s\n", strings.Join(parts, ", "))
		}
		if len(d.NotReproducedTransitions) > 0 {
			p.f("\n%s: not reproduced by the base tree, %s as logged → under the base tree\n", d.Decision, cmp.Or(d.MainField, "outcome"))
			p.transitions(d.NotReproducedTransitions)
		}
	}
	return p.err
}

func (p *printer) transitions(ts []Transition) {
	for _, t := range ts {
		p.f("  %s → %s  %d  (%s)\n", t.From, t.To, t.Count, perJurisdiction(t.Jurisdictions))
		p.examples(t, "    ")
	}
}

func newlyErroring(decisions []DecisionReport) int64 {
	var n int64
	for _, d := range decisions {
		n += d.NewlyErroring
	}
	return n
}

func treeName(side string, t Tree) string {
	s := side
	if t.Name != "" {
		s += " " + t.Name
	}
	s += " (revision " + t.Revision
	if t.Number > 0 {
		s += fmt.Sprintf(", number %d", t.Number)
	}
	return s + ")"
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func share(c Counts) string {
	if c.Evaluated == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(c.Changed)/float64(c.Evaluated))
}

func perJurisdiction(m map[string]int64) string {
	var parts []string
	for _, code := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", code, m[code]))
	}
	return strings.Join(parts, ", ")
}

type printer struct {
	w   io.Writer
	err error
}

func (p *printer) f(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

func (p *printer) examples(t Transition, indent string) {
	for _, e := range t.Examples {
		p.f("%s", indent)
		if e.DecisionID != "" {
			p.f("entry %s: ", e.DecisionID)
		}
		p.f("%s %s (%s)", cmp.Or(e.USCC, "(inline facts)"), e.Name, e.Jurisdiction)
		if e.After.Error != nil {
			p.f(": %s", e.After.Error.Message)
		}
		p.f("\n")
	}
}
