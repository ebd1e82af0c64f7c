package impact

import (
	"encoding/json"
	"reflect"
	"testing"
)

// A verdict shared from the memo is the one the first enterprise got, with
// its answers as they were: numbers as the policies give them, an empty
// result or list of reasons still empty, not absent.
func TestTheMemoGivesBackWhatItKept(t *testing.T) {
	m := newMemo()
	before := Answer{Result: map[string]any{"grade": "B", "score": json.Number("795.5"), "flags": []any{true, nil}}, Reasons: []any{}}
	after := Answer{Result: map[string]any{}, Reasons: []any{map[string]any{"code": "grade_C", "n": json.Number("3")}}}
	a := pair{before: before, after: after, v: judge("grade", before, after)}
	if !a.v.changed || a.v.from != "B" || a.v.to != absent {
		t.Fatalf("verdict %+v", a.v)
	}
	m.put("230000\x00{}", a)
	got, ok := m.get("230000\x00{}")
	if !ok || !reflect.DeepEqual(got.before, before) || !reflect.DeepEqual(got.after, after) || !reflect.DeepEqual(got.v, a.v) {
		t.Fatalf("kept %+v, got back %+v (%v)", a, got, ok)
	}
	if _, ok := m.get("230000\x00{\"x\":1}"); ok {
		t.Error("a verdict for facts never seen")
	}
	timedOut := pair{before: before, after: Answer{Error: &AnswerError{Code: "policy_timeout"}}}
	timedOut.v = judge("grade", timedOut.before, timedOut.after)
	m.put("k", timedOut)
	if _, ok := m.get("k"); ok {
		t.Error("an evaluation that ran out of time is kept")
	}
	unchanged := pair{before: before, after: before, v: judge("grade", before, before)}
	m.put("u", unchanged)
	if got, ok := m.get("u"); !ok || got.v.changed || got.before.Result != nil {
		t.Errorf("an unchanged verdict comes back as %+v (%v): it needs no answers", got, ok)
	}
}
