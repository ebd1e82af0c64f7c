// Package jsonerr explains why a JSON document does not decode into a Go
// value: the field by its JSON path, what was expected there and what was
// found. The fast decoders credpol uses on the hot path report failures
// poorly (goccy/go-json names the wrong field of an unknown key and calls a
// string where a number belongs "unexpected end of JSON input"), so on their
// error path the document is walked again here, token by token, against the
// Go type it was meant for.
//
// Documents are refused when they nest objects and arrays deeper than
// MaxDepth, by a linear scan that runs before any decoder or walk: a few
// hundred kilobytes of brackets must not cost the server more than reading
// them.
package jsonerr

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Problem is the first thing wrong with a document.
type Problem struct {
	Path    string // the field by its JSON path (penalties[1].fine_amount); "" for the whole document
	Message string // what was expected and what was found
	unknown bool   // Message already names the field (an unknown key)
}

// String is the problem as one sentence naming its field.
func (p Problem) String() string {
	if p.Path == "" || p.unknown {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

// MaxDepth is how deeply a document may nest objects and arrays: the top
// level is 1. Facts need 4 levels and decision contexts a handful; the limit
// keeps every walk and decoder of a client's document shallow.
const MaxDepth = 64

// TooDeep reports the first object or array that opens deeper than MaxDepth,
// in one pass over data that allocates nothing unless it finds one. It
// checks no other syntax: a document it passes may still be broken, and is
// then explained by Explain or Syntax. doc names the document ("the body").
func TooDeep(data []byte, doc string) (Problem, bool) {
	depth, inString := 0, false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if inString {
			switch c {
			case '\\':
				i++ // the escaped character, a quote perhaps, is part of the string
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			if depth++; depth > MaxDepth {
				return Problem{Message: fmt.Sprintf("objects and arrays in %s nest deeper than the limit of %d levels (at byte %d)", doc, MaxDepth, i)}, true
			}
		case '}', ']':
			if depth > 0 {
				depth--
			}
		}
	}
	return Problem{}, false
}

// Member is one key of a JSON object and its value's bytes.
type Member struct {
	Key   string
	Value []byte // shares data's memory
}

// Members splits a JSON object into its members in one pass that checks
// the whole document's syntax, nesting held to MaxDepth as TooDeep holds
// it, but decodes nothing: a reader that needs a few members of a large
// document steps over the others. ok is false for anything that is not one
// well-formed object whose keys hold no escapes; the caller's decoder then
// explains it.
func Members(data []byte) (members []Member, ok bool) {
	s := scanner{data: data}
	s.space()
	if !s.at('{') {
		return nil, false
	}
	s.i++
	s.depth = 1
	members = []Member{}
	s.space()
	if s.at('}') {
		s.i++
		s.space()
		return members, s.i == len(data)
	}
	for {
		s.space()
		start := s.i
		if !s.str() || bytes.IndexByte(data[start:s.i], '\\') >= 0 {
			return nil, false
		}
		key := string(data[start+1 : s.i-1])
		s.space()
		if !s.at(':') {
			return nil, false
		}
		s.i++
		s.space()
		from := s.i
		if !s.value() {
			return nil, false
		}
		members = append(members, Member{Key: key, Value: data[from:s.i]})
		s.space()
		switch {
		case s.at(','):
			s.i++
		case s.at('}'):
			s.i++
			s.space()
			return members, s.i == len(data)
		default:
			return nil, false
		}
	}
}

// scanner checks JSON syntax (RFC 8259) without building anything.
type scanner struct {
	data  []byte
	i     int
	depth int
}

func (s *scanner) at(c byte) bool { return s.i < len(s.data) && s.data[s.i] == c }

func (s *scanner) space() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) value() bool {
	if s.i >= len(s.data) {
		return false
	}
	switch c := s.data[s.i]; {
	case c == '{' || c == '[':
		return s.composite(c)
	case c == '"':
		return s.str()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	}
	return false
}

// composite is an object (open '{') or an array ('['), members checked in turn.
func (s *scanner) composite(open byte) bool {
	if s.depth++; s.depth > MaxDepth {
		return false
	}
	closer := byte(']')
	if open == '{' {
		closer = '}'
	}
	s.i++
	s.space()
	if s.at(closer) {
		s.i++
		s.depth--
		return true
	}
	for {
		s.space()
		if open == '{' {
			if !s.str() {
				return false
			}
			s.space()
			if !s.at(':') {
				return false
			}
			s.i++
			s.space()
		}
		if !s.value() {
			return false
		}
		s.space()
		switch {
		case s.at(','):
			s.i++
		case s.at(closer):
			s.i++
			s.depth--
			return true
		default:
			return false
		}
	}
}

// str is a string: no control characters, only JSON's escapes.
func (s *scanner) str() bool {
	if !s.at('"') {
		return false
	}
	for s.i++; s.i < len(s.data); s.i++ {
		switch c := s.data[s.i]; {
		case c == '"':
			s.i++
			return true
		case c < 0x20:
			return false
		case c == '\\':
			s.i++
			if s.i >= len(s.data) {
				return false
			}
			switch s.data[s.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if s.i+4 >= len(s.data) {
					return false
				}
				for _, h := range s.data[s.i+1 : s.i+5] {
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						return false
					}
				}
				s.i += 4
			default:
				return false
			}
		}
	}
	return false
}

func (s *scanner) literal(word string) bool {
	if !bytes.HasPrefix(s.data[s.i:], []byte(word)) {
		return false
	}
	s.i += len(word)
	return true
}

// number is -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number() bool {
	if s.at('-') {
		s.i++
	}
	switch {
	case s.at('0'):
		s.i++
	case s.i < len(s.data) && s.data[s.i] >= '1' && s.data[s.i] <= '9':
		s.digits()
	default:
		return false
	}
	if s.at('.') {
		s.i++
		if !s.digits() {
			return false
		}
	}
	if s.at('e') || s.at('E') {
		s.i++
		if s.at('+') || s.at('-') {
			s.i++
		}
		if !s.digits() {
			return false
		}
	}
	return true
}

func (s *scanner) digits() bool {
	from := s.i
	for s.i < len(s.data) && s.data[s.i] >= '0' && s.data[s.i] <= '9' {
		s.i++
	}
	return s.i > from
}

// Syntax returns the first reason data is not one well-formed JSON value
// (nesting beyond MaxDepth included), with the path where it was found; ok
// is false for a well-formed document, whatever its shape.
func Syntax(data []byte, doc string) (p Problem, ok bool) {
	if p, deep := TooDeep(data, doc); deep {
		return p, true
	}
	if json.Valid(data) {
		return Problem{}, false
	}
	return Explain(data, nil, doc)
}

// Explain walks data against t the way encoding/json decodes it, with
// unknown fields refused, and returns the first problem; ok is false when it
// finds none. A nil t checks syntax only. doc names the document in messages
// ("the body"); positions are byte offsets from 0, the end of the document
// being its length. A document nested deeper than MaxDepth is refused as
// such before it is walked.
func Explain(data []byte, t reflect.Type, doc string) (p Problem, ok bool) {
	if p, deep := TooDeep(data, doc); deep {
		return p, true
	}
	w := walker{dec: json.NewDecoder(bytes.NewReader(data)), data: data, doc: doc}
	w.dec.UseNumber()
	if !json.Valid(data) {
		// Broken syntax comes first, wherever it is: walk for its path only.
		t = nil
	}
	if p, bad := w.value(t, true); bad {
		return p, true
	}
	end := w.dec.InputOffset()
	if _, err := w.dec.Token(); err != io.EOF {
		at := end + int64(len(data[end:])-len(bytes.TrimLeft(data[end:], " \t\r\n")))
		return Problem{Message: fmt.Sprintf("expected %s to end after one JSON value, found more at byte %d", doc, at)}, true
	}
	return Problem{}, false
}

type walker struct {
	dec  *json.Decoder
	data []byte
	doc  string
	path []step // where the walk is; formatted only for a problem
}

// step is one member of a path: an object key, or an array index when key
// is unset.
type step struct {
	key   string
	index int
	isKey bool
}

func (w *walker) enterKey(key string) { w.path = append(w.path, step{key: key, isKey: true}) }
func (w *walker) enterIndex(i int)    { w.path = append(w.path, step{index: i}) }
func (w *walker) leave()              { w.path = w.path[:len(w.path)-1] }

// at is the JSON path of the value being walked (penalties[1].fine_amount).
func (w *walker) at() string {
	var b strings.Builder
	for _, s := range w.path {
		if !s.isKey {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.index))
			b.WriteByte(']')
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.key)
	}
	return b.String()
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// value checks the next value, at w.path, against t; a nil t takes any
// value, checking only its syntax. first says nothing has been read yet, so
// an end of input means an empty document.
func (w *walker) value(t reflect.Type, first bool) (Problem, bool) {
	for t != nil && t.Kind() == reflect.Pointer && !custom(t) {
		t = t.Elem()
	}
	if t != nil && (custom(t) || t.Kind() == reflect.Interface) {
		t = nil // json.RawMessage, time.Time, any: any well-formed value is theirs to judge
	}
	tok, err := w.dec.Token()
	if err != nil {
		return w.syntax(err, first)
	}
	if tok == nil { // null decodes into anything, leaving it as it was
		return Problem{}, false
	}
	if t == nil {
		return w.anyValue(tok)
	}
	switch t.Kind() {
	case reflect.Struct:
		if tok != json.Delim('{') {
			return w.mismatch("an object", tok)
		}
		fields := fieldsOf(t)
		for w.dec.More() {
			k, err := w.dec.Token()
			if err != nil {
				return w.syntax(err, false)
			}
			key := k.(string)
			ft, ok := fields.lookup(key)
			if !ok {
				msg := fmt.Sprintf("unknown field %s", quote(key))
				if len(w.path) > 0 {
					msg += " in " + w.at()
				}
				msg += " (known: " + strings.Join(fields.names, ", ") + ")"
				if guess, ok := Closest(key, fields.names); ok {
					msg += "; did you mean " + guess + "?"
				}
				w.enterKey(key)
				return Problem{Path: w.at(), unknown: true, Message: msg}, true
			}
			w.enterKey(key)
			if p, bad := w.value(ft, false); bad {
				return p, true
			}
			w.leave()
		}
		return w.close()
	case reflect.Map:
		if tok != json.Delim('{') {
			return w.mismatch("an object", tok)
		}
		for w.dec.More() {
			k, err := w.dec.Token()
			if err != nil {
				return w.syntax(err, false)
			}
			w.enterKey(k.(string))
			if p, bad := w.value(t.Elem(), false); bad {
				return p, true
			}
			w.leave()
		}
		return w.close()
	case reflect.Slice, reflect.Array:
		if tok != json.Delim('[') {
			return w.mismatch("an array", tok)
		}
		for i := 0; w.dec.More(); i++ {
			w.enterIndex(i)
			if p, bad := w.value(t.Elem(), false); bad {
				return p, true
			}
			w.leave()
		}
		return w.close()
	case reflect.String:
		if _, ok := tok.(string); !ok {
			return w.mismatch("a string", tok)
		}
	case reflect.Bool:
		if _, ok := tok.(bool); !ok {
			return w.mismatch("true or false", tok)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := tok.(json.Number)
		if !ok {
			return w.mismatch("a whole number", tok)
		}
		if _, err := strconv.ParseInt(string(n), 10, t.Bits()); err != nil {
			return Problem{Path: w.at(), Message: fmt.Sprintf("expected a whole number that fits %d bits, found %s", t.Bits(), n)}, true
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := tok.(json.Number)
		if !ok {
			return w.mismatch("a non-negative whole number", tok)
		}
		if _, err := strconv.ParseUint(string(n), 10, t.Bits()); err != nil {
			return Problem{Path: w.at(), Message: fmt.Sprintf("expected a non-negative whole number that fits %d bits, found %s", t.Bits(), n)}, true
		}
	case reflect.Float32, reflect.Float64:
		n, ok := tok.(json.Number)
		if !ok {
			return w.mismatch("a number", tok)
		}
		if _, err := strconv.ParseFloat(string(n), t.Bits()); err != nil {
			return Problem{Path: w.at(), Message: "expected a number in range, found " + string(n)}, true
		}
	}
	return Problem{}, false
}

// custom says whether t decodes itself (json.RawMessage, time.Time): any
// well-formed value is then left to it.
func custom(t reflect.Type) bool {
	return t.Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(jsonUnmarshaler) ||
		t.Implements(textUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler)
}

// anyValue reads the rest of a value that began with tok, of any shape,
// keeping the path for a syntax error inside it.
func (w *walker) anyValue(tok json.Token) (Problem, bool) {
	switch tok {
	case json.Delim('{'):
		for w.dec.More() {
			k, err := w.dec.Token()
			if err != nil {
				return w.syntax(err, false)
			}
			w.enterKey(k.(string))
			if p, bad := w.value(nil, false); bad {
				return p, true
			}
			w.leave()
		}
		return w.close()
	case json.Delim('['):
		for i := 0; w.dec.More(); i++ {
			w.enterIndex(i)
			if p, bad := w.value(nil, false); bad {
				return p, true
			}
			w.leave()
		}
		return w.close()
	}
	return Problem{}, false
}

// close reads the end of an object or array.
func (w *walker) close() (Problem, bool) {
	if _, err := w.dec.Token(); err != nil {
		return w.syntax(err, false)
	}
	return Problem{}, false
}

func (w *walker) syntax(err error, first bool) (Problem, bool) {
	var se *json.SyntaxError
	path := w.at()
	switch {
	case first && errors.Is(err, io.EOF):
		return Problem{Path: path, Message: w.doc + " is empty; expected a JSON value"}, true
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return Problem{Path: path, Message: fmt.Sprintf("unexpected end of %s at byte %d", w.doc, len(w.data))}, true
	case errors.As(err, &se):
		// A Decoder's offsets count from its buffer; a whole-document
		// Unmarshal finds the same first error with its true position.
		if exact := new(json.SyntaxError); errors.As(json.Unmarshal(w.data, new(any)), &exact) {
			se = exact
		}
		return Problem{Path: path, Message: fmt.Sprintf("%s at byte %d", se.Error(), se.Offset-1)}, true
	}
	return Problem{Path: path, Message: err.Error()}, true
}

func (w *walker) mismatch(expected string, tok json.Token) (Problem, bool) {
	return Problem{Path: w.at(), Message: "expected " + expected + ", found " + describe(tok)}, true
}

// describe names a token as a client would think of it.
func describe(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		if v == '{' {
			return "an object"
		}
		return "an array"
	case string:
		return "the string " + quote(v)
	case json.Number:
		return "the number " + string(v)
	case bool:
		return strconv.FormatBool(v)
	}
	return "null"
}

// quote quotes s for a message, cut to a readable length: the message must
// not echo a megabyte the client sent.
func quote(s string) string {
	const max = 40
	if utf8.RuneCountInString(s) <= max {
		return strconv.Quote(s)
	}
	return strconv.Quote(string([]rune(s)[:max])) + "…"
}

// fields are a struct's JSON field names, in declaration order, as
// encoding/json sees them (embedded structs' fields promoted).
type fields struct {
	names []string
	types map[string]reflect.Type
}

func fieldsOf(t reflect.Type) fields {
	f := fields{types: map[string]reflect.Type{}}
	f.add(t)
	return f
}

func (f *fields) add(t reflect.Type) {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if sf.Anonymous && name == "" {
			et := sf.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				f.add(et)
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		if _, dup := f.types[name]; !dup {
			f.names = append(f.names, name)
		}
		f.types[name] = sf.Type
	}
}

// lookup finds a key as encoding/json does: exactly, else ignoring case.
func (f fields) lookup(key string) (reflect.Type, bool) {
	if t, ok := f.types[key]; ok {
		return t, true
	}
	for _, n := range f.names {
		if strings.EqualFold(n, key) {
			return f.types[n], true
		}
	}
	return nil, false
}

// FieldNames are the JSON names of struct type t's fields, in declaration
// order, embedded structs' fields promoted.
func FieldNames(t reflect.Type) []string {
	return fieldsOf(t).names
}

// maxGuessDistance is how many edits (insertions, deletions, substitutions;
// case is free) a key may be from a known name for the name to be offered.
const maxGuessDistance = 2

// Closest returns the name in names nearest to key, ignoring case, if it is
// within a couple of edits and much closer than a guess: a misspelt or
// wrongly cased key (Public_Credit_Score, fact) has one. The first of equally
// near names wins.
func Closest(key string, names []string) (string, bool) {
	best, bestD := "", maxGuessDistance+1
	lk := strings.ToLower(key)
	for _, n := range names {
		if d := len(lk) - len(n); d > maxGuessDistance || d < -maxGuessDistance {
			continue // cheap, and keeps a megabyte key from costing a table
		}
		// Short names need an exact match but for case: a 3-letter key two
		// edits from a 3-letter name is not a guess worth offering.
		limit := min(maxGuessDistance, len(n)/4)
		if d := distance(lk, strings.ToLower(n)); d <= limit && d < bestD {
			best, bestD = n, d
		}
	}
	return best, bestD <= maxGuessDistance
}

// distance is the Levenshtein distance between a and b, by bytes.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
