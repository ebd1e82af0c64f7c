package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/engine/enginetest"
)

func tree(rego string) fstest.MapFS {
	return enginetest.Tree(fstest.MapFS{"j100000/credit_grade.rego": &fstest.MapFile{Data: []byte(rego)}})
}

// A decision that cannot answer an empty enterprise within the budget is
// refused at load, so it never serves (a runaway loop used to take a whole
// core per request for minutes).
func TestATreeThatRunsPastTheBudgetIsRefused(t *testing.T) {
	ps, err := engine.Compile(context.Background(), tree(`package j100000.credit_grade

decision := {"grade": "A", "n": count([1 | some i in numbers.range(1, 20000); some j in numbers.range(1, 20000); i == j])}
`), engine.Options{Budget: 50 * time.Millisecond})
	if err == nil {
		t.Fatalf("a tree whose decision loops 4×10⁸ times was accepted (revision %s)", ps.Revision())
	}
	if !strings.Contains(err.Error(), "j100000/credit_grade.rego") || !strings.Contains(err.Error(), "evaluation budget") {
		t.Errorf("the refusal does not name the file and the budget: %v", err)
	}
}

// An evaluation that runs long only on some input is stopped at the budget
// with a TimeoutError, which the API answers as policy_timeout.
func TestAnEvaluationIsStoppedAtTheBudget(t *testing.T) {
	ps, err := engine.Compile(context.Background(), tree(`package j100000.credit_grade

decision := {"grade": "A", "n": count([1 | some i in numbers.range(1, input.enterprise.public_credit_score); some j in numbers.range(1, input.enterprise.public_credit_score); i == j])}
`), engine.Options{Budget: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = ps.Evaluate(context.Background(), "credit_grade", []string{"100000"}, map[string]any{"enterprise": map[string]any{"public_credit_score": 30000}})
	var timeout *engine.TimeoutError
	if !errors.As(err, &timeout) {
		t.Fatalf("err = %v, want a TimeoutError", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the evaluation ran %s past a 100ms budget", took)
	}
}

// numbers.range builds its whole array before anything can cancel it: one
// call is limited to MaxRangeElements numbers instead of exhausting memory.
func TestOneRangeCallIsBounded(t *testing.T) {
	ps, err := engine.Compile(context.Background(), tree(`package j100000.credit_grade

decision := {"grade": "A", "n": count(numbers.range(1, input.enterprise.public_credit_score))}
`), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if out, err := ps.Evaluate(context.Background(), "credit_grade", []string{"100000"}, map[string]any{"enterprise": map[string]any{"public_credit_score": 1000}}); err != nil || out.Value["n"] != float64(1000) && out.Value["n"] == nil {
		t.Fatalf("a small range failed: %v %v", out, err)
	}
	// Every JSON form of the bound counts.
	for _, n := range []any{100000000, 1e8, json.Number("1e8"), json.Number("100000000.0")} {
		_, err = ps.Evaluate(context.Background(), "credit_grade", []string{"100000"}, map[string]any{"enterprise": map[string]any{"public_credit_score": n}})
		if err == nil || !strings.Contains(err.Error(), "more than the 1000000") {
			t.Fatalf("numbers.range to %v: err = %v, want the per-call limit", n, err)
		}
	}
}

// Every compiler gets declarations of its own: OPA's type checker merges
// object types in place, so shared ones race when two trees compile at once.
func TestCapabilitiesAreNotShared(t *testing.T) {
	a, b := engine.Capabilities(), engine.Capabilities()
	if len(a.Builtins) != len(b.Builtins) || len(a.Builtins) < 100 {
		t.Fatalf("%d and %d built-ins", len(a.Builtins), len(b.Builtins))
	}
	for i := range a.Builtins {
		if a.Builtins[i].Decl == b.Builtins[i].Decl || a.Builtins[i] == b.Builtins[i] {
			t.Fatalf("built-in %s is shared between two calls", a.Builtins[i].Name)
		}
		if a.Builtins[i].Decl.String() != b.Builtins[i].Decl.String() {
			t.Fatalf("built-in %s: %s != %s", a.Builtins[i].Name, a.Builtins[i].Decl, b.Builtins[i].Decl)
		}
	}
}
