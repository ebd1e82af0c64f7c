// Package jsonerr explains why a JSON document does not decode into a Go
// value: the field by its JSON path, what was expected there and what was
// found. The fast decoders credpol uses on the hot path report failures
// poorly (goccy/go-json names the wrong field of an unknown key and calls a
// string where a number belongs "unexpected end of JSON input"), so on their
// error path the document is walked again here, token by token, against the
// Go type it was meant for.
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

// Explain walks data against t the way encoding/json decodes it, with
// unknown fields refused, and returns the first problem; ok is false when it
// finds none. doc names the document in messages ("the body"); positions
// are byte offsets from 0, the end of the document being its length.
func Explain(data []byte, t reflect.Type, doc string) (p Problem, ok bool) {
	w := walker{dec: json.NewDecoder(bytes.NewReader(data)), data: data, doc: doc}
	w.dec.UseNumber()
	if !json.Valid(data) {
		// Broken syntax comes first, wherever it is: walk for its path only.
		t = nil
	}
	if p, bad := w.value("", t, true); bad {
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
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// value checks the next value against t; a nil t takes any value, checking
// only its syntax. first says nothing has been read yet, so an end of input
// means an empty document.
func (w *walker) value(path string, t reflect.Type, first bool) (Problem, bool) {
	for t != nil && t.Kind() == reflect.Pointer && !custom(t) {
		t = t.Elem()
	}
	if t != nil && (custom(t) || t.Kind() == reflect.Interface) {
		t = nil // json.RawMessage, time.Time, any: any well-formed value is theirs to judge
	}
	tok, err := w.dec.Token()
	if err != nil {
		return w.syntax(path, err, first)
	}
	if tok == nil { // null decodes into anything, leaving it as it was
		return Problem{}, false
	}
	if t == nil {
		return w.anyValue(path, tok)
	}
	switch t.Kind() {
	case reflect.Struct:
		if tok != json.Delim('{') {
			return mismatch(path, "an object", tok)
		}
		fields := fieldsOf(t)
		for w.dec.More() {
			k, err := w.dec.Token()
			if err != nil {
				return w.syntax(path, err, false)
			}
			key := k.(string)
			ft, ok := fields.lookup(key)
			if !ok {
				msg := fmt.Sprintf("unknown field %s", quote(key))
				if path != "" {
					msg += " in " + path
				}
				return Problem{Path: join(path, key), unknown: true,
					Message: msg + " (known: " + strings.Join(fields.names, ", ") + ")"}, true
			}
			if p, bad := w.value(join(path, key), ft, false); bad {
				return p, true
			}
		}
		return w.close(path)
	case reflect.Map:
		if tok != json.Delim('{') {
			return mismatch(path, "an object", tok)
		}
		for w.dec.More() {
			k, err := w.dec.Token()
			if err != nil {
				return w.syntax(path, err, false)
			}
			if p, bad := w.value(join(path, k.(string)), t.Elem(), false); bad {
				return p, true
			}
		}
		return w.close(path)
	case reflect.Slice, reflect.Array:
		if tok != json.Delim('[') {
			return mismatch(path, "an array", tok)
		}
		for i := 0; w.dec.More(); i++ {
			if p, bad := w.value(fmt.Sprintf("%s[%d]", path, i), t.Elem(), false); bad {
				return p, true
			}
		}
		return w.close(path)
	case reflect.String:
		if _, ok := tok.(string); !ok {
			return mismatch(path, "a string", tok)
		}
	case reflect.Bool:
		if _, ok := tok.(bool); !ok {
			return mismatch(path, "true or false", tok)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := tok.(json.Number)
		if !ok {
			return mismatch(path, "a whole number", tok)
		}
		if _, err := strconv.ParseInt(string(n), 10, t.Bits()); err != nil {
			return Problem{Path: path, Message: fmt.Sprintf("expected a whole number that fits %d bits, found %s", t.Bits(), n)}, true
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := tok.(json.Number)
		if !ok {
			return mismatch(path, "a non-negative whole number", tok)
		}
		if _, err := strconv.ParseUint(string(n), 10, t.Bits()); err != nil {
			return Problem{Path: path, Message: fmt.Sprintf("expected a non-negative whole number that fits %d bits, found %s", t.Bits(), n)}, true
		}
	case reflect.Float32, reflect.Float64:
		n, ok := tok.(json.Number)
		if !ok {
			return mismatch(path, "a number", tok)
		}
		if _, err := strconv.ParseFloat(string(n), t.Bits()); err != nil {
			return Problem{Path: path, Message: "expected a number in range, found " + string(n)}, true
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
func (w *walker) anyValue(path string, tok json.Token) (Problem, bool) {
	switch tok {
	case json.Delim('{'):
		for w.dec.More() {
			k, err := w.dec.Token()
			if err != nil {
				return w.syntax(path, err, false)
			}
			if p, bad := w.value(join(path, k.(string)), nil, false); bad {
				return p, true
			}
		}
		return w.close(path)
	case json.Delim('['):
		for i := 0; w.dec.More(); i++ {
			if p, bad := w.value(fmt.Sprintf("%s[%d]", path, i), nil, false); bad {
				return p, true
			}
		}
		return w.close(path)
	}
	return Problem{}, false
}

// close reads the end of an object or array.
func (w *walker) close(path string) (Problem, bool) {
	if _, err := w.dec.Token(); err != nil {
		return w.syntax(path, err, false)
	}
	return Problem{}, false
}

func (w *walker) syntax(path string, err error, first bool) (Problem, bool) {
	var se *json.SyntaxError
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

func mismatch(path, expected string, tok json.Token) (Problem, bool) {
	return Problem{Path: path, Message: "expected " + expected + ", found " + describe(tok)}, true
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

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
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
