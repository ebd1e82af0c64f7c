package verify

import (
	"maps"
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/cover"
)

// policyCoverage keeps the files of the policy tree only. OPA's report also
// counts the test files it traced, which are nearly all covered and would
// lift the percentage a threshold is meant to hold the policies to.
func policyCoverage(r cover.Report, policies map[string]*ast.Module) *cover.Report {
	out := &cover.Report{Files: map[string]*cover.FileReport{}}
	for name, f := range r.Files {
		if _, ok := policies[name]; ok {
			out.Files[name] = f
		}
	}
	total(out)
	return out
}

// total sums the files' lines as OPA does.
func total(r *cover.Report) {
	r.CoveredLines, r.NotCoveredLines, r.Coverage = 0, 0, 0
	for _, f := range r.Files {
		r.CoveredLines += f.CoveredLines
		r.NotCoveredLines += f.NotCoveredLines
	}
	if n := r.CoveredLines + r.NotCoveredLines; n > 0 {
		r.Coverage = 100 * float64(r.CoveredLines) / float64(n)
	}
}

// mergeCoverage combines two runs over the same policy tree: a range is
// covered when either run covered it, and not covered when neither did, the
// rule OPA applies within one run.
func mergeCoverage(a, b *cover.Report) *cover.Report {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	out := &cover.Report{Files: map[string]*cover.FileReport{}}
	for _, name := range slices.Sorted(maps.Keys(a.Files)) {
		out.Files[name] = a.Files[name]
	}
	for name, fb := range b.Files {
		fa, ok := out.Files[name]
		if !ok {
			out.Files[name] = fb
			continue
		}
		covered := unique(append(slices.Clone(fa.Covered), fb.Covered...))
		var notCovered []cover.Range
		for _, r := range unique(append(slices.Clone(fa.NotCovered), fb.NotCovered...)) {
			if !containedIn(r, covered) {
				notCovered = append(notCovered, r)
			}
		}
		f := &cover.FileReport{Covered: covered, NotCovered: notCovered,
			CoveredLines: rowCount(covered), NotCoveredLines: rowCount(notCovered)}
		if n := f.CoveredLines + f.NotCoveredLines; n > 0 {
			f.Coverage = 100 * float64(f.CoveredLines) / float64(n)
		}
		out.Files[name] = f
	}
	total(out)
	return out
}

func unique(rs []cover.Range) []cover.Range {
	slices.SortFunc(rs, cover.Range.Compare)
	return slices.CompactFunc(rs, func(x, y cover.Range) bool { return x.Start == y.Start && x.End == y.End })
}

func containedIn(r cover.Range, in []cover.Range) bool {
	for _, c := range in {
		starts := c.Start.Row < r.Start.Row || (c.Start.Row == r.Start.Row && c.Start.Col <= r.Start.Col)
		ends := c.End.Row > r.End.Row || (c.End.Row == r.End.Row && c.End.Col >= r.End.Col)
		if starts && ends {
			return true
		}
	}
	return false
}

func rowCount(rs []cover.Range) int { return len(rows(rs)) }

// rows are the line numbers the ranges span.
func rows(rs []cover.Range) map[int]bool {
	out := map[int]bool{}
	for _, r := range rs {
		for row := r.Start.Row; row <= r.End.Row; row++ {
			out[row] = true
		}
	}
	return out
}

// FileCoverage is one policy file's line coverage, for reports.
type FileCoverage struct {
	File       string  // relative to the policy tree
	Percent    float64 // OPA's figure for the file
	Covered    int
	Lines      int          // covered and not covered
	NotCovered []int        // lines with an expression no test or case reached
	Hits       map[int]bool // every line counted: whether a test or case reached it
}

// Files lists the coverage of every policy file, by name.
func (r *Report) Files() []FileCoverage {
	if r.Coverage == nil {
		return nil
	}
	var out []FileCoverage
	for _, name := range slices.Sorted(maps.Keys(r.Coverage.Files)) {
		f := r.Coverage.Files[name]
		fc := FileCoverage{File: name, Percent: f.Coverage, Covered: f.CoveredLines,
			Lines: f.CoveredLines + f.NotCoveredLines, Hits: map[int]bool{}}
		if fc.Lines == 0 {
			fc.Percent = 100 // nothing to evaluate, nothing missed
		}
		// A line can hold an expression that ran and one that did not: OPA
		// counts it on both sides, and so does NotCovered, so the lines
		// listed account for the percentage. In Hits it counts as reached.
		for row := range rows(f.NotCovered) {
			fc.Hits[row] = false
			fc.NotCovered = append(fc.NotCovered, row)
		}
		for row := range rows(f.Covered) {
			fc.Hits[row] = true
		}
		slices.Sort(fc.NotCovered)
		out = append(out, fc)
	}
	return out
}
