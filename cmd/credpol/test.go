package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"
	"github.com/spf13/cobra"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/verify"
	"github.com/credpol/credpol/testpolicies"
)

type testOptions struct {
	common
	format, match  string
	coverage       bool
	threshold      float64
	coverageReport string
	verbose        bool
}

func testCmd() *cobra.Command {
	o := &testOptions{}
	cmd := &cobra.Command{
		Use:   "test [TESTDIR...]",
		Short: "Run the Rego tests and the decision cases on disk against the policy tree on disk",
		Long: "Runs every *_test.rego and every YAML decision case (cases/*.yaml) in the test directories\n" +
			"(default: ./testpolicies, or the testpolicies directory beside --policy-dir) against the\n" +
			"policy tree (default: ./policies). --builtin runs the suite built into the binary against\n" +
			"the built-in tree. Test names are shown as --run matches them.\n" +
			"Exits non-zero when a test fails or coverage is under --threshold.",
		PreRunE: envOverrides,
		RunE:    func(cmd *cobra.Command, dirs []string) error { return o.run(cmd, dirs) },
	}
	o.register(cmd)
	o.registerTree(cmd)
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "pretty", "pretty, json or junit")
	f.StringVar(&o.match, "run", "", "only tests whose name, as the output shows it (j230000.credit_grade_test.test_…, cases.supervision.…), matches this regular expression")
	f.BoolVar(&o.coverage, "coverage", false, "report which policy lines the tests and cases evaluate, per file")
	f.Float64Var(&o.threshold, "threshold", 0, "fail when policy line coverage is under this percentage (implies --coverage)")
	f.StringVar(&o.coverageReport, "coverage-report", "", "also write the coverage as Cobertura XML to this file, for CI (implies --coverage)")
	f.BoolVarP(&o.verbose, "verbose", "v", false, "pretty output: list passing and skipped tests too")
	return cmd
}

// testTree is one test directory and how reports name it.
type testTree struct {
	fsys fs.FS
	path string
}

func (o *testOptions) run(cmd *cobra.Command, dirs []string) error {
	if o.format != "pretty" && o.format != "json" && o.format != "junit" {
		return fmt.Errorf("unknown format %q: use pretty, json or junit", o.format)
	}
	ctx := cmd.Context()
	stderr := cmd.ErrOrStderr()
	tree, err := o.toolTree(stderr)
	if err != nil {
		return err
	}
	tests, err := testTrees(tree, dirs)
	if err != nil {
		return err
	}
	names := make([]string, len(tests))
	for i, t := range tests {
		names[i] = t.path
	}
	fmt.Fprintf(stderr, "tests: %s\n", strings.Join(names, ", "))
	// The cases resolve along the tree's own jurisdictions.json; when it is
	// invalid, Run's compile reports why, with file and line.
	reg, _, _ := engine.ReadTreeData(tree.fsys)
	opts := verify.Options{Run: o.match, Coverage: o.coverage || o.coverageReport != "", Threshold: o.threshold, Lang: langOf(ctx)}
	rep := &verify.Report{}
	for _, t := range tests {
		r, err := verify.Run(ctx, verify.Suite{Policies: tree.fsys, Tests: t.fsys, Jurisdictions: reg,
			PoliciesPath: tree.path, TestsPath: t.path}, opts)
		if err != nil {
			return err
		}
		rep.Merge(r)
	}
	rep.Builtin = tree.builtin()
	if err := writeReport(cmd.OutOrStdout(), o.format, rep, o.verbose); err != nil {
		return err
	}
	if o.coverageReport != "" {
		if err := writeCobertura(o.coverageReport, tree, rep); err != nil {
			return err
		}
	}
	// A failed corpus check does not hide the tests' verdict, nor the reverse.
	return errors.Join(o.verdict(rep), checkTreeCorpus(ctx, stderr, tree, tests))
}

// testTrees are the directories named, else the suite beside the policy
// tree: ./testpolicies for ./policies, the built-in suite for the built-in tree.
func testTrees(tree policyTree, dirs []string) ([]testTree, error) {
	if len(dirs) == 0 && tree.builtin() {
		return []testTree{{testpolicies.FS, "testpolicies"}}, nil
	}
	if len(dirs) == 0 {
		beside := filepath.Join(filepath.Dir(tree.dir), "testpolicies")
		if err := isDir(beside); err != nil {
			return nil, fmt.Errorf("no test directory: %s %w; name the directories to run (credpol test DIR…)", beside, err)
		}
		dirs = []string{beside}
	}
	out := make([]testTree, len(dirs))
	for i, d := range dirs {
		if err := isDir(d); err != nil {
			return nil, fmt.Errorf("test directory %s: %w", d, err)
		}
		d = filepath.Clean(d)
		out[i] = testTree{os.DirFS(d), filepath.ToSlash(d)}
	}
	return out, nil
}

// verdict is the exit status: every reason the run failed, in plain words.
func (o *testOptions) verdict(rep *verify.Report) error {
	var problems []string
	switch {
	case len(rep.Results) == 0 && o.match != "":
		problems = append(problems, fmt.Sprintf("no test name matches --run %q (names are as `credpol test -v` lists them: j230000.credit_grade_test.test_…, cases.credit_grade.…)", o.match))
	case len(rep.Results) == 0:
		problems = append(problems, "no test ran: the test directories hold no *_test.rego test and no cases/*.yaml case")
	case rep.Failed() > 0:
		problems = append(problems, fmt.Sprintf("%d of %d tests failed", rep.Failed(), len(rep.Results)))
	}
	if rep.CoverageFailure != "" {
		problems = append(problems, rep.CoverageFailure)
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

func writeReport(w io.Writer, format string, rep *verify.Report, verbose bool) error {
	switch format {
	case "json":
		return verify.WriteJSON(w, rep)
	case "junit":
		return verify.WriteJUnit(w, rep)
	}
	return verify.WritePretty(w, rep, verbose)
}

// writeCobertura names files relative to the policy directory, given as an
// absolute path so CI can match them to the repository.
func writeCobertura(file string, tree policyTree, rep *verify.Report) error {
	source := tree.path
	if !tree.builtin() {
		if abs, err := filepath.Abs(tree.dir); err == nil {
			source = abs
		}
	}
	var buf bytes.Buffer
	if err := verify.WriteCobertura(&buf, rep, source, time.Now()); err != nil {
		return err
	}
	return os.WriteFile(file, buf.Bytes(), 0o644)
}

func fmtCmd() *cobra.Command {
	var check bool
	cmd := &cobra.Command{
		Use:   "fmt [DIR...]",
		Short: "Format Rego files in place (default: ./policies and ./testpolicies); --check only lists unformatted files",
		RunE: func(cmd *cobra.Command, dirs []string) error {
			out, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
			if len(dirs) == 0 {
				for _, d := range []string{defaultPolicyDir, "testpolicies"} {
					if isDir(d) == nil {
						dirs = append(dirs, d)
					}
				}
				if len(dirs) == 0 {
					return errors.New("no ./policies or ./testpolicies directory here: run credpol fmt where they are, or name the directories")
				}
			}
			verb := "formatted"
			if check {
				verb = "checked"
			}
			var unformatted []string
			for _, dir := range dirs {
				if err := isDir(dir); err != nil {
					return fmt.Errorf("%s: %w", dir, err)
				}
				policies := false
				err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
					if err != nil || d.IsDir() || filepath.Ext(p) != ".rego" {
						return err
					}
					policies = policies || !verify.IsTestFile(p)
					src, err := os.ReadFile(p)
					if err != nil {
						return err
					}
					formatted, err := format.SourceWithOpts(p, src, format.Opts{RegoVersion: ast.RegoV1})
					if err != nil {
						return err
					}
					if bytes.Equal(src, formatted) {
						return nil
					}
					unformatted = append(unformatted, p)
					if check {
						return nil
					}
					return os.WriteFile(p, formatted, 0o644)
				})
				if err != nil {
					return err
				}
				// A directory of policies is named with the revision it now
				// has, the one check, test and serve will report for it.
				if rev, err := engine.TreeRevision(os.DirFS(dir)); err == nil && policies {
					fmt.Fprintf(stderr, "%s: %s, revision %s\n", verb, filepath.ToSlash(filepath.Clean(dir)), rev)
				} else {
					fmt.Fprintf(stderr, "%s: %s\n", verb, filepath.ToSlash(filepath.Clean(dir)))
				}
			}
			for _, p := range unformatted {
				fmt.Fprintln(out, p)
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
