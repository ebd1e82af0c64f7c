package jsonerr_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/credpol/credpol/internal/jsonerr"
)

// Members splits an object into the same members a decoder finds, whatever
// its values hold: brackets and escaped quotes inside strings, nesting,
// spacing, scalars at the end.
func TestMembersSplitsAnObjectAsADecoderDoes(t *testing.T) {
	doc := []byte(` { "a" : "x]}\"[{\\" , "b":[{"c":"]"},[1,2,{"d":"\\\""}]] ,"e":{"f":{}},"g":-1.5e3,"h":null,"i":true }  `)
	var want map[string]json.RawMessage
	if err := json.Unmarshal(doc, &want); err != nil {
		t.Fatal(err)
	}
	members, ok := jsonerr.Members(doc)
	if !ok || len(members) != len(want) {
		t.Fatalf("Members = %d members, ok %v; want %d", len(members), ok, len(want))
	}
	for _, m := range members {
		if got := strings.TrimSpace(string(m.Value)); got != string(want[m.Key]) {
			t.Errorf("%s = %s, want %s", m.Key, got, want[m.Key])
		}
	}
}

// What it cannot simply split it leaves to the decoder, which explains it.
func TestMembersRefusesWhatItCannotSplit(t *testing.T) {
	for _, doc := range []string{
		``, `[]`, `"x"`, `{"a":1`, `{"a":[1}`, `{"a":1}{}`, `{"a" 1}`, `{"a":"x}`, `{"a\"b":1}`, `{a:1}`, `{"a":1,}`,
		`{"a":` + strings.Repeat("[", jsonerr.MaxDepth) + strings.Repeat("]", jsonerr.MaxDepth) + `}`,
	} {
		if members, ok := jsonerr.Members([]byte(doc)); ok {
			t.Errorf("Members(%.40q) = %v, want it refused", doc, members)
		}
	}
	if members, ok := jsonerr.Members([]byte(` {} `)); !ok || len(members) != 0 {
		t.Errorf("an empty object: %v %v", members, ok)
	}
}
