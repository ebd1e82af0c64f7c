package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/loader"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/engine/enginetest"
	"github.com/credpol/credpol/internal/catalogue"
	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/policies"
)

// schemaTreeCopy is the shipped tree as files a test may change.
func schemaTreeCopy(*testing.T) fstest.MapFS { return enginetest.Shipped(nil) }

// schemaAppendRego adds rules at the end of a file of the tree and returns the
// line the first of them is on.
func schemaAppendRego(t *testing.T, tree fstest.MapFS, file, rules string) int {
	t.Helper()
	f, ok := tree[file]
	if !ok {
		t.Fatalf("the shipped tree has no %s", file)
	}
	data := strings.TrimRight(string(f.Data), "\n") + "\n\n"
	line := strings.Count(data, "\n") + 1
	tree[file] = &fstest.MapFile{Data: []byte(data + rules + "\n")}
	return line
}

func schemaCompileErrors(t *testing.T, tree fs.FS) engine.Errors {
	t.Helper()
	_, err := engine.Compile(context.Background(), tree, engine.Options{Strict: true})
	var errs engine.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("the tree compiled (err = %v), want it refused", err)
	}
	return errs
}

func schemaFindError(errs engine.Errors, file string, row int) (engine.Error, bool) {
	for _, e := range errs {
		if e.File == file && e.Row == row {
			return e, true
		}
	}
	return engine.Error{}, false
}

// A policy that reads a field the input never has is refused when the tree
// compiles, at the file and line of the misspelt field, in words that name the
// field meant. Reads OPA's type checker misses by itself (object.get with a
// constant key, the body of every) are refused too.
func TestAMisspeltFieldIsRefusedWithFileAndLine(t *testing.T) {
	for _, tc := range []struct {
		name, file, rules string
		offset            int    // line of the typo, from the first added line
		want              string // in the message
	}{
		{"enterprise fact", "j100000/supervision.rego",
			"typo if count(input.enterprise.penaltys) > 0", 0, `"penaltys" is not a field of input.enterprise (did you mean "penalties"?)`},
		{"context field", "j100000/penalty_discretion.rego",
			"typo := input.context.violaton", 0, `"violaton" is not a field of input.context (did you mean "violation"?)`},
		{"nested context field", "j100000/penalty_discretion.rego",
			"typo if input.context.violation.first_offence", 0, `did you mean "first_offense"?`},
		{"through an import used again further down", "j100000/supervision.rego",
			"typo if lib.enterprise.penaltys\n\nnot_a_typo if lib.enterprise.premises_abnormal", 0, `lib.enterprise.penaltys: "penaltys" is not a field of lib.enterprise`},
		{"an item of a list", "j100000/supervision.rego",
			"typo contains p.decided if {\n\tsome p in input.enterprise.penalties\n}", 0, `"decided" is not a field of p (did you mean "decided_on"?)`},
		{"a list read by name", "j100000/supervision.rego",
			"typo := input.enterprise.penalties.kinds", 0, "is a list, whose items are numbered"},
		{"object.get with a misspelt key", "j100000/supervision.rego",
			"typo := count(object.get(lib.enterprise, \"penaltys\", []))", 0, `did you mean "penalties"?`},
		{"object.get with a key path", "j100000/penalty_discretion.rego",
			"typo := object.get(input.context, [\"violation\", \"harms\"], false)", 0, `"harms" is not a field of input.context.violation (did you mean "harm"?)`},
		{"an item of object.get", "j100000/supervision.rego",
			"typo if {\n\tsome l in object.get(lib.enterprise, \"licenses\", [])\n\tl.expires < input.as_of\n}", 2, `did you mean "expires_on"?`},
		{"the body of every", "j100000/supervision.rego",
			"typo if {\n\tevery p in input.enterprise.penalties {\n\t\tp.fine > 0\n\t}\n}", 2, `"fine" is not a field of`},
		{"a field of a string", "j100000/supervision.rego",
			"typo := input.as_of.year", 0, `input.as_of is a string, which has no field "year"`},
		{"a top-level field", "j100000/supervision.rego",
			"typo := input.asof", 0, `did you mean "as_of"?`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tree := schemaTreeCopy(t)
			line := schemaAppendRego(t, tree, tc.file, tc.rules) + tc.offset
			errs := schemaCompileErrors(t, tree)
			e, ok := schemaFindError(errs, tc.file, line)
			if !ok {
				t.Fatalf("no error at %s:%d; got:\n%v", tc.file, line, errs)
			}
			if !strings.Contains(e.Message, tc.want) {
				t.Errorf("message %q does not say %q", e.Message, tc.want)
			}
			if len(errs) != 1 {
				t.Errorf("%d errors for one typo:\n%v", len(errs), errs)
			}
		})
	}
}

// Stock `opa check --strict -s policies/schemas/input.json` refuses the same
// typos, as the Makefile runs it, and passes the shipped tree: the loader,
// schema set and compiler settings of OPA's own check command.
func TestStockOPACheckRefusesAMisspeltField(t *testing.T) {
	if err := stockOPACheck(schemaWriteTree(t, schemaTreeCopy(t))); err != nil {
		t.Fatalf("stock check of the shipped tree: %v", err)
	}
	for _, tc := range []struct{ file, rules, ref string }{
		{"j100000/supervision.rego", "typo if count(input.enterprise.penaltys) > 0", "input.enterprise.penaltys"},
		{"j100000/penalty_discretion.rego", "typo := input.context.violaton", "input.context.violaton"},
	} {
		tree := schemaTreeCopy(t)
		line := schemaAppendRego(t, tree, tc.file, tc.rules)
		dir := schemaWriteTree(t, tree)
		err := stockOPACheck(dir)
		want := fmt.Sprintf("%s:%d: rego_type_error: undefined ref: %s", filepath.Join(dir, filepath.FromSlash(tc.file)), line, tc.ref)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("stock check: %v\nwant %q", err, want)
		}
	}
}

func schemaWriteTree(t *testing.T, tree fstest.MapFS) string {
	t.Helper()
	dir := t.TempDir()
	for name, f := range tree {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// stockOPACheck is `opa check --strict -s dir/schemas/input.json dir` (OPA's cmd/check.go).
func stockOPACheck(dir string) error {
	ss, err := loader.Schemas(filepath.Join(dir, filepath.FromSlash(engine.InputSchemaFile)))
	if err != nil {
		return err
	}
	res, err := loader.NewFileLoader().WithProcessAnnotation(true).
		Filtered([]string{dir}, func(_ string, info fs.FileInfo, _ int) bool {
			return !info.IsDir() && !strings.HasSuffix(info.Name(), ".rego")
		})
	if err != nil {
		return err
	}
	c := ast.NewCompiler().WithSchemas(ss).WithStrict(true).WithUseTypeCheckAnnotations(true).WithEnablePrintStatements(true)
	if c.Compile(res.ParsedModules()); c.Failed() {
		return c.Errors
	}
	return nil
}

// The tree's schemas/input.json is what stock OPA checks with, so it must
// describe the input credpol gives: a field added to it (to silence an error)
// or a context field the catalogue does not declare is refused with its line.
func TestTheTreeSchemaFileIsHeldToTheServerInput(t *testing.T) {
	edit := func(t *testing.T, change func(schema map[string]any)) fstest.MapFS {
		t.Helper()
		tree := schemaTreeCopy(t)
		var schema map[string]any
		if err := json.Unmarshal(tree[engine.InputSchemaFile].Data, &schema); err != nil {
			t.Fatal(err)
		}
		change(schema)
		b, err := json.MarshalIndent(schema, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		tree[engine.InputSchemaFile] = &fstest.MapFile{Data: b}
		return tree
	}
	props := func(schema map[string]any, path ...string) map[string]any {
		for _, p := range path {
			schema = schema["properties"].(map[string]any)[p].(map[string]any)
		}
		return schema["properties"].(map[string]any)
	}
	lineOf := func(tree fstest.MapFS, text string) int {
		data := string(tree[engine.InputSchemaFile].Data)
		i := strings.Index(data, text)
		if i < 0 {
			t.Fatalf("%q is not in the edited schema", text)
		}
		return strings.Count(data[:i], "\n") + 1
	}
	for _, tc := range []struct {
		name   string
		change func(schema map[string]any)
		at     string // text on the line the error names
		want   string
	}{
		{"a fact the server never sends", func(s map[string]any) {
			props(s, "enterprise")["penaltys"] = map[string]any{"type": "array"}
		}, `"penaltys"`, "input.enterprise.penaltys is not a field of the input credpol gives policies"},
		{"a context field no decision declares", func(s map[string]any) {
			props(s, "context")["violaton"] = map[string]any{"type": "object"}
		}, `"violaton"`, "input.context.violaton is not a field of the decisions' context in catalogue.json"},
		{"a context field the catalogue declares, left out", func(s map[string]any) {
			delete(props(s, "context", "application"), "simplified")
		}, `"application"`, `input.context.application lacks the field "simplified"`},
		{"a fact's type changed", func(s map[string]any) {
			props(s, "enterprise")["risk_class"] = map[string]any{"type": "number"}
		}, `"risk_class"`, "input.enterprise.risk_class has type number where the input credpol gives policies has string"},
		{"an object opened", func(s map[string]any) {
			delete(s["properties"].(map[string]any)["enterprise"].(map[string]any), "properties")
		}, `"enterprise"`, `input.enterprise lacks "properties"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tree := edit(t, tc.change)
			errs := schemaCompileErrors(t, tree)
			e, ok := schemaFindError(errs, engine.InputSchemaFile, lineOf(tree, tc.at))
			if !ok || !strings.Contains(e.Message, tc.want) {
				t.Fatalf("want %s:%d: …%s…; got:\n%v", engine.InputSchemaFile, lineOf(tree, tc.at), tc.want, errs)
			}
		})
	}

	t.Run("older wording, same fields", func(t *testing.T) {
		tree := edit(t, func(s map[string]any) {
			s["description"] = "changed"
			delete(props(s, "enterprise")["penalties"].(map[string]any), "description")
		})
		if _, err := engine.Compile(context.Background(), tree, engine.Options{Strict: true}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a tree for an earlier credpol lacks a fact", func(t *testing.T) {
		tree := edit(t, func(s map[string]any) { delete(props(s, "enterprise"), "commitments") })
		if _, err := engine.Compile(context.Background(), tree, engine.Options{Strict: true}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("not JSON", func(t *testing.T) {
		tree := schemaTreeCopy(t)
		tree[engine.InputSchemaFile] = &fstest.MapFile{Data: []byte("{\n  \"type\": \"object\",\n  \"properties\": {,\n}\n")}
		if _, ok := schemaFindError(schemaCompileErrors(t, tree), engine.InputSchemaFile, 3); !ok {
			t.Fatal("broken JSON is not reported on its line")
		}
	})
	t.Run("no schema file: checked against the built-in one", func(t *testing.T) {
		tree := schemaTreeCopy(t)
		delete(tree, engine.InputSchemaFile)
		line := schemaAppendRego(t, tree, "j100000/supervision.rego", "typo if count(input.enterprise.penaltys) > 0")
		if _, ok := schemaFindError(schemaCompileErrors(t, tree), "j100000/supervision.rego", line); !ok {
			t.Fatal("a tree without schemas/input.json is not type-checked")
		}
	})
}

// A context field a tree declares in its catalogue can be read once the
// schema file lists it too; until then the file is refused, saying what to add.
func TestAContextFieldDeclaredInTheCatalogueCanBeRead(t *testing.T) {
	tree := schemaTreeCopy(t)
	var cat map[string]any
	if err := json.Unmarshal(tree[engine.CatalogueFile].Data, &cat); err != nil {
		t.Fatal(err)
	}
	for _, d := range cat["decisions"].([]any) {
		if d := d.(map[string]any); d["name"] == "supervision" {
			d["context"].(map[string]any)["urgent"] = map[string]any{"type": "boolean", "description": "紧急"}
		}
	}
	b, _ := json.MarshalIndent(cat, "", "  ")
	tree[engine.CatalogueFile] = &fstest.MapFile{Data: b}
	schemaAppendRego(t, tree, "j100000/supervision.rego", "urgent := input.context.urgent")

	errs := schemaCompileErrors(t, tree)
	if len(errs) != 1 || errs[0].File != engine.InputSchemaFile || !strings.Contains(errs[0].Message, `input.context lacks the field "urgent"`) {
		t.Fatalf("want the schema file to be told about urgent, got:\n%v", errs)
	}

	var schema map[string]any
	if err := json.Unmarshal(tree[engine.InputSchemaFile].Data, &schema); err != nil {
		t.Fatal(err)
	}
	ctx := schema["properties"].(map[string]any)["context"].(map[string]any)
	ctx["properties"].(map[string]any)["urgent"] = map[string]any{"type": "boolean"}
	b, _ = json.MarshalIndent(schema, "", "  ")
	tree[engine.InputSchemaFile] = &fstest.MapFile{Data: b}
	if _, err := engine.Compile(context.Background(), tree, engine.Options{Strict: true}); err != nil {
		t.Fatal(err)
	}
	delete(tree, engine.InputSchemaFile)
	if _, err := engine.Compile(context.Background(), tree, engine.Options{Strict: true}); err != nil {
		t.Fatalf("without a schema file the catalogue alone should let the field be read: %v", err)
	}
}

// The shipped schema lists exactly the facts enterprise.Document gives
// policies, with their types, down to every field of every list item: a fact
// added to the server and not to the schema (or the reverse) fails here.
func TestTheInputSchemaListsEveryEnterpriseFact(t *testing.T) {
	var facts enterprise.Facts
	fillAll(reflect.ValueOf(&facts).Elem())
	var doc any
	b, err := json.Marshal(enterprise.Document(facts))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	schema := shippedInputSchema(t)
	ent := schema["properties"].(map[string]any)["enterprise"]
	var problems []string
	matchDocument("input.enterprise", doc, ent, &problems)
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
}

// The shipped schema's context is the union of the shipped catalogue's
// contexts, field by field and type by type, both ways.
func TestTheInputSchemaListsEveryContextField(t *testing.T) {
	var doc any
	b, err := fs.ReadFile(policies.FS, engine.CatalogueFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	cat, problems := catalogue.Decode(doc, catalogue.Options{})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	declared := map[string]string{} // path → type
	for _, def := range cat.All() {
		if def.Context != nil {
			fieldPaths("input.context", def.Context, declared)
		}
	}
	listed := map[string]string{}
	schemaPaths("input.context", shippedInputSchema(t)["properties"].(map[string]any)["context"], listed)
	for p, typ := range declared {
		if got, ok := listed[p]; !ok {
			t.Errorf("%s is declared in catalogue.json but not listed in %s", p, engine.InputSchemaFile)
		} else if got != typ {
			t.Errorf("%s is %s in catalogue.json, %s in %s", p, typ, got, engine.InputSchemaFile)
		}
	}
	for p := range listed {
		if _, ok := declared[p]; !ok {
			t.Errorf("%s is listed in %s but no decision of catalogue.json declares it", p, engine.InputSchemaFile)
		}
	}
}

func shippedInputSchema(t *testing.T) map[string]any {
	t.Helper()
	b, err := fs.ReadFile(policies.FS, engine.InputSchemaFile)
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// fillAll sets every field of v, pointers and lists included (one item), so
// the document built from it has every fact there is.
func fillAll(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fillAll(v.Elem())
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fillAll(v.Index(0))
	case reflect.Struct:
		for i := range v.NumField() {
			fillAll(v.Field(i))
		}
	case reflect.String:
		v.SetString("2024-01-01")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(1)
	case reflect.Float64, reflect.Float32:
		v.SetFloat(1)
	}
}

// schemaTypes are the JSON types a schema node allows, anyOf included.
func schemaTypes(s map[string]any) []string {
	var out []string
	if typ, ok := s["type"].(string); ok {
		out = append(out, typ)
	}
	for _, alt := range asList(s["anyOf"]) {
		out = append(out, schemaTypes(alt.(map[string]any))...)
	}
	return out
}

func asList(v any) []any { l, _ := v.([]any); return l }

func jsonType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// matchDocument checks a document against a schema node both ways: every
// value has a listed field of its type, and every listed field has a value.
func matchDocument(at string, doc, node any, problems *[]string) {
	s, _ := node.(map[string]any)
	if s == nil {
		*problems = append(*problems, at+" is not in the schema")
		return
	}
	typ := jsonType(doc)
	allowed := schemaTypes(s)
	if !slicesContain(allowed, typ) && !(typ == "number" && slicesContain(allowed, "integer")) {
		*problems = append(*problems, fmt.Sprintf("%s is %s in the document, %v in the schema", at, typ, allowed))
		return
	}
	switch doc := doc.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for k, v := range doc {
			matchDocument(at+"."+k, v, props[k], problems)
		}
		for k := range props {
			if _, ok := doc[k]; !ok {
				*problems = append(*problems, fmt.Sprintf("%s.%s is in the schema but enterprise.Document never gives it", at, k))
			}
		}
	case []any:
		for _, item := range doc {
			matchDocument(at+"[_]", item, s["items"], problems)
		}
	}
}

func slicesContain(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func normalised(typ string) string {
	switch typ {
	case "integer":
		return "number"
	case "date":
		return "string"
	}
	return typ
}

func fieldPaths(at string, f *catalogue.Field, out map[string]string) {
	out[at] = normalised(f.Type)
	for name, p := range f.Properties {
		fieldPaths(at+"."+name, p, out)
	}
	if f.Items != nil {
		fieldPaths(at+"[_]", f.Items, out)
	}
}

func schemaPaths(at string, node any, out map[string]string) {
	s := node.(map[string]any)
	if typ, ok := s["type"].(string); ok {
		out[at] = normalised(typ)
	}
	props, _ := s["properties"].(map[string]any)
	for name, p := range props {
		schemaPaths(at+"."+name, p, out)
	}
	if items, ok := s["items"]; ok {
		schemaPaths(at+"[_]", items, out)
	}
}

// A revision that already served is replayed as it was compiled then, even if
// it reads a field the schema does not list (it may predate the schema).
func TestAnArchivedRevisionIsNotHeldToTheInputSchema(t *testing.T) {
	tree := schemaTreeCopy(t)
	schemaAppendRego(t, tree, "j100000/supervision.rego", "typo if count(input.enterprise.penaltys) > 0")
	if _, err := engine.Compile(context.Background(), tree, engine.Options{Archived: true}); err != nil {
		t.Fatalf("an archived revision with a field the schema lacks does not compile: %v", err)
	}
}
