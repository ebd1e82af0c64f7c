// Package paramschema checks policy parameter files against JSON Schemas and
// says where each problem is. Every JSON value it reads keeps the file and
// the byte offset it came from, so a problem found in a value, or in a block
// merged from several files, is reported on the line a person has to edit.
//
// It implements the part of JSON Schema the parameter schemas use (see
// schema.go); a schema using anything else is refused rather than silently
// checking less than it says.
package paramschema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Kind is the JSON type of a Value.
type Kind uint8

// The JSON types.
const (
	Null Kind = iota
	Bool
	Number
	String
	Array
	Object
)

// Value is one JSON value with the place it was read from.
type Value struct {
	Kind    Kind
	Bool    bool
	Num     json.Number
	Str     string
	Items   []*Value
	Keys    []string // object members in file order
	Members map[string]*Value

	src *Source
	off int // where the value starts; for an object member, where its key starts
}

// Source is a file's bytes, kept to turn offsets into lines and columns.
type Source struct {
	Name  string
	data  []byte
	lines []int // offset of the first byte of each line
}

func newSource(name string, data []byte) *Source {
	s := &Source{Name: name, data: data, lines: []int{0}}
	for i, b := range data {
		if b == '\n' {
			s.lines = append(s.lines, i+1)
		}
	}
	return s
}

// position returns the 1-based line and column (in characters) of offset.
func (s *Source) position(off int) (line, col int) {
	off = min(max(off, 0), len(s.data))
	i := sort.Search(len(s.lines), func(i int) bool { return s.lines[i] > off }) - 1
	return i + 1, utf8.RuneCount(s.data[s.lines[i]:off]) + 1
}

// File is the name of the file the value was read from.
func (v *Value) File() string {
	if v == nil || v.src == nil {
		return ""
	}
	return v.src.Name
}

// Line is the line the value (or its key) starts on.
func (v *Value) Line() int {
	if v == nil || v.src == nil {
		return 0
	}
	line, _ := v.src.position(v.off)
	return line
}

// Float is a number's value.
func (v *Value) Float() float64 {
	f, _ := strconv.ParseFloat(string(v.Num), 64)
	return f
}

// Get follows keys through objects; nil when one is missing.
func (v *Value) Get(keys ...string) *Value {
	for _, k := range keys {
		if v == nil || v.Kind != Object {
			return nil
		}
		v = v.Members[k]
	}
	return v
}

// Interface converts the value to the Go types encoding/json produces with
// UseNumber.
func (v *Value) Interface() any {
	switch v.Kind {
	case Bool:
		return v.Bool
	case Number:
		return v.Num
	case String:
		return v.Str
	case Array:
		out := make([]any, len(v.Items))
		for i, it := range v.Items {
			out[i] = it.Interface()
		}
		return out
	case Object:
		out := make(map[string]any, len(v.Keys))
		for _, k := range v.Keys {
			out[k] = v.Members[k].Interface()
		}
		return out
	}
	return nil
}

// Problem is one mistake in a file, where it is and what is wrong.
type Problem struct {
	File    string
	Line    int
	Column  int    // 0 when only the line is known
	Path    string // the JSON path of the value, e.g. supervision.ratios.B.min; empty for the whole file
	Message string
}

func (p Problem) String() string {
	at := p.File
	if p.Line > 0 {
		at += ":" + strconv.Itoa(p.Line)
		if p.Column > 0 {
			at += ":" + strconv.Itoa(p.Column)
		}
	}
	if p.Path == "" {
		return at + ": " + p.Message
	}
	return at + ": " + p.Path + ": " + p.Message
}

// Parse reads one JSON document. A syntax error stops it and is the only
// problem returned, with its line and column; a key given twice in one
// object (JSON keeps only the last, silently) is reported at the second.
func Parse(name string, data []byte) (*Value, []Problem) {
	p := &parser{src: newSource(name, data), dec: json.NewDecoder(bytes.NewReader(data))}
	p.dec.UseNumber()
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		return nil, []Problem{{File: name, Line: 1, Column: 1,
			Message: "the file starts with a byte-order mark (BOM), which JSON does not allow; save it as UTF-8 without BOM"}}
	}
	v, err := p.value(p.next())
	if err == nil {
		if _, extra := p.dec.Token(); extra != io.EOF {
			err = extra
		}
	}
	if err != nil {
		return nil, []Problem{p.syntaxProblem()}
	}
	return v, p.dups
}

type parser struct {
	src  *Source
	dec  *json.Decoder
	dups []Problem
}

// next is the offset where the next token starts: the decoder reports where
// the last one ended, before any separator.
func (p *parser) next() int {
	off := int(p.dec.InputOffset())
	for off < len(p.src.data) && strings.IndexByte(" \t\r\n,:", p.src.data[off]) >= 0 {
		off++
	}
	return off
}

func (p *parser) value(at int) (*Value, error) {
	tok, err := p.dec.Token()
	if err != nil {
		return nil, err
	}
	v := &Value{src: p.src, off: at}
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			v.Kind = Array
			for p.dec.More() {
				it, err := p.value(p.next())
				if err != nil {
					return nil, err
				}
				v.Items = append(v.Items, it)
			}
		} else {
			v.Kind = Object
			v.Members = map[string]*Value{}
			for p.dec.More() {
				keyAt := p.next()
				k, err := p.dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ := k.(string)
				m, err := p.value(p.next())
				if err != nil {
					return nil, err
				}
				m.off = keyAt
				if first, dup := v.Members[key]; dup {
					line, col := p.src.position(keyAt)
					p.dups = append(p.dups, Problem{File: p.src.Name, Line: line, Column: col, Message: fmt.Sprintf(
						"the key %q appears twice in this object (first on line %d); JSON keeps only the last, so remove one", key, first.Line())})
				} else {
					v.Keys = append(v.Keys, key)
				}
				v.Members[key] = m
			}
		}
		if _, err := p.dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
	case bool:
		v.Kind, v.Bool = Bool, t
	case json.Number:
		v.Kind, v.Num = Number, t
	case string:
		v.Kind, v.Str = String, t
	case nil:
		v.Kind = Null
	}
	return v, nil
}

// syntaxProblem says where the JSON broke and, for the usual slips, why.
// The decoder's offsets are relative to the value it was reading, so the
// whole input is checked again in one pass, whose offsets are absolute.
func (p *parser) syntaxProblem() Problem {
	data := p.src.data
	var x any
	err := json.Unmarshal(data, &x)
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return Problem{File: p.src.Name, Message: fmt.Sprintf("not valid JSON: %v", err)}
	}
	if strings.HasPrefix(se.Error(), "unexpected end of JSON input") {
		end := len(bytes.TrimRight(data, " \t\r\n"))
		line, col := p.src.position(end)
		return Problem{File: p.src.Name, Line: line, Column: col,
			Message: "the file ends before the JSON is complete: a closing } or ] (or a closing quote) is missing"}
	}
	off := int(se.Offset) - 1
	line, col := p.src.position(off)
	return Problem{File: p.src.Name, Line: line, Column: col, Message: explainSyntax(se.Error(), data, off)}
}

func explainSyntax(msg string, data []byte, off int) string {
	found := "the end of the file"
	if off >= 0 && off < len(data) {
		r, _ := utf8.DecodeRune(data[off:])
		found = strconv.QuoteRune(r)
	}
	switch {
	case strings.HasSuffix(msg, "looking for beginning of object key string"):
		if found == "'}'" {
			return "a comma before } : JSON allows no comma after the last member of an object"
		}
		return "expected a key in double quotes, found " + found
	case strings.HasSuffix(msg, "after object key"):
		return "expected : after the key, found " + found
	case strings.HasSuffix(msg, "after object key:value pair"):
		return "expected , or } after the value, found " + found + " (is a comma missing at the end of the previous line?)"
	case strings.HasSuffix(msg, "after array element"):
		return "expected , or ] after the list item, found " + found + " (is a comma missing?)"
	case strings.HasSuffix(msg, "looking for beginning of value"):
		if found == "']'" {
			return "a comma before ] : JSON allows no comma after the last item of a list"
		}
		return "expected a value (a string in double quotes, a number, true, false, null, an object or a list), found " + found
	case strings.HasSuffix(msg, "after top-level value"):
		return "unexpected text after the end of the JSON document, found " + found + " (a file holds one object)"
	case strings.Contains(msg, "in string literal"):
		return "a string contains a line break or control character, found " + found + "; close the string with \" on the same line, or write \\n"
	case strings.Contains(msg, "in string escape code"):
		return "a backslash in a string starts an unknown escape, found " + found + "; write \\\\ for a backslash"
	case strings.Contains(msg, "in numeric literal"):
		return "a number is malformed, found " + found + " (write 0.5, not .5 or 05)"
	case strings.Contains(msg, "in literal"):
		return "expected true, false or null, found " + found + " (strings need double quotes)"
	}
	return msg
}

// PathString renders a JSON path: keys joined by dots, list positions in
// brackets, unusual keys quoted.
func PathString(path []any) string {
	var b strings.Builder
	for _, seg := range path {
		switch s := seg.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", s)
		case string:
			if plainKey(s) {
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(s)
			} else {
				fmt.Fprintf(&b, "[%q]", s)
			}
		}
	}
	return b.String()
}

func plainKey(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r == '-' || r == '$' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}
