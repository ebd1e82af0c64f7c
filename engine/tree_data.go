package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/credpol/credpol/internal/catalogue"
	"github.com/credpol/credpol/internal/jurisdiction"
)

// The tree's own data files, at its root. They are ordinary data documents
// to OPA (data.jurisdictions, data.decisions), so stock `opa check` and
// `opa test` load them like any parameter file; credpol reads them itself
// as well, with the line of every value, to validate them before the tree
// compiles and to serve from them.
const (
	// JurisdictionsFile lists the jurisdiction tree: {"jurisdictions": [{code, name, level, parent, ...}]}.
	JurisdictionsFile = "jurisdictions.json"
	// CatalogueFile lists the decisions: {"decisions": [{name, title, description, rules, classification, context}]}.
	CatalogueFile = "catalogue.json"
)

// treeData is what the tree's data files declare. The registry and the
// catalogue are set only when their file is valid; codes and decisions hold
// whatever could be read even from an invalid file, so the package check
// judges package names by what the author meant rather than reporting every
// package again because of one typo in the data.
type treeData struct {
	jurisdictions *jurisdiction.Registry
	catalogue     *catalogue.Catalogue
	codes         map[string]bool // nil when the file could not be read at all
	decisions     map[string]bool // nil when the file could not be read at all
}

// Jurisdictions returns the jurisdiction tree of this revision.
func (ps *PolicySet) Jurisdictions() *jurisdiction.Registry { return ps.data.jurisdictions }

// Catalogue returns the decision catalogue of this revision.
func (ps *PolicySet) Catalogue() *catalogue.Catalogue { return ps.data.catalogue }

// Jurisdictions returns a registry that always answers from the serving
// revision's tree (an empty tree before the first Load), so scope checks,
// sampling and fact validation pick up a county a reload added without
// being handed a new registry.
func (e *Engine) Jurisdictions() *jurisdiction.Registry {
	return jurisdiction.Follow(func() *jurisdiction.Registry {
		if ps := e.Current(); ps != nil {
			return ps.Jurisdictions()
		}
		return nil
	})
}

// ReadTreeData reads and validates only the data files of the tree in fsys,
// for tools that need the jurisdictions or the catalogue without compiling
// the policies (creating a token, importing facts).
func ReadTreeData(fsys fs.FS) (*jurisdiction.Registry, *catalogue.Catalogue, error) {
	files := map[string][]byte{}
	for _, name := range []string{JurisdictionsFile, CatalogueFile} {
		b, err := fs.ReadFile(fsys, name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("reading policy tree: %w", err)
		}
		files[name] = b
	}
	td, err := readTreeData(files)
	if err != nil {
		return nil, nil, err
	}
	return td.jurisdictions, td.catalogue, nil
}

// checkTreeData is the tree check for the data files.
func checkTreeData(t *Tree) Errors {
	_, errs := parseTreeData(t.Files)
	return errs
}

// readTreeData returns the tree's data, or every problem with it.
func readTreeData(files map[string][]byte) (*treeData, error) {
	td, errs := parseTreeData(files)
	if len(errs) > 0 {
		return nil, errs
	}
	return td, nil
}

func parseTreeData(files map[string][]byte) (*treeData, Errors) {
	td := &treeData{}
	var errs Errors
	prefixes := map[string]bool{}
	if doc, e := openData(files, JurisdictionsFile, "the jurisdiction tree: every jurisdiction the tree answers for, with its name, level and parent"); e != nil {
		errs = append(errs, *e)
	} else {
		var nodes []jurisdiction.Jurisdiction
		nodes, errs = readNodes(doc, errs)
		td.codes = map[string]bool{}
		for _, n := range nodes {
			if jurisdiction.ValidCode(n.Code) {
				td.codes[n.Code] = true
			}
			if n.RulePrefix != "" {
				prefixes[n.RulePrefix] = true
			}
		}
		reg, err := jurisdiction.New(nodes)
		var ps jurisdiction.Problems
		switch {
		case errors.As(err, &ps):
			for _, p := range ps {
				at := "/jurisdictions"
				if p.Index >= 0 {
					at += "/" + strconv.Itoa(p.Index) + "/" + p.Field
				}
				errs = append(errs, doc.error(at, p.Message))
			}
		case err != nil:
			errs = append(errs, doc.error("", err.Error()))
		case len(errs) == 0:
			td.jurisdictions = reg
		}
	}
	if doc, e := openData(files, CatalogueFile, "the decision catalogue: every decision the tree's packages may define"); e != nil {
		errs = append(errs, *e)
	} else {
		cat, ps := catalogue.Decode(doc.value, catalogue.Options{KnownRulePrefix: func(p string) bool { return prefixes[p] }})
		for _, p := range ps {
			errs = append(errs, doc.error(p.Path, p.Message))
		}
		for _, dup := range doc.duplicates {
			errs = append(errs, doc.error(dup, "this key appears twice in the same object; only the last would count"))
		}
		td.decisions = map[string]bool{}
		for _, d := range cat.All() {
			td.decisions[d.Name] = true
		}
		if len(ps) == 0 && len(doc.duplicates) == 0 {
			td.catalogue = cat
		}
	}
	errs.sort()
	return td, errs
}

// openData decodes one data file with its lines, or says why it cannot.
func openData(files map[string][]byte, name, holds string) (*jsonDoc, *Error) {
	b, ok := files[name]
	if !ok {
		return nil, &Error{Message: fmt.Sprintf("the policy tree has no %s; it must hold %s", name, holds)}
	}
	doc, err := decodeJSON(name, b)
	if err != nil {
		var e Error
		if errors.As(err, &e) {
			return nil, &e
		}
		return nil, &Error{File: name, Message: err.Error()}
	}
	return doc, nil
}

var nodeFields = []string{"code", "name", "level", "parent", "valid_from", "valid_to", "rule_prefix"}

// readNodes turns the jurisdictions document into nodes, reporting what is
// not a list of objects of strings. A value of the wrong kind is still used
// when it can be (a code written as a number), so one missing pair of
// quotes does not also make every child of the node lose its parent.
func readNodes(doc *jsonDoc, errs Errors) ([]jurisdiction.Jurisdiction, Errors) {
	for _, dup := range doc.duplicates {
		errs = append(errs, doc.error(dup, "this key appears twice in the same object; only the last would count"))
	}
	top, ok := doc.value.(map[string]any)
	if !ok {
		return nil, append(errs, doc.error("", `the file must hold an object: {"jurisdictions": [...]}`))
	}
	for k := range top {
		if k != "jurisdictions" {
			errs = append(errs, doc.error("/"+pointerEscape(k), fmt.Sprintf("unknown key %q: the file holds only \"jurisdictions\"", k)))
		}
	}
	list, ok := top["jurisdictions"].([]any)
	if !ok {
		return nil, append(errs, doc.error("/jurisdictions", `"jurisdictions" must be a list: [{"code": "100000", "name": "全国", "level": "national"}, ...]`))
	}
	nodes := make([]jurisdiction.Jurisdiction, 0, len(list))
	for i, v := range list {
		at := "/jurisdictions/" + strconv.Itoa(i)
		m, ok := v.(map[string]any)
		if !ok {
			errs = append(errs, doc.error(at, `each jurisdiction must be an object: {"code": ..., "name": ..., "level": ..., "parent": ...}`))
			nodes = append(nodes, jurisdiction.Jurisdiction{})
			continue
		}
		var n jurisdiction.Jurisdiction
		dest := map[string]*string{"code": &n.Code, "name": &n.Name, "level": &n.Level, "parent": &n.Parent,
			"valid_from": &n.ValidFrom, "valid_to": &n.ValidTo, "rule_prefix": &n.RulePrefix}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			field, known := dest[k]
			switch s, isString := m[k].(string); {
			case !known:
				errs = append(errs, doc.error(at+"/"+pointerEscape(k), fmt.Sprintf("unknown key %q (known: %s)", k, strings.Join(nodeFields, ", "))))
			case isString:
				*field = s
			default:
				if num, isNumber := m[k].(json.Number); isNumber {
					*field = num.String()
					errs = append(errs, doc.error(at+"/"+k, fmt.Sprintf("%s must be written in quotes: \"%s\"", k, num)))
				} else {
					errs = append(errs, doc.error(at+"/"+k, fmt.Sprintf("%s must be a string in quotes", k)))
				}
			}
		}
		nodes = append(nodes, n)
	}
	return nodes, errs
}

// jsonDoc is a JSON file decoded with the line of every member and element,
// so a problem found in a value names the line to correct.
type jsonDoc struct {
	file       string
	value      any            // numbers as json.Number
	lines      map[string]int // JSON pointer → line of the member's key, or of the element
	duplicates []string       // pointers of keys given twice in one object
}

// error locates msg at the value ptr points to, or at the nearest enclosing
// value that exists (the entry of a missing field).
func (d *jsonDoc) error(ptr, msg string) Error {
	for {
		if line, ok := d.lines[ptr]; ok {
			return Error{File: d.file, Row: line, Message: msg}
		}
		i := strings.LastIndexByte(ptr, '/')
		if i < 0 {
			return Error{File: d.file, Row: 1, Message: msg}
		}
		ptr = ptr[:i]
	}
}

func decodeJSON(file string, data []byte) (*jsonDoc, error) {
	r := &jsonReader{data: data, dec: json.NewDecoder(bytes.NewReader(data)),
		doc: &jsonDoc{file: file, lines: map[string]int{}}}
	r.dec.UseNumber()
	r.starts = []int{0}
	for i, c := range data {
		if c == '\n' {
			r.starts = append(r.starts, i+1)
		}
	}
	v, err := r.value("", r.nextLine())
	if err == nil {
		if _, err = r.dec.Token(); err == io.EOF {
			err = nil
		} else if err == nil {
			err = errors.New("unexpected text after the end of the JSON value")
		}
	}
	if err != nil {
		line := r.nextLine()
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line = r.lineAt(int(se.Offset))
		}
		return nil, Error{File: file, Row: line, Message: "not valid JSON: " + err.Error()}
	}
	r.doc.value = v
	return r.doc, nil
}

type jsonReader struct {
	data   []byte
	dec    *json.Decoder
	starts []int // byte offset at which each line starts
	doc    *jsonDoc
}

// nextLine is the line of the next token: the decoder's offset is the end
// of the last token, before any separator and space.
func (r *jsonReader) nextLine() int {
	off := int(r.dec.InputOffset())
	for off < len(r.data) && strings.IndexByte(" \t\r\n,:", r.data[off]) >= 0 {
		off++
	}
	return r.lineAt(off)
}

func (r *jsonReader) lineAt(off int) int { return sort.SearchInts(r.starts, off+1) }

func (r *jsonReader) value(ptr string, line int) (any, error) {
	if _, set := r.doc.lines[ptr]; !set {
		r.doc.lines[ptr] = line
	}
	tok, err := r.dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		m := map[string]any{}
		for r.dec.More() {
			keyLine := r.nextLine()
			k, err := r.dec.Token()
			if err != nil {
				return nil, err
			}
			key, _ := k.(string)
			at := ptr + "/" + pointerEscape(key)
			if _, dup := m[key]; dup {
				r.doc.duplicates = append(r.doc.duplicates, at)
			}
			r.doc.lines[at] = keyLine
			if m[key], err = r.value(at, keyLine); err != nil {
				return nil, err
			}
		}
		_, err := r.dec.Token()
		return m, err
	case json.Delim('['):
		a := []any{}
		for i := 0; r.dec.More(); i++ {
			v, err := r.value(ptr+"/"+strconv.Itoa(i), r.nextLine())
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		_, err := r.dec.Token()
		return a, err
	}
	return tok, nil
}

// pointerEscape escapes a key for a JSON pointer (RFC 6901).
func pointerEscape(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}
