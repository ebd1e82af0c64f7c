// Package catalogue holds the decision catalogue (SPEC §4): which decisions
// exist, what they are called, the rules they apply, whether their results
// are classification results, and the context each takes. The catalogue is
// data of the policy tree (catalogue.json), so a new decision or a changed
// context travels with a policy revision; this package knows what a valid
// catalogue is and how a request's context is held to it.
package catalogue

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Definition describes a decision upstream systems may ask for. Which
// jurisdictions answer it is up to the policies of the tree.
type Definition struct {
	Name        string   `json:"name"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Rules       []string `json:"rules"`
	// Context is the schema of the request's context; nil when none is taken.
	Context *Field `json:"context_schema,omitempty"`
	// Classification marks results that are for supervision only and never
	// public (HLJ-9).
	Classification bool `json:"classification"`
}

// Catalogue is an immutable list of decision definitions, in the order the
// tree lists them.
type Catalogue struct {
	defs   []Definition
	byName map[string]*Definition
}

// All returns every definition in catalogue order (shared; do not modify).
func (c *Catalogue) All() []Definition { return c.defs }

// Lookup returns the definition of the named decision.
func (c *Catalogue) Lookup(name string) (*Definition, bool) {
	d, ok := c.byName[name]
	return d, ok
}

// Names returns every decision name, sorted.
func (c *Catalogue) Names() []string {
	out := make([]string, 0, len(c.defs))
	for _, d := range c.defs {
		out = append(out, d.Name)
	}
	sort.Strings(out)
	return out
}

// Problem is one reason a catalogue document is invalid, at Path (a JSON
// pointer into the document, such as /decisions/2/context/cause/enum), so
// the file it was read from can point at the line.
type Problem struct {
	Path    string
	Message string
}

// Problems lists every reason a catalogue was refused.
type Problems []Problem

func (ps Problems) Error() string {
	msgs := make([]string, len(ps))
	for i, p := range ps {
		msgs[i] = p.Message
	}
	return strings.Join(msgs, "\n")
}

var (
	// A decision name is the last part of its package name, j<code>.<name>.
	decisionName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	fieldName    = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	ruleID       = regexp.MustCompile(`^([A-Z]{2,6})-[0-9]+$`)
)

var fieldTypes = []string{"object", "array", "string", "date", "number", "integer", "boolean"}

// Options tune Decode.
type Options struct {
	// KnownRulePrefix says whether a rule-ID prefix (XZ of XZ-3) belongs to
	// a jurisdiction of the tree; nil accepts any well-formed one.
	KnownRulePrefix func(prefix string) bool
}

// Decode reads a catalogue document, {"decisions": [...]}, as decoded from
// JSON with numbers kept as json.Number. It returns every entry it could
// read, so a caller can still tell which decisions the author meant, and
// every problem; the catalogue is usable only when there are none.
func Decode(doc any, opts Options) (*Catalogue, Problems) {
	d := decoder{opts: opts}
	c := &Catalogue{byName: map[string]*Definition{}}
	top, ok := doc.(map[string]any)
	if !ok {
		d.add("", "the file must hold an object: {\"decisions\": [...]}")
		return c, d.problems
	}
	d.keys("", top, "the catalogue", "decisions")
	list, ok := top["decisions"].([]any)
	if !ok {
		d.add("/decisions", "\"decisions\" must be a list of decisions: {\"decisions\": [{\"name\": ..., \"title\": ...}]}")
		return c, d.problems
	}
	seen := map[string]int{}
	for i, v := range list {
		path := "/decisions/" + strconv.Itoa(i)
		def, ok := d.definition(path, v)
		if !ok {
			continue
		}
		if first, dup := seen[def.Name]; dup {
			d.add(path+"/name", fmt.Sprintf("decision %s is listed twice (also entry %d); keep one", def.Name, first+1))
			continue
		}
		seen[def.Name] = i + 1
		c.defs = append(c.defs, def)
	}
	for i := range c.defs {
		c.byName[c.defs[i].Name] = &c.defs[i]
	}
	return c, d.problems
}

type decoder struct {
	opts     Options
	problems Problems
}

func (d *decoder) add(path, msg string) {
	d.problems = append(d.problems, Problem{Path: path, Message: msg})
}

// keys reports every member of m that is not one of known: a misspelt key
// would otherwise be ignored, and the setting it was meant to make with it.
func (d *decoder) keys(path string, m map[string]any, what string, known ...string) {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if !slices.Contains(known, k) {
			d.add(path+"/"+pointerEscape(k), fmt.Sprintf("%s: unknown key %q (known: %s)", what, k, strings.Join(known, ", ")))
		}
	}
}

func (d *decoder) definition(path string, v any) (Definition, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		d.add(path, "each decision must be an object: {\"name\": ..., \"title\": ..., \"rules\": [...]}")
		return Definition{}, false
	}
	name, ok := m["name"].(string)
	if !ok || !decisionName.MatchString(name) {
		d.add(path+"/name", fmt.Sprintf("a decision needs a \"name\" of lower-case letters, digits and _, starting with a letter (it is the last part of the package j<code>.<name>), got %s", show(m["name"])))
		return Definition{}, false
	}
	what := "decision " + name
	d.keys(path, m, what, "name", "title", "description", "rules", "classification", "context")
	def := Definition{Name: name, Rules: []string{}}
	if def.Title, ok = m["title"].(string); !ok || strings.TrimSpace(def.Title) == "" {
		d.add(path+"/title", what+": \"title\" must be a non-empty string")
	}
	if v, present := m["description"]; present {
		if def.Description, ok = v.(string); !ok {
			d.add(path+"/description", what+": \"description\" must be a string")
		}
	}
	if v, present := m["classification"]; present {
		if def.Classification, ok = v.(bool); !ok {
			d.add(path+"/classification", what+": \"classification\" must be true or false")
		}
	}
	d.rules(path+"/rules", what, m["rules"], &def)
	if v, present := m["context"]; present {
		props, ok := v.(map[string]any)
		if !ok {
			d.add(path+"/context", what+": \"context\" must be an object naming each context field: {\"trigger\": {\"type\": \"string\"}}")
		} else {
			def.Context = &Field{Type: "object", Properties: d.properties(path+"/context", what+": context", props)}
		}
	}
	return def, true
}

func (d *decoder) rules(path, what string, v any, def *Definition) {
	if v == nil {
		return
	}
	list, ok := v.([]any)
	if !ok {
		d.add(path, what+": \"rules\" must be a list of rule IDs such as [\"CN-2\", \"XZ-3\"]")
		return
	}
	for i, r := range list {
		at := path + "/" + strconv.Itoa(i)
		s, _ := r.(string)
		parts := ruleID.FindStringSubmatch(s)
		switch {
		case parts == nil:
			d.add(at, fmt.Sprintf("%s: %s is not a rule ID (a jurisdiction's prefix, a hyphen and a number, such as XZ-3)", what, show(r)))
			continue
		case d.opts.KnownRulePrefix != nil && !d.opts.KnownRulePrefix(parts[1]):
			d.add(at, fmt.Sprintf("%s: rule %s: no jurisdiction of the tree has the rule prefix %s (set \"rule_prefix\" in jurisdictions.json)", what, s, parts[1]))
		case slices.Contains(def.Rules, s):
			d.add(at, fmt.Sprintf("%s: rule %s is listed twice", what, s))
			continue
		}
		def.Rules = append(def.Rules, s)
	}
}

func (d *decoder) properties(path, what string, m map[string]any) map[string]*Field {
	out := make(map[string]*Field, len(m))
	for name, v := range m {
		at := path + "/" + pointerEscape(name)
		if !fieldName.MatchString(name) {
			d.add(at, fmt.Sprintf("%s: field name %q must be lower-case letters, digits and _, starting with a letter", what, name))
			continue
		}
		if f := d.field(at, what+"."+name, v); f != nil {
			out[name] = f
		}
	}
	return out
}

// field reads one field of a context schema: the format Field renders as
// JSON Schema, with "required" on the field itself.
func (d *decoder) field(path, what string, v any) *Field {
	m, ok := v.(map[string]any)
	if !ok {
		d.add(path, what+": a field must be an object such as {\"type\": \"string\", \"description\": \"...\"}")
		return nil
	}
	d.keys(path, m, what, "type", "description", "enum", "required", "default", "minimum", "items", "properties")
	f := &Field{}
	if f.Type, ok = m["type"].(string); !ok || !slices.Contains(fieldTypes, f.Type) {
		d.add(path+"/type", fmt.Sprintf("%s: \"type\" must be one of %s, got %s", what, strings.Join(fieldTypes, ", "), show(m["type"])))
		return nil
	}
	if v, present := m["description"]; present {
		if f.Description, ok = v.(string); !ok {
			d.add(path+"/description", what+": \"description\" must be a string")
		}
	}
	if v, present := m["required"]; present {
		if f.Required, ok = v.(bool); !ok {
			d.add(path+"/required", what+": \"required\" must be true or false")
		}
	}
	d.enum(path, what, m, f)
	d.minimum(path, what, m, f)
	d.defaultValue(path, what, m, f)
	if v, present := m["items"]; present {
		if f.Type != "array" {
			d.add(path+"/items", what+": \"items\" describes list elements; only a field of type array has it")
		} else {
			f.Items = d.field(path+"/items", what+"[]", v)
		}
	} else if f.Type == "array" {
		d.add(path, what+": a field of type array needs \"items\", the description of each element")
	}
	if v, present := m["properties"]; present {
		props, ok := v.(map[string]any)
		switch {
		case f.Type != "object":
			d.add(path+"/properties", what+": \"properties\" names the fields of an object; only a field of type object has it")
		case !ok:
			d.add(path+"/properties", what+": \"properties\" must be an object naming each field")
		default:
			f.Properties = d.properties(path+"/properties", what, props)
		}
	}
	return f
}

func (d *decoder) enum(path, what string, m map[string]any, f *Field) {
	v, present := m["enum"]
	if !present {
		return
	}
	list, ok := v.([]any)
	if f.Type != "string" {
		d.add(path+"/enum", what+": \"enum\" lists the allowed strings; only a field of type string has it")
		return
	}
	if !ok || len(list) == 0 {
		d.add(path+"/enum", what+": \"enum\" must be a non-empty list of strings")
		return
	}
	for i, e := range list {
		s, ok := e.(string)
		switch {
		case !ok || s == "":
			d.add(path+"/enum/"+strconv.Itoa(i), fmt.Sprintf("%s: each allowed value must be a non-empty string, got %s", what, show(e)))
		case slices.Contains(f.Enum, s):
			d.add(path+"/enum/"+strconv.Itoa(i), fmt.Sprintf("%s: %q is listed twice", what, s))
		default:
			f.Enum = append(f.Enum, s)
		}
	}
}

func (d *decoder) minimum(path, what string, m map[string]any, f *Field) {
	v, present := m["minimum"]
	if !present {
		return
	}
	n, ok := number(v)
	switch {
	case f.Type != "number" && f.Type != "integer":
		d.add(path+"/minimum", what+": \"minimum\" only applies to a field of type number or integer")
	case !ok:
		d.add(path+"/minimum", what+": \"minimum\" must be a number")
	default:
		f.Minimum = &n
	}
}

// defaultValue reads the value filled in when a request leaves the field
// out; it must itself pass the field, or every request would carry a value
// the contract refuses.
func (d *decoder) defaultValue(path, what string, m map[string]any, f *Field) {
	v, present := m["default"]
	if !present {
		return
	}
	at := path + "/default"
	switch f.Type {
	case "string", "date":
		s, ok := v.(string)
		switch {
		case !ok:
			d.add(at, what+": the default must be a string")
		case len(f.Enum) > 0 && !slices.Contains(f.Enum, s):
			d.add(at, fmt.Sprintf("%s: the default %q is not one of the allowed values (%s)", what, s, strings.Join(f.Enum, ", ")))
		default:
			f.Default = s
		}
	case "boolean":
		if b, ok := v.(bool); ok {
			f.Default = b
		} else {
			d.add(at, what+": the default must be true or false")
		}
	case "number", "integer":
		n, ok := number(v)
		switch {
		case !ok:
			d.add(at, what+": the default must be a number")
		case f.Type == "integer" && n != float64(int64(n)):
			d.add(at, what+": the default must be a whole number")
		case f.Minimum != nil && n < *f.Minimum:
			d.add(at, fmt.Sprintf("%s: the default %v is under the minimum %v", what, n, *f.Minimum))
		default:
			f.Default = n
		}
	default:
		d.add(at, what+": only strings, dates, numbers and booleans can have a default")
	}
	if f.Default != nil && f.Required {
		d.add(at, what+": a field with a default is never missing; drop \"required\" or the default")
	}
}

// number accepts what a JSON decoder produces for a number.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	}
	return 0, false
}

// show renders a value found where another was expected, for a message.
func show(v any) string {
	switch v := v.(type) {
	case nil:
		return "nothing"
	case string:
		return strconv.Quote(v)
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprint(v)
}

// pointerEscape escapes a key for a JSON pointer (RFC 6901).
func pointerEscape(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}
