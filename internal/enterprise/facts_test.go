package enterprise_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/credpol/credpol/internal/enterprise"
)

// fill sets every field of v, lists to one item, from mark: the strings to
// mark, the bools to whether mark is "top", the numbers to mark's length, so
// two marks give two records that differ in every field.
func fill(v reflect.Value, mark string) {
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), mark)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0), mark)
	case reflect.Struct:
		for i := range v.NumField() {
			fill(v.Field(i), mark)
		}
	case reflect.String:
		v.SetString(mark)
	case reflect.Bool:
		v.SetBool(mark == "top")
	case reflect.Int:
		v.SetInt(int64(len(mark)))
	case reflect.Float64:
		v.SetFloat(float64(len(mark)))
	default:
		panic("fill: no value for a " + v.Type().String())
	}
}

func filled(mark string) enterprise.Facts {
	var f enterprise.Facts
	fill(reflect.ValueOf(&f).Elem(), mark)
	return f
}

// asJSON is v as a JSON round trip gives it back.
func asJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// Document is written out field by field for speed; it must give policies
// every fact, and every field of every list item, under its JSON name, as
// encoding/json would: a fact added to Facts and not to Document fails here.
func TestDocumentGivesEveryFact(t *testing.T) {
	f := filled("x")
	if diff := cmp.Diff(asJSON(t, f), asJSON(t, enterprise.Document(f))); diff != "" {
		t.Errorf("Document of a record with every field set (-encoding/json +Document):\n%s", diff)
	}
	if d := enterprise.Document(enterprise.Facts{}); len(d) != 0 {
		t.Errorf("Document of no facts = %v, want an empty object", d)
	}
}

// Overlay is written out field by field too: every field set in top must win.
func TestOverlayTakesEveryFieldTopSets(t *testing.T) {
	base, all := filled("base"), filled("top")
	for i := range reflect.TypeFor[enterprise.Facts]().NumField() {
		var top enterprise.Facts
		reflect.ValueOf(&top).Elem().Field(i).Set(reflect.ValueOf(all).Field(i))
		want := base
		reflect.ValueOf(&want).Elem().Field(i).Set(reflect.ValueOf(all).Field(i))
		if diff := cmp.Diff(want, enterprise.Overlay(base, top)); diff != "" {
			t.Errorf("%s set in top (-want +got):\n%s", reflect.TypeFor[enterprise.Facts]().Field(i).Name, diff)
		}
	}
	if diff := cmp.Diff(base, enterprise.Overlay(base, enterprise.Facts{})); diff != "" {
		t.Errorf("an empty top changed the facts (-want +got):\n%s", diff)
	}
}
