package catalogue

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"

	"github.com/credpol/credpol/internal/enterprise"
)

// Field describes one context field a decision accepts. It validates request
// context and renders as JSON Schema for the catalogue and the OpenAPI document.
type Field struct {
	Type        string // object, array, string, date, number, integer, boolean
	Description string
	Enum        []string
	Required    bool
	Default     any
	Properties  map[string]*Field // for objects
	Items       *Field            // for arrays
	Minimum     *float64
}

// MarshalJSON renders the field as JSON Schema (dates as format "date").
func (f *Field) MarshalJSON() ([]byte, error) {
	m := map[string]any{}
	switch f.Type {
	case "date":
		m["type"], m["format"] = "string", "date"
	default:
		m["type"] = f.Type
	}
	if f.Description != "" {
		m["description"] = f.Description
	}
	if len(f.Enum) > 0 {
		m["enum"] = f.Enum
	}
	if f.Default != nil {
		m["default"] = f.Default
	}
	if f.Minimum != nil {
		m["minimum"] = *f.Minimum
	}
	if f.Items != nil {
		m["items"] = f.Items
	}
	if f.Properties != nil {
		m["properties"] = f.Properties
		var req []string
		for name, p := range f.Properties {
			if p.Required {
				req = append(req, name)
			}
		}
		if len(req) > 0 {
			sort.Strings(req)
			m["required"] = req
		}
	}
	return json.Marshal(m)
}

// Check validates v against f, filling defaults into objects, and returns
// every problem with its path. Fields f does not describe (and the whole
// context of a decision that describes none, f nil) are passed through, since
// a policy may read more than the contract requires, but they are still held
// to what the store and the decision log can keep: no NUL, valid UTF-8,
// strings and keys of at most 500 characters, arrays of at most 1,000 items.
func (f *Field) Check(path string, v any, errs *enterprise.FieldErrors) any {
	add := func(msg string) { *errs = append(*errs, enterprise.FieldError{Field: path, Message: msg}) }
	if f == nil {
		checkFree(path, v, errs)
		return v
	}
	switch f.Type {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			add("must be an object")
			return v
		}
		for name, sub := range m {
			if _, described := f.Properties[name]; !described {
				checkFree(keyPath(path, name, errs), sub, errs)
			}
		}
		for name, p := range f.Properties {
			sub, present := m[name]
			switch {
			case present && sub != nil:
				m[name] = p.Check(path+"."+name, sub, errs)
			case p.Default != nil:
				m[name] = p.Default
			case p.Required && len(p.Enum) > 0:
				*errs = append(*errs, enterprise.FieldError{Field: path + "." + name, Message: enterprise.OneOf("", p.Enum)})
			case p.Required:
				*errs = append(*errs, enterprise.FieldError{Field: path + "." + name, Message: "is required"})
			}
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			add("must be an array")
			return v
		}
		if msg := enterprise.ListProblem(len(a)); msg != "" {
			add(msg)
			return v
		}
		for i, item := range a {
			a[i] = f.Items.Check(fmt.Sprintf("%s[%d]", path, i), item, errs)
		}
	case "string", "date":
		s, ok := v.(string)
		if !ok {
			add("must be a string")
			return v
		}
		if msg := enterprise.TextProblem(s, enterprise.MaxTextChars); msg != "" {
			add(msg)
			return v
		}
		if f.Type == "date" {
			if _, err := enterprise.ParseDate(s); err != nil {
				add(err.Error())
			}
		}
		if len(f.Enum) > 0 && !slices.Contains(f.Enum, s) {
			add(enterprise.OneOf(s, f.Enum))
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			add("must be true or false")
		}
	case "number", "integer":
		n, ok := v.(float64)
		if !ok {
			add("must be a number")
			return v
		}
		if f.Type == "integer" && n != float64(int64(n)) {
			add("must be a whole number")
		}
		if f.Minimum != nil && n < *f.Minimum {
			add(fmt.Sprintf("must be at least %v", *f.Minimum))
		}
	}
	return v
}

// checkFree holds a value no schema describes to the limits of the store.
// The context arrives through encoding/json, which has already replaced any
// invalid UTF-8; TextProblem checks it all the same.
func checkFree(path string, v any, errs *enterprise.FieldErrors) {
	add := func(msg string) { *errs = append(*errs, enterprise.FieldError{Field: path, Message: msg}) }
	switch v := v.(type) {
	case string:
		if msg := enterprise.TextProblem(v, enterprise.MaxTextChars); msg != "" {
			add(msg)
		}
	case []any:
		if msg := enterprise.ListProblem(len(v)); msg != "" {
			add(msg)
			return
		}
		for i, item := range v {
			checkFree(fmt.Sprintf("%s[%d]", path, i), item, errs)
		}
	case map[string]any:
		for k, sub := range v {
			checkFree(keyPath(path, k, errs), sub, errs)
		}
	}
}

// keyPath is the path of an object's member; a key the store cannot hold is
// reported at the object, quoted, so the path itself stays printable.
func keyPath(path, key string, errs *enterprise.FieldErrors) string {
	if msg := enterprise.TextProblem(key, enterprise.MaxTextChars); msg != "" {
		*errs = append(*errs, enterprise.FieldError{Field: path, Message: "key " + enterprise.Quote(key) + " " + msg})
		return path + "." + strconv.Quote(key)
	}
	return path + "." + key
}
