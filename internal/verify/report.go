package verify

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// WriteJSON writes the whole report as indented JSON.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WritePretty writes the report for people: every failure with its file
// and line, each policy file's coverage, whether the threshold was met, and
// a count. With all, passing and skipped tests are listed too, under the
// names --run matches.
func WritePretty(w io.Writer, r *Report, all bool) error {
	for _, res := range r.Results {
		switch {
		case res.Skipped:
			if all {
				fmt.Fprintf(w, "SKIP %s (%s:%d)\n", res.ID, res.File, res.Row)
			}
		case !res.Passed:
			fmt.Fprintf(w, "FAIL %s (%s:%d)\n     %s\n", res.ID, res.File, res.Row, indent(res.Error))
		case all:
			fmt.Fprintf(w, "ok   %s (%s:%d)\n", res.ID, res.File, res.Row)
		}
	}
	if r.Coverage != nil {
		fmt.Fprintf(w, "policy coverage: %.1f%% (%d of %d lines)\n", r.Coverage.Coverage,
			r.Coverage.CoveredLines, r.Coverage.CoveredLines+r.Coverage.NotCoveredLines)
		for _, f := range r.Files() {
			fmt.Fprintf(w, "  %5.1f%%  %s (%d of %d lines", f.Percent, path.Join(r.Policies, f.File), f.Covered, f.Lines)
			if len(f.NotCovered) > 0 {
				fmt.Fprintf(w, "; not covered: %s", lineRanges(f.NotCovered))
			}
			fmt.Fprintln(w, ")")
		}
		switch {
		case r.CoverageFailure != "":
			fmt.Fprintf(w, "FAIL coverage\n     %s\n", r.CoverageFailure)
		case r.Threshold > 0:
			fmt.Fprintf(w, "ok   coverage (at least %.1f%%)\n", r.Threshold)
		}
	}
	fmt.Fprintf(w, "%d passed, %d failed", len(r.Results)-r.Failed()-r.Skipped(), r.Failed())
	if n := r.Skipped(); n > 0 {
		fmt.Fprintf(w, ", %d skipped", n)
	}
	if r.CoverageFailure != "" {
		fmt.Fprint(w, ", coverage under the threshold")
	}
	_, err := fmt.Fprintln(w)
	return err
}

// indent keeps a multi-line error under its FAIL line.
func indent(s string) string { return strings.ReplaceAll(s, "\n", "\n     ") }

// lineRanges writes sorted line numbers as "3, 7-9".
func lineRanges(lines []int) string {
	var parts []string
	for i := 0; i < len(lines); {
		j := i
		for j+1 < len(lines) && lines[j+1] == lines[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, strconv.Itoa(lines[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", lines[i], lines[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

type junitSuite struct {
	XMLName    xml.Name        `xml:"testsuite"`
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       float64         `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Class   string        `xml:"classname,attr"`
	Name    string        `xml:"name,attr"`
	File    string        `xml:"file,attr,omitempty"`
	Line    int           `xml:"line,attr,omitempty"`
	Time    float64       `xml:"time,attr"`
	Failure *junitFailure `xml:"failure,omitempty"`
	Skipped *struct{}     `xml:"skipped,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the report as one JUnit testsuite. A test's classname
// and name joined by a dot are its ID. The tree, its revision and the
// coverage (overall and per file) are properties of the suite; with a
// threshold, coverage is also a test case named "coverage", failed when the
// policies fall under it, so CI shows the reason where it shows failures.
func WriteJUnit(w io.Writer, r *Report) error {
	s := junitSuite{Name: "credpol", Tests: len(r.Results), Failures: r.Failed(), Skipped: r.Skipped()}
	s.Properties = append(s.Properties, junitProperty{"policies", r.Policies}, junitProperty{"revision", r.Revision})
	if r.Builtin {
		s.Properties = append(s.Properties, junitProperty{"builtin", "true"})
	}
	for _, t := range r.Tests {
		s.Properties = append(s.Properties, junitProperty{"tests", t})
	}
	for _, res := range r.Results {
		c := junitCase{Class: res.Package, Name: res.Name, File: res.File, Line: res.Row, Time: res.Duration.Seconds()}
		switch {
		case res.Skipped:
			c.Skipped = &struct{}{}
		case !res.Passed:
			c.Failure = &junitFailure{Message: firstLine(res.Error), Text: fmt.Sprintf("%s:%d: %s", res.File, res.Row, res.Error)}
		}
		s.Time += c.Time
		s.Cases = append(s.Cases, c)
	}
	if r.Coverage != nil {
		s.Properties = append(s.Properties,
			junitProperty{"coverage", fmt.Sprintf("%.1f", r.Coverage.Coverage)},
			junitProperty{"coverage.covered_lines", strconv.Itoa(r.Coverage.CoveredLines)},
			junitProperty{"coverage.lines", strconv.Itoa(r.Coverage.CoveredLines + r.Coverage.NotCoveredLines)})
		if r.Threshold > 0 {
			s.Properties = append(s.Properties, junitProperty{"coverage.threshold", fmt.Sprintf("%.1f", r.Threshold)})
		}
		var missed []string
		for _, f := range r.Files() {
			name := path.Join(r.Policies, f.File)
			s.Properties = append(s.Properties, junitProperty{"coverage " + name, fmt.Sprintf("%.1f", f.Percent)})
			if len(f.NotCovered) > 0 {
				missed = append(missed, fmt.Sprintf("%s: %.1f%%, not covered: %s", name, f.Percent, lineRanges(f.NotCovered)))
			}
		}
		if r.Threshold > 0 {
			c := junitCase{Class: "credpol", Name: "coverage", File: r.Policies}
			if r.CoverageFailure != "" {
				c.Failure = &junitFailure{Message: r.CoverageFailure, Text: r.CoverageFailure + "\n" + strings.Join(missed, "\n")}
				s.Failures++
			}
			s.Tests++
			s.Cases = append(s.Cases, c)
		}
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(s); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func firstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}
