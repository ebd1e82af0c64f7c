package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/util"

	"github.com/credpol/credpol/internal/catalogue"
	"github.com/credpol/credpol/policies"
)

// InputSchemaFile is where a policy tree keeps the JSON Schema of the input
// document every policy receives, so that stock OPA checks the same fields
// credpol does: `opa check --strict -s policies/schemas/input.json`.
const InputSchemaFile = "schemas/input.json"

// builtinInputSchema is the schema of the input this credpol builds, compiled
// into the binary. The server makes the input (enterprise facts as the API
// validates them, the date, the jurisdiction chain), not a policy tree, so a
// tree's copy may describe no more than this one: a field an author adds to
// silence "not a field" would still never arrive. Only input.context comes
// from the tree, from the decisions its catalogue.json declares.
var builtinInputSchema = func() []byte {
	b, err := policies.FS.ReadFile(InputSchemaFile)
	if err != nil {
		panic("the shipped policy tree has no " + InputSchemaFile + ": " + err.Error())
	}
	return b
}()

// inputSchemas is the schema set every tree compiles with: the input
// document typed for OPA's type checker, which then refuses a reference to
// a field the schema does not list, in every module, with no annotation to
// forget in a new file. OPA closes every object whose properties a schema
// lists (it does not read additionalProperties), so params, listed without
// properties, stays open: its parameter files have schemas of their own.
func inputSchemas(files map[string][]byte) *ast.SchemaSet {
	ss := ast.NewSchemaSet()
	ss.Put(ast.SchemaRootRef, expectedInputSchema(files))
	return ss
}

// compileSchemas is the schema set Compile gives the compiler. A revision
// that already served (Archived, for replay) compiles as it did then: it
// may predate the schema, or a field it read may since have gone.
func compileSchemas(files map[string][]byte, opts Options) *ast.SchemaSet {
	if opts.Archived {
		return nil
	}
	return inputSchemas(files)
}

// expectedInputSchema is the built-in schema with input.context made of the
// tree's catalogue: every decision's context fields, so a context field the
// tree declares can be read and a misspelt one cannot.
func expectedInputSchema(files map[string][]byte) map[string]any {
	var schema map[string]any
	if err := util.UnmarshalJSON(builtinInputSchema, &schema); err != nil {
		panic("the built-in input schema is not JSON: " + err.Error())
	}
	if ctx := catalogueContext(files); ctx != nil {
		props, _ := schema["properties"].(map[string]any)
		props["context"] = ctx
	}
	return schema
}

// catalogueContext is the schema of input.context for the tree's
// catalogue.json, nil when it has none that is valid (the catalogue's own
// check reports why). A request's context is one decision's, but the input
// schema is shared by every module, so it lists the fields of every
// decision; a field two decisions share merges into one (application is
// repair_application's and registration_change's).
func catalogueContext(files map[string][]byte) map[string]any {
	data, ok := files[CatalogueFile]
	if !ok {
		return nil
	}
	var doc any
	if err := util.UnmarshalJSON(data, &doc); err != nil {
		return nil
	}
	cat, problems := catalogue.Decode(doc, catalogue.Options{})
	if len(problems) > 0 {
		return nil
	}
	var union any
	for _, def := range cat.All() {
		if def.Context == nil || len(def.Context.Properties) == 0 {
			continue // takes no context: adds no field, and must not open the object
		}
		b, err := json.Marshal(def.Context)
		if err != nil {
			return nil
		}
		var ctx any
		if err := util.UnmarshalJSON(b, &ctx); err != nil {
			return nil
		}
		union = mergeFieldSchemas(union, ctx)
	}
	if union == nil {
		union = map[string]any{"type": "object"}
	}
	ctx, _ := closedObjects(union).(map[string]any)
	return ctx
}

// mergeFieldSchemas is a schema that allows what a or b allows: objects
// merge field by field, an object without fields stays open, and fields of
// different types become anyOf.
func mergeFieldSchemas(a, b any) any {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if !aok || !bok {
		return b
	}
	if !reflect.DeepEqual(am["type"], bm["type"]) {
		return map[string]any{"anyOf": []any{am, bm}}
	}
	switch am["type"] {
	case "object":
		ap, _ := am["properties"].(map[string]any)
		bp, _ := bm["properties"].(map[string]any)
		out := copyMap(am)
		if len(ap) == 0 || len(bp) == 0 {
			delete(out, "properties")
			return out
		}
		props := copyMap(ap)
		for name, p := range bp {
			if existing, ok := props[name]; ok {
				props[name] = mergeFieldSchemas(existing, p)
			} else {
				props[name] = p
			}
		}
		out["properties"] = props
		return out
	case "array":
		out := copyMap(am)
		if ai, ok := am["items"]; ok {
			out["items"] = mergeFieldSchemas(ai, bm["items"])
		}
		return out
	}
	return am
}

// closedObjects marks every object with fields closed, for JSON Schema tools
// other than OPA, and drops what holds for one decision's context but not for
// the union of all: required fields and defaults.
func closedObjects(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v)+1)
		for k, sub := range v {
			if k == "required" || k == "default" {
				continue
			}
			if k == "properties" {
				props := map[string]any{}
				for name, p := range sub.(map[string]any) {
					props[name] = closedObjects(p)
				}
				out[k] = props
				continue
			}
			out[k] = closedObjects(sub)
		}
		if props, ok := out["properties"].(map[string]any); ok && len(props) > 0 {
			out["additionalProperties"] = false
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i := range v {
			out[i] = closedObjects(v[i])
		}
		return out
	}
	return v
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// checkInputSchemaFile holds the tree's schemas/input.json, which stock OPA
// type-checks with, to the schema credpol type-checks with: the same
// context as catalogue.json declares, and no field the server does not send.
// It may lack fields of the built-in schema (a tree written for an earlier
// credpol), which only makes stock OPA stricter.
func checkInputSchemaFile(t *Tree) Errors {
	data, ok := t.Files[InputSchemaFile]
	if !ok {
		return nil
	}
	var schema any
	if err := util.UnmarshalJSON(data, &schema); err != nil {
		return Errors{schemaJSONError(InputSchemaFile, data, err)}
	}
	d := schemaDiff{}
	d.compare(schema, expectedInputSchema(t.Files), nil, false)
	errs := make(Errors, 0, len(d.problems))
	for _, p := range d.problems {
		errs = append(errs, Error{File: InputSchemaFile, Row: schemaLine(data, p.at), Message: p.msg})
	}
	return errs
}

// documentaryKeywords of JSON Schema leave OPA's types unchanged, so a tree's
// copy may differ in them (an older wording, say). OPA does not read
// additionalProperties either: it closes every object whose fields are listed.
var documentaryKeywords = map[string]bool{
	"$schema": true, "$id": true, "$comment": true, "title": true, "description": true, "examples": true,
	"default": true, "enum": true, "format": true, "minimum": true, "maximum": true, "exclusiveMinimum": true,
	"exclusiveMaximum": true, "multipleOf": true, "minItems": true, "maxItems": true, "uniqueItems": true,
	"minLength": true, "maxLength": true, "pattern": true, "required": true, "additionalProperties": true,
}

type schemaProblem struct {
	at  []string // JSON path in the tree's file
	msg string
}

type schemaDiff struct{ problems []schemaProblem }

const (
	serverInput   = "the input credpol gives policies"
	fixByCopying  = "; this part of the file describes what the server sends, the same for every jurisdiction: copy it back from the shipped tree"
	contextSchema = "the decisions' context in " + CatalogueFile
)

// compare walks the tree's schema beside the expected one. Under
// input.context (exact) both must list the same fields; elsewhere the tree's
// may list fewer.
func (d *schemaDiff) compare(tree, want any, at []string, exact bool) {
	if len(at) == 2 && at[0] == "properties" && at[1] == "context" {
		exact = true
	}
	source, fix := serverInput, fixByCopying
	if exact {
		source, fix = contextSchema, "; a decision's context fields are declared in "+CatalogueFile+" and listed again here for stock OPA"
	}
	tm, tok := tree.(map[string]any)
	wm, wok := want.(map[string]any)
	if !tok || !wok {
		if !reflect.DeepEqual(normalType(tree), normalType(want)) {
			d.add(at, fmt.Sprintf("%s differs from %s%s", schemaPath(at), source, fix))
		}
		return
	}
	for _, k := range schemaKeys(tm) {
		if documentaryKeywords[k] {
			continue
		}
		wv, ok := wm[k]
		switch {
		case !ok:
			d.add(append(at, k), fmt.Sprintf("%s: %q is not in %s%s", schemaPath(at), k, source, fix))
		case k == "properties":
			d.properties(tm[k], wv, append(at, k), exact, source, fix)
		case k == "type":
			if !reflect.DeepEqual(normalType(tm[k]), normalType(wv)) {
				d.add(at, fmt.Sprintf("%s has type %v where %s has %v%s", schemaPath(at), tm[k], source, wv, fix))
			}
		default:
			tl, tIsList := tm[k].([]any)
			wl, wIsList := wv.([]any)
			if tIsList && wIsList && len(tl) == len(wl) {
				for i := range tl {
					d.compare(tl[i], wl[i], append(at, k, fmt.Sprint(i)), exact)
				}
				continue
			}
			d.compare(tm[k], wv, append(at, k), exact)
		}
	}
	for _, k := range schemaKeys(wm) {
		if _, ok := tm[k]; !ok && !documentaryKeywords[k] {
			d.add(at, fmt.Sprintf("%s lacks %q, which %s has%s", schemaPath(at), k, source, fix))
		}
	}
}

func (d *schemaDiff) properties(tree, want any, at []string, exact bool, source, fix string) {
	tp, _ := tree.(map[string]any)
	wp, _ := want.(map[string]any)
	parent := schemaPath(at[:len(at)-1])
	if len(tp) == 0 && len(wp) > 0 {
		d.add(at, fmt.Sprintf("%s lists no fields, which lets a policy read any field%s", parent, fix))
		return
	}
	for _, name := range schemaKeys(tp) {
		sub, ok := wp[name]
		if !ok {
			d.add(append(at, name), fmt.Sprintf("%s.%s is not a field of %s%s", parent, name, source, fix))
			continue
		}
		d.compare(tp[name], sub, append(at, name), exact)
	}
	if !exact {
		return
	}
	for _, name := range schemaKeys(wp) {
		if _, ok := tp[name]; !ok {
			d.add(at[:len(at)-1], fmt.Sprintf("%s lacks the field %q, which %s has: add it here as it is there%s", parent, name, source, fix))
		}
	}
}

func (d *schemaDiff) add(at []string, msg string) {
	d.problems = append(d.problems, schemaProblem{at: append([]string(nil), at...), msg: msg})
}

// normalType is a JSON Schema type as OPA sees it: integer is a number.
func normalType(t any) any {
	if t == "integer" {
		return "number"
	}
	return t
}

// schemaPath names a place in the schema as the input path a policy reads:
// properties/enterprise/properties/penalties/items is input.enterprise.penalties[_].
func schemaPath(at []string) string {
	var b strings.Builder
	b.WriteString("input")
	for i := 0; i < len(at); i++ {
		switch {
		case at[i] == "properties" && i+1 < len(at):
			b.WriteString("." + at[i+1])
			i++
		case at[i] == "items":
			b.WriteString("[_]")
		}
	}
	return b.String()
}

func schemaKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// schemaJSONError locates a JSON syntax error in its file.
func schemaJSONError(file string, data []byte, err error) Error {
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return Error{File: file, Row: lineOfOffset(data, int(syntax.Offset)), Message: "not valid JSON: " + syntax.Error()}
	}
	return Error{File: file, Message: "not valid JSON: " + err.Error()}
}

// schemaLine is the line of the member at path in a JSON document (the line
// of its key), or of the deepest enclosing member found; 1 when none is.
func schemaLine(data []byte, path []string) int {
	dec := json.NewDecoder(bytes.NewReader(data))
	line := 1
	var walk func(at []string) error
	walk = func(at []string) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		delim, ok := tok.(json.Delim)
		if !ok {
			return nil
		}
		for i := 0; dec.More(); i++ {
			key := fmt.Sprint(i)
			if delim == '{' {
				k, err := dec.Token()
				if err != nil {
					return err
				}
				key = fmt.Sprint(k)
			}
			here := append(at[:len(at):len(at)], key)
			if pathPrefix(here, path) {
				line = lineOfOffset(data, int(dec.InputOffset()))
			}
			if err := walk(here); err != nil {
				return err
			}
		}
		_, err = dec.Token()
		return err
	}
	if err := walk(nil); err != nil && err != io.EOF {
		return line
	}
	return line
}

func pathPrefix(p, of []string) bool {
	if len(p) > len(of) {
		return false
	}
	for i := range p {
		if p[i] != of[i] {
			return false
		}
	}
	return true
}

func lineOfOffset(data []byte, offset int) int {
	offset = min(max(offset, 0), len(data))
	return bytes.Count(data[:offset], []byte("\n")) + 1
}
