package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"
	"github.com/spf13/cobra"

	"github.com/credpol/credpol/storage"
	"github.com/credpol/credpol/testpolicies"
	"github.com/credpol/credpol/verify"
)

func testCmd() *cobra.Command {
	var o common
	var outFormat, run string
	var coverage bool
	var threshold float64
	cmd := &cobra.Command{
		Use:   "test [TESTDIR...]",
		Short: "Run the Rego regression suite and the decision cases against the policy tree",
		Long: "Runs every *_test.rego and every YAML decision case (cases/*.yaml) in the test directories\n" +
			"(default: the suite built into the binary) against --policy-dir (default: the built-in tree).\n" +
			"Exits non-zero when a test fails or coverage is under --threshold.",
		PreRunE: envOverrides,
		RunE: func(cmd *cobra.Command, dirs []string) error {
			ctx := cmd.Context()
			reg, err := storage.ShippedJurisdictions(ctx)
			if err != nil {
				return err
			}
			rep := &verify.Report{}
			for _, tests := range testTrees(dirs) {
				r, err := verify.Run(ctx, verify.Suite{Policies: o.policyFS(), Tests: tests, Jurisdictions: reg},
					verify.Options{Run: run, Coverage: coverage || threshold > 0})
				if err != nil {
					return err
				}
				rep.Results = append(rep.Results, r.Results...)
				rep.Coverage = r.Coverage
			}
			if err := writeReport(os.Stdout, outFormat, rep); err != nil {
				return err
			}
			switch {
			case len(rep.Results) == 0:
				return errors.New("no test ran")
			case rep.Failed() > 0:
				return fmt.Errorf("%d of %d tests failed", rep.Failed(), len(rep.Results))
			case rep.Coverage != nil && rep.Coverage.Coverage < threshold:
				return fmt.Errorf("policy coverage %.1f%% is under the threshold %.1f%%", rep.Coverage.Coverage, threshold)
			}
			return nil
		},
	}
	o.register(cmd)
	cmd.Flags().StringVar(&outFormat, "format", "pretty", "pretty, json or junit")
	cmd.Flags().StringVar(&run, "run", "", "only tests whose package.name (Rego) or decision/name (cases) matches this regular expression")
	cmd.Flags().BoolVar(&coverage, "coverage", false, "report which policy lines the Rego tests evaluate")
	cmd.Flags().Float64Var(&threshold, "threshold", 0, "fail when policy line coverage is under this percentage (implies --coverage)")
	return cmd
}

func testTrees(dirs []string) []fs.FS {
	if len(dirs) == 0 {
		return []fs.FS{testpolicies.FS}
	}
	out := make([]fs.FS, len(dirs))
	for i, d := range dirs {
		out[i] = os.DirFS(d)
	}
	return out
}

func writeReport(w io.Writer, format string, rep *verify.Report) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	case "junit":
		return writeJUnit(w, rep)
	case "pretty":
		for _, r := range rep.Results {
			if !r.Passed {
				fmt.Fprintf(w, "FAIL %s.%s (%s:%d)\n     %s\n", r.Package, r.Name, r.File, r.Row, r.Error)
			}
		}
		if rep.Coverage != nil {
			fmt.Fprintf(w, "policy coverage: %.1f%% (%d of %d lines)\n", rep.Coverage.Coverage,
				rep.Coverage.CoveredLines, rep.Coverage.CoveredLines+rep.Coverage.NotCoveredLines)
			printUncovered(w, rep)
		}
		fmt.Fprintf(w, "%d passed, %d failed\n", len(rep.Results)-rep.Failed(), rep.Failed())
		return nil
	}
	return fmt.Errorf("unknown format %q: use pretty, json or junit", format)
}

func printUncovered(w io.Writer, rep *verify.Report) {
	var files []string
	for name, f := range rep.Coverage.Files {
		if len(f.NotCovered) > 0 {
			files = append(files, name)
		}
	}
	sort.Strings(files)
	for _, name := range files {
		var lines []string
		for _, r := range rep.Coverage.Files[name].NotCovered {
			lines = append(lines, fmt.Sprintf("%d-%d", r.Start.Row, r.End.Row))
		}
		fmt.Fprintf(w, "  not covered: %s lines %s\n", name, strings.Join(lines, ","))
	}
}

type junitSuite struct {
	XMLName  xml.Name    `xml:"testsuite"`
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Class   string        `xml:"classname,attr"`
	Name    string        `xml:"name,attr"`
	Time    float64       `xml:"time,attr"`
	Failure *junitFailure `xml:"failure,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

func writeJUnit(w io.Writer, rep *verify.Report) error {
	s := junitSuite{Name: "credpol", Tests: len(rep.Results), Failures: rep.Failed()}
	for _, r := range rep.Results {
		c := junitCase{Class: r.Package, Name: r.Name, Time: r.Duration.Seconds()}
		if !r.Passed {
			c.Failure = &junitFailure{Message: r.Error, Text: fmt.Sprintf("%s:%d", r.File, r.Row)}
		}
		s.Cases = append(s.Cases, c)
	}
	io.WriteString(w, xml.Header)
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(s); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func fmtCmd() *cobra.Command {
	var check bool
	cmd := &cobra.Command{
		Use:   "fmt [DIR...]",
		Short: "Format Rego files in place (default: policies and testpolicies); --check only lists unformatted files",
		RunE: func(cmd *cobra.Command, dirs []string) error {
			if len(dirs) == 0 {
				dirs = []string{"policies", "testpolicies"}
			}
			var unformatted []string
			for _, dir := range dirs {
				err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
					if err != nil || d.IsDir() || filepath.Ext(p) != ".rego" {
						return err
					}
					src, err := os.ReadFile(p)
					if err != nil {
						return err
					}
					out, err := format.SourceWithOpts(p, src, format.Opts{RegoVersion: ast.RegoV1})
					if err != nil {
						return err
					}
					if bytes.Equal(src, out) {
						return nil
					}
					unformatted = append(unformatted, p)
					if check {
						return nil
					}
					return os.WriteFile(p, out, 0o644)
				})
				if err != nil {
					return err
				}
			}
			for _, p := range unformatted {
				fmt.Println(p)
			}
			if check && len(unformatted) > 0 {
				return fmt.Errorf("%d files are not formatted", len(unformatted))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&check, "check", false, "list unformatted files and fail instead of rewriting them")
	return cmd
}
