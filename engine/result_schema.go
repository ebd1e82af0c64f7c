package engine

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/credpol/credpol/engine/paramschema"
)

// A decision's result is a contract with the systems that read it: each
// decision declares its shape at schemas/results/<decision>/schema.json
// (fields, types, which are always there), in the tree beside the
// parameter schemas, so a policy edit that adds, drops or retypes a field
// cannot pass the corpus check or the regression suite without a schema
// change that review sees. The reasons are not part of it: they have their
// own fixed shape.

// ResultSchemaDir holds one JSON Schema per decision's result.
const ResultSchemaDir = "schemas/results"

var resultSchemaFile = regexp.MustCompile(`^` + ResultSchemaDir + `/([a-z][a-z0-9_]*)/schema\.json$`)

// resultSchemas are a tree's result schemas, compiled on first use.
type resultSchemas struct {
	once    sync.Once
	schemas map[string]*paramschema.Schema
	raw     map[string]json.RawMessage
}

func (r *resultSchemas) load(files map[string][]byte) {
	r.once.Do(func() {
		r.schemas, r.raw = map[string]*paramschema.Schema{}, map[string]json.RawMessage{}
		for name, content := range files {
			m := resultSchemaFile.FindStringSubmatch(name)
			if m == nil {
				continue
			}
			doc, _ := paramschema.Parse(name, content)
			if doc == nil {
				continue // the tree check reported it
			}
			if s, problems := paramschema.Compile(doc); len(problems) == 0 {
				r.schemas[m[1]], r.raw[m[1]] = s, json.RawMessage(content)
			}
		}
	})
}

// ResultSchema is the JSON Schema of a decision's result; nil when the
// tree declares none.
func (ps *PolicySet) ResultSchema(decision string) json.RawMessage {
	ps.results.load(ps.files)
	return ps.results.raw[decision]
}

// ResultProblems says how result, a decision's answer without its reasons,
// departs from the decision's result schema: each problem as the field's
// path and what is wrong. None when it conforms or there is no schema.
func (ps *PolicySet) ResultProblems(decision string, result map[string]any) []string {
	ps.results.load(ps.files)
	s := ps.results.schemas[decision]
	if s == nil {
		return nil
	}
	b, err := json.Marshal(result)
	if err != nil {
		return []string{err.Error()}
	}
	v, problems := paramschema.Parse("result", b)
	if v != nil {
		problems = s.Validate(v, nil, paramschema.Merged)
	}
	out := make([]string, len(problems))
	for i, p := range problems {
		out[i] = strings.TrimPrefix(p.Path+": "+p.Message, ": ")
	}
	return out
}

// checkResultSchemas holds the result schemas to their place and to the
// schema language the parameter check speaks; once a tree declares any,
// every decision of its catalogue must have one.
func checkResultSchemas(t *Tree) Errors {
	var errs Errors
	declared := map[string]bool{}
	for _, name := range paramsSortedKeys(t.Files) {
		if !strings.HasPrefix(name, ResultSchemaDir+"/") {
			continue
		}
		m := resultSchemaFile.FindStringSubmatch(name)
		if m == nil {
			errs = append(errs, Error{File: name, Message: "a result schema must be " + ResultSchemaDir + "/<decision>/schema.json"})
			continue
		}
		doc, problems := paramschema.Parse(name, t.Files[name])
		if doc != nil {
			_, cps := paramschema.Compile(doc)
			problems = append(problems, cps...)
		}
		for _, p := range problems {
			errs = append(errs, paramError(p))
		}
		declared[m[1]] = true
	}
	td, _ := parseTreeData(t.Files)
	if len(declared) == 0 || td == nil || td.decisions == nil {
		return errs
	}
	for _, name := range paramsSortedKeys(td.decisions) {
		if !declared[name] {
			errs = append(errs, Error{File: CatalogueFile, Message: fmt.Sprintf(
				"%s has no result schema: add %s/%s/schema.json, the shape of its result that callers code against", name, ResultSchemaDir, name)})
		}
	}
	for name := range declared {
		if !td.decisions[name] {
			errs = append(errs, Error{File: ResultSchemaDir + "/" + name + "/schema.json", Message: fmt.Sprintf("%s is not a decision of %s", name, CatalogueFile)})
		}
	}
	return errs
}
