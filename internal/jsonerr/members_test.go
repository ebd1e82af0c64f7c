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
		// Broken values, however deep: a reader skipping them must still refuse the document.
		`{"a":[1,,2]}`, `{"a":[1 2]}`, `{"a":tru}`, `{"a":"x\q"}`, `{"a":01}`, `{"a":1.}`, `{"a":-}`, `{"a":1e}`,
		`{"a":"\u12G4"}`, "{\"a\":\"tab\there\"}", `{"a":{"b" 1}}`, `{"a":[}`, `{"a":{"b":1,}}`, `{"a":[1],"b":}`,
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

// Members never takes a document a JSON decoder refuses: every one-byte
// change of a valid document it accepts is valid JSON.
func TestMembersAcceptsOnlyValidJSON(t *testing.T) {
	doc := []byte(`{"uscc":"91350505MA2YQ3BX1A","penalties":[{"decision_no":"罚\u4e00","fine_amount":-2.5e3,"ok":true,"n":null,"k":[]}],"x":{"y":[0,1.25,{}]}}`)
	for i := range doc {
		for _, c := range []byte(`{}[],:"\ 0-.eEtfn1x`) {
			mutated := append([]byte{}, doc...)
			mutated[i] = c
			if _, ok := jsonerr.Members(mutated); ok && !json.Valid(mutated) {
				t.Errorf("accepted %s", mutated)
			}
		}
	}
}
