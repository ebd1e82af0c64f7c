package verify

import (
	"errors"
	"path"
	"regexp"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/tester"

	"github.com/credpol/credpol/engine"
)

// A test has one name, its ID, and it is the same string everywhere: in the
// pretty output, in JSON and JUnit (classname "." name), and in what --run
// matches. Policy staff copy a name from a report into --run and get exactly
// that test.

func fullName(pkg, name string) string {
	if pkg == "" {
		return name
	}
	return pkg + "." + name
}

// filter is the compiled Options.Run; the zero filter keeps every test.
type filter struct{ re *regexp.Regexp }

func compileRun(run string) (filter, error) {
	if run == "" {
		return filter{}, nil
	}
	re, err := regexp.Compile(run)
	if err != nil {
		return filter{}, errors.New("--run is not a valid regular expression: " + err.Error())
	}
	return filter{re}, nil
}

func (f filter) keeps(id string) bool { return f.re == nil || f.re.MatchString(id) }

// regoPattern is the filter for OPA's test runner, which matches its own
// name for a test ("data." + package + "." + rule). Rather than asking
// authors to write OPA's names, it lists the IDs the filter keeps. A test
// name given twice in a package runs as name#01, name#02…; those follow
// their first name.
func (f filter) regoPattern(tests map[string]*ast.Module) string {
	if f.re == nil {
		return ""
	}
	var kept []string
	for _, m := range tests {
		for _, r := range m.Rules {
			ref := r.Head.Ref().GroundPrefix()
			for i, term := range ref {
				n := termName(term)
				if !strings.HasPrefix(n, tester.TestPrefix) && !strings.HasPrefix(n, tester.SkipTestPrefix) {
					continue
				}
				id := strings.TrimPrefix(m.Package.Path.Extend(ref[:i+1]).String(), "data.")
				if f.keeps(id) {
					kept = append(kept, regexp.QuoteMeta(id))
				}
				break
			}
		}
	}
	if len(kept) == 0 {
		return "^$" // OPA's name is never empty: no Rego test runs
	}
	return `^data\.(?:` + strings.Join(kept, "|") + `)(?:#[0-9]+)?$`
}

func termName(t *ast.Term) string {
	switch v := t.Value.(type) {
	case ast.Var:
		return string(v)
	case ast.String:
		return string(v)
	}
	return ""
}

// LocateIn names the files of the policy problems in err by where they are
// (dir/j230000/x.rego rather than j230000/x.rego), so the author can open
// the file the message names. Test files, which are already named so, are
// left alone. Call it once per error: it renames in place.
func LocateIn(dir string, err error) error {
	var errs engine.Errors
	if dir == "" || dir == "." || !errors.As(err, &errs) {
		return err
	}
	for i, e := range errs {
		if e.File == "" || IsTestFile(e.File) {
			continue
		}
		errs[i].File = path.Join(dir, e.File)
	}
	return err
}
