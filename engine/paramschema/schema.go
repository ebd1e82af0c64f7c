package paramschema

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Schema is a compiled JSON Schema (draft 2020-12), limited to the keywords
// below. Beside the standard ones it knows three of its own, which other
// tools ignore as annotations:
//
//   - "x-required-in-each-file": keys every file's block must set (each
//     level names its source), where "required" applies only to the block
//     merged along a chain, since a county sets only what it changes;
//   - "x-ordered": ["min", "max"]: those members, where present, must not
//     decrease in that order (numbers, or dates as strings);
//   - "x-descending-by": "min": the list's objects must be ordered by that
//     member, highest first, no two equal;
//   - "x-last-item": a schema the last item of a list must also satisfy
//     (the lowest band starts at 0);
//   - "x-template": true: the string may name values as {dotted.path},
//     filled by the policy (lib.render); in a merged block each must name
//     a value of the enclosing objects, innermost first;
//   - "x-message": the explanation given when the value fails this schema's
//     "pattern", "format", "const" or a false schema.
type Schema struct {
	node *Value // where the schema is written, for problems in it
	deny bool   // the false schema

	types                []string
	properties           map[string]*Schema
	propertyOrder        []string
	additional           *Schema
	patternProperties    []patternSchema
	propertyNames        *Schema
	items                *Schema
	enum                 []*Value
	constant             *Value
	minimum, maximum     *float64
	exclMinimum          *float64
	minLength, maxLength *int
	minItems, maxItems   *int
	uniqueItems          bool
	pattern              *regexp.Regexp
	format               string
	required             []string
	requiredEachFile     []string
	ifS, thenS, elseS    *Schema
	allOf                []*Schema
	ordered              []string
	descendingBy         string
	lastItem             *Schema
	template             bool
	message              string
	ref                  string
	defs                 map[string]*Schema // only on the root
	root                 *Schema
}

type patternSchema struct {
	re *regexp.Regexp
	s  *Schema
}

// annotations are keywords that describe rather than constrain.
var annotations = map[string]bool{
	"$schema": true, "$id": true, "$comment": true, "title": true, "description": true,
	"examples": true, "default": true, "deprecated": true,
}

// Compile reads a schema document. Keywords it does not implement are
// problems at their line: a schema must never look stricter than it is.
func Compile(doc *Value) (*Schema, []Problem) {
	c := &compiler{}
	root := &Schema{defs: map[string]*Schema{}}
	root.root = root
	if defs := doc.Get("$defs"); defs != nil && defs.Kind == Object {
		for _, k := range defs.Keys {
			root.defs[k] = &Schema{root: root}
		}
		for _, k := range defs.Keys {
			c.fill(root.defs[k], defs.Members[k], root)
		}
	}
	c.fill(root, doc, root)
	for _, r := range c.refs {
		name, ok := strings.CutPrefix(r.ref, "#/$defs/")
		if !ok || root.defs[name] == nil {
			c.problem(r.node, fmt.Sprintf("$ref %q: only references to this file's $defs (#/$defs/<name>) are supported, and this one is not defined", r.ref))
		}
	}
	return root, c.problems
}

type compiler struct {
	problems []Problem
	refs     []*Schema
}

func (c *compiler) problem(at *Value, msg string) {
	c.problems = append(c.problems, Problem{File: at.File(), Line: at.Line(), Message: msg})
}

func (c *compiler) sub(v *Value, root *Schema) *Schema {
	s := &Schema{root: root}
	c.fill(s, v, root)
	return s
}

func (c *compiler) fill(s *Schema, v *Value, root *Schema) {
	s.node = v
	switch v.Kind {
	case Bool:
		s.deny = !v.Bool
		return
	case Object:
	default:
		c.problem(v, "a schema must be an object or a boolean")
		return
	}
	for _, k := range v.Keys {
		m := v.Members[k]
		ok := true
		switch k {
		case "$defs":
			ok = s == root
		case "type":
			switch m.Kind {
			case String:
				s.types = []string{m.Str}
			case Array:
				for _, it := range m.Items {
					s.types = append(s.types, it.Str)
				}
			}
			for _, t := range s.types {
				if !slices.Contains([]string{"object", "array", "string", "number", "integer", "boolean", "null"}, t) {
					c.problem(m, fmt.Sprintf("unknown type %q", t))
				}
			}
		case "properties":
			s.properties = map[string]*Schema{}
			for _, pk := range m.Keys {
				s.properties[pk] = c.sub(m.Members[pk], root)
				s.propertyOrder = append(s.propertyOrder, pk)
			}
		case "additionalProperties":
			s.additional = c.sub(m, root)
		case "patternProperties":
			for _, pk := range m.Keys {
				re, err := regexp.Compile(pk)
				if err != nil {
					c.problem(m.Members[pk], fmt.Sprintf("pattern %q: %v", pk, err))
					continue
				}
				s.patternProperties = append(s.patternProperties, patternSchema{re, c.sub(m.Members[pk], root)})
			}
		case "propertyNames":
			s.propertyNames = c.sub(m, root)
		case "items":
			s.items = c.sub(m, root)
		case "enum":
			s.enum = m.Items
		case "const":
			s.constant = m
		case "minimum", "maximum", "exclusiveMinimum":
			f := m.Float()
			*map[string]**float64{"minimum": &s.minimum, "maximum": &s.maximum, "exclusiveMinimum": &s.exclMinimum}[k] = &f
		case "minLength", "maxLength", "minItems", "maxItems":
			n := int(m.Float())
			*map[string]**int{"minLength": &s.minLength, "maxLength": &s.maxLength, "minItems": &s.minItems, "maxItems": &s.maxItems}[k] = &n
		case "uniqueItems":
			s.uniqueItems = m.Bool
		case "pattern":
			re, err := regexp.Compile(m.Str)
			if err != nil {
				c.problem(m, fmt.Sprintf("pattern: %v", err))
				break
			}
			s.pattern = re
		case "format":
			s.format = m.Str
			ok = m.Str == "date"
		case "required":
			for _, it := range m.Items {
				s.required = append(s.required, it.Str)
			}
		case "x-required-in-each-file":
			for _, it := range m.Items {
				s.requiredEachFile = append(s.requiredEachFile, it.Str)
			}
		case "if":
			s.ifS = c.sub(m, root)
		case "then":
			s.thenS = c.sub(m, root)
		case "else":
			s.elseS = c.sub(m, root)
		case "allOf":
			for _, it := range m.Items {
				s.allOf = append(s.allOf, c.sub(it, root))
			}
		case "x-ordered":
			for _, it := range m.Items {
				s.ordered = append(s.ordered, it.Str)
			}
		case "x-descending-by":
			s.descendingBy = m.Str
		case "x-last-item":
			s.lastItem = c.sub(m, root)
		case "x-template":
			s.template = m.Bool
		case "x-message":
			s.message = m.Str
		case "$ref":
			s.ref = m.Str
			c.refs = append(c.refs, s)
		default:
			ok = annotations[k]
		}
		if !ok {
			c.problem(m, fmt.Sprintf("schema keyword %q is not supported by credpol's parameter check; use type, properties, additionalProperties, patternProperties, propertyNames, items, enum, const, minimum, maximum, exclusiveMinimum, minLength, maxLength, minItems, maxItems, uniqueItems, pattern, format \"date\", required, if/then/else, allOf, $defs and $ref", k))
		}
	}
}

// Mode says which requirements apply.
type Mode int

const (
	// EachFile checks one file's block: what it sets must be right, but it
	// need not set what its parents set ("required" does not apply).
	EachFile Mode = iota
	// Merged checks a block merged along a chain: everything applies.
	Merged
)

// Validate returns the problems of v against s; path is v's JSON path.
func (s *Schema) Validate(v *Value, path []any, mode Mode) []Problem {
	var out []Problem
	s.validate(v, path, mode, nil, &out)
	return out
}

func (s *Schema) resolve() *Schema {
	for s.ref != "" {
		s = s.root.defs[strings.TrimPrefix(s.ref, "#/$defs/")]
	}
	return s
}

func (s *Schema) validate(v *Value, path []any, mode Mode, scopes []*Value, out *[]Problem) {
	s = s.resolve()
	add := func(at *Value, p []any, msg string) {
		*out = append(*out, Problem{File: at.File(), Line: at.Line(), Path: PathString(p), Message: msg})
	}
	if s.deny {
		add(v, path, cmpMessage(s.message, "is not allowed here"))
		return
	}
	if len(s.types) > 0 && !slices.ContainsFunc(s.types, func(t string) bool { return hasType(v, t) }) {
		add(v, path, fmt.Sprintf("expected %s, found %s", typeNames(s.types), describe(v)))
		return
	}
	for _, sub := range s.allOf {
		sub.validate(v, path, mode, scopes, out)
	}
	if s.ifS != nil {
		var probe []Problem
		s.ifS.validate(v, path, mode, scopes, &probe)
		if len(probe) == 0 && s.thenS != nil {
			s.thenS.validate(v, path, mode, scopes, out)
		} else if len(probe) > 0 && s.elseS != nil {
			s.elseS.validate(v, path, mode, scopes, out)
		}
	}
	if s.enum != nil && !slices.ContainsFunc(s.enum, func(e *Value) bool { return equal(e, v) }) {
		names := make([]string, len(s.enum))
		for i, e := range s.enum {
			names[i] = literal(e)
		}
		add(v, path, fmt.Sprintf("must be one of %s; found %s", strings.Join(names, ", "), literal(v)))
	}
	if s.constant != nil && !equal(s.constant, v) {
		add(v, path, cmpMessage(s.message, "must be "+literal(s.constant))+"; found "+literal(v))
	}
	switch v.Kind {
	case Number:
		f := v.Float()
		if s.minimum != nil && f < *s.minimum {
			add(v, path, fmt.Sprintf("must be at least %v; found %s", *s.minimum, v.Num))
		}
		if s.exclMinimum != nil && f <= *s.exclMinimum {
			add(v, path, fmt.Sprintf("must be more than %v; found %s", *s.exclMinimum, v.Num))
		}
		if s.maximum != nil && f > *s.maximum {
			add(v, path, fmt.Sprintf("must be at most %v; found %s", *s.maximum, v.Num))
		}
	case String:
		n := len([]rune(v.Str))
		if s.minLength != nil && n < *s.minLength {
			if *s.minLength == 1 {
				add(v, path, "must not be empty")
			} else {
				add(v, path, fmt.Sprintf("must have at least %d characters; found %d", *s.minLength, n))
			}
		}
		if s.maxLength != nil && n > *s.maxLength {
			add(v, path, fmt.Sprintf("must have at most %d characters; found %d", *s.maxLength, n))
		}
		if s.pattern != nil && !s.pattern.MatchString(v.Str) {
			add(v, path, cmpMessage(s.message, fmt.Sprintf("must match the pattern %s", s.pattern))+"; found "+literal(v))
		}
		if s.format == "date" && !isDate(v.Str) {
			add(v, path, cmpMessage(s.message, "must be a date written YYYY-MM-DD")+"; found "+literal(v))
		}
		if s.template && mode == Merged {
			for _, m := range placeholder.FindAllStringSubmatch(v.Str, -1) {
				if !resolves(strings.Split(m[1], "."), scopes) {
					add(v, path, fmt.Sprintf("%s names no value here: a placeholder gives the dotted path of a value of this item or of the block, as {months} or {regimes.CN-6.repair_after}", m[0]))
				}
			}
		}
	case Array:
		if s.minItems != nil && len(v.Items) < *s.minItems {
			add(v, path, fmt.Sprintf("must list at least %d item(s); found %d", *s.minItems, len(v.Items)))
		}
		if s.maxItems != nil && len(v.Items) > *s.maxItems {
			add(v, path, fmt.Sprintf("must list at most %d item(s); found %d", *s.maxItems, len(v.Items)))
		}
		for i, it := range v.Items {
			p := append(slices.Clip(path), i)
			if s.uniqueItems {
				for j := range i {
					if equal(v.Items[j], it) {
						add(it, p, fmt.Sprintf("%s is listed twice (also at [%d])", literal(it), j))
						break
					}
				}
			}
			if s.items != nil {
				s.items.validate(it, p, mode, scopes, out)
			}
		}
		if s.lastItem != nil && len(v.Items) > 0 {
			s.lastItem.validate(v.Items[len(v.Items)-1], append(slices.Clip(path), len(v.Items)-1), mode, scopes, out)
		}
		if s.descendingBy != "" {
			for i := 1; i < len(v.Items); i++ {
				a, b := v.Items[i-1].Get(s.descendingBy), v.Items[i].Get(s.descendingBy)
				if a != nil && b != nil && a.Kind == Number && b.Kind == Number && b.Float() >= a.Float() {
					add(b, append(slices.Clip(path), i, s.descendingBy), fmt.Sprintf(
						"items must be ordered by %s, highest first: %s is not below %s of the item before", s.descendingBy, b.Num, a.Num))
				}
			}
		}
	case Object:
		s.validateObject(v, path, mode, append([]*Value{v}, scopes...), out, add)
	}
}

func (s *Schema) validateObject(v *Value, path []any, mode Mode, scopes []*Value, out *[]Problem, add func(*Value, []any, string)) {
	need := s.requiredEachFile
	if mode == Merged {
		need = append(slices.Clip(need), s.required...)
	}
	for _, k := range need {
		if v.Members[k] == nil {
			where := "this file must set it"
			if mode == Merged && !slices.Contains(s.requiredEachFile, k) {
				where = "no jurisdiction on the chain sets it"
			}
			add(v, path, fmt.Sprintf("%q is missing: %s", k, where))
		}
	}
	for _, k := range v.Keys {
		m := v.Members[k]
		p := append(slices.Clip(path), k)
		if s.propertyNames != nil {
			s.propertyNames.validate(&Value{Kind: String, Str: k, src: m.src, off: m.off}, p, mode, scopes, out)
		}
		sub, known := s.properties[k]
		if !known {
			for _, pp := range s.patternProperties {
				if pp.re.MatchString(k) {
					sub, known = pp.s, true
					break
				}
			}
		}
		if !known && s.additional != nil {
			if s.additional.resolve().deny {
				add(m, p, unknownField(k, s.propertyOrder))
				continue
			}
			sub, known = s.additional, true
		}
		if known {
			sub.validate(m, p, mode, scopes, out)
		}
	}
	for i := 1; i < len(s.ordered); i++ {
		lo, hi := s.ordered[i-1], s.ordered[i]
		a, b := v.Members[lo], v.Members[hi]
		if a == nil || b == nil || a.Kind != b.Kind || !less(b, a) {
			continue
		}
		// In a merged block the two may come from different files: the
		// problem is told where this object's most specific level set one.
		if a.src == v.src && b.src != v.src {
			add(a, append(slices.Clip(path), lo), fmt.Sprintf("%s (%s) must not be above %s (%s%s)", lo, literal(a), hi, literal(b), elsewhere(b, v)))
		} else {
			add(b, append(slices.Clip(path), hi), fmt.Sprintf("%s (%s) must not be below %s (%s%s)", hi, literal(b), lo, literal(a), elsewhere(a, v)))
		}
	}
}

// placeholder is how a template names a value: {regimes.CN-6.repair_after}.
var placeholder = regexp.MustCompile(`\{([^{}]+)\}`)

// resolves reports whether some scope, innermost first, holds a value at path.
func resolves(path []string, scopes []*Value) bool {
	for _, sc := range scopes {
		if sc.Get(path...) != nil {
			return true
		}
	}
	return false
}

// elsewhere names the place of x when it is in another file than v.
func elsewhere(x, v *Value) string {
	if x.src == v.src || x.src == nil {
		return ""
	}
	return fmt.Sprintf(", set in %s:%d", x.File(), x.Line())
}

func less(a, b *Value) bool {
	switch a.Kind {
	case Number:
		return a.Float() < b.Float()
	case String:
		return a.Str < b.Str
	}
	return false
}

func unknownField(k string, known []string) string {
	msg := "unknown field"
	if len(known) > 0 {
		msg += " (known: " + strings.Join(known, ", ") + ")"
	}
	if near := Nearest(k, known); near != "" {
		msg += "; did you mean " + near + "?"
	}
	return msg
}

// Nearest returns the candidate closest to s when it is close enough to be
// a slip of the keyboard, else "".
func Nearest(s string, candidates []string) string {
	best, bestD := "", 3
	if len(s) <= 4 {
		bestD = 2
	}
	for _, c := range candidates {
		if d := distance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// distance is the Levenshtein distance, with a swap of two neighbours as one edit.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range rb {
		d[0][j+1] = j + 1
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

func cmpMessage(custom, standard string) string {
	if custom != "" {
		return custom
	}
	return standard
}

func hasType(v *Value, t string) bool {
	switch t {
	case "object":
		return v.Kind == Object
	case "array":
		return v.Kind == Array
	case "string":
		return v.Kind == String
	case "number":
		return v.Kind == Number
	case "integer":
		return v.Kind == Number && v.Float() == math.Trunc(v.Float())
	case "boolean":
		return v.Kind == Bool
	case "null":
		return v.Kind == Null
	}
	return false
}

var typeWords = map[string]string{
	"object": "an object {…}", "array": "a list […]", "string": "a string in double quotes",
	"number": "a number", "integer": "a whole number", "boolean": "true or false", "null": "null",
}

func typeNames(types []string) string {
	words := make([]string, len(types))
	for i, t := range types {
		words[i] = typeWords[t]
	}
	if len(words) == 1 {
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// describe names a value as a person would: its type, and the value itself
// when it is short.
func describe(v *Value) string {
	switch v.Kind {
	case String:
		return "the string " + literal(v)
	case Number:
		return "the number " + string(v.Num)
	case Bool:
		return strconv.FormatBool(v.Bool)
	case Null:
		return "null"
	case Array:
		return "a list"
	}
	return "an object"
}

func literal(v *Value) string {
	switch v.Kind {
	case String:
		s := v.Str
		if r := []rune(s); len(r) > 60 {
			s = string(r[:60]) + "…"
		}
		return strconv.Quote(s)
	case Number:
		return string(v.Num)
	case Bool:
		return strconv.FormatBool(v.Bool)
	case Null:
		return "null"
	case Array:
		return "a list"
	}
	return "an object"
}

func equal(a, b *Value) bool {
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case Null:
		return true
	case Bool:
		return a.Bool == b.Bool
	case Number:
		return a.Float() == b.Float()
	case String:
		return a.Str == b.Str
	case Array:
		return slices.EqualFunc(a.Items, b.Items, equal)
	}
	if len(a.Keys) != len(b.Keys) {
		return false
	}
	for _, k := range a.Keys {
		if bm := b.Members[k]; bm == nil || !equal(a.Members[k], bm) {
			return false
		}
	}
	return true
}

// isDate accepts the dates policies can compute with: real calendar days
// written YYYY-MM-DD.
func isDate(s string) bool {
	if len(s) != 10 {
		return false
	}
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}
