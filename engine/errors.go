package engine

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
)

var (
	// ErrNotConfigured means no jurisdiction on the chain defines the decision.
	ErrNotConfigured = errors.New("decision not configured for this jurisdiction")
	// ErrNoPolicies means nothing has been loaded yet.
	ErrNoPolicies = errors.New("no policies loaded")
)

// Error is a problem in a policy file, located so its author can find it.
// Message is OPA's (or credpol's) own wording, the one logs and the API
// carry; Text tells it to policy staff (messages.go).
type Error struct {
	File    string `json:"file,omitempty"`
	Row     int    `json:"row,omitempty"`
	Message string `json:"message"`
	// Col is the column OPA points at, when it gives one.
	Col int `json:"-"`
	// Code is OPA's class of the error (rego_parse_error, rego_type_error, …).
	Code string `json:"-"`
	// Details are OPA's further lines, such as the types a call was given
	// and the types it takes.
	Details []string `json:"-"`
	// hint is what reading the source found about a parse or data error:
	// where a brace is missing rather than where OPA stumbled on it.
	hint *hint
}

func newError(loc *ast.Location, msg string) Error {
	e := Error{Message: msg}
	if loc != nil {
		e.File, e.Row, e.Col = loc.File, loc.Row, loc.Col
	}
	return e
}

func (e Error) Error() string {
	if e.File == "" {
		return e.Message
	}
	return e.place() + ": " + e.Message
}

// place is file:line, or the file alone when the line is not known.
func (e Error) place() string {
	if e.Row <= 0 {
		return e.File
	}
	return fmt.Sprintf("%s:%d", e.File, e.Row)
}

// Errors is the list of problems that stopped a policy tree from compiling.
type Errors []Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

func (es Errors) sort() {
	sort.SliceStable(es, func(i, k int) bool {
		if es[i].File != es[k].File {
			return es[i].File < es[k].File
		}
		return es[i].Row < es[k].Row
	})
}

func fromASTErrors(in ast.Errors) Errors {
	out := make(Errors, 0, len(in))
	for _, e := range in {
		x := newError(e.Location, e.Message)
		x.Code = e.Code
		if e.Details != nil {
			x.Details = e.Details.Lines()
		}
		out = append(out, x)
	}
	out.sort()
	return out
}

// EvalError is a policy that failed while evaluating (a conflict, a type error
// with strict built-ins): the fault is in the policy, not in the request.
type EvalError struct {
	Decision string
	Source   string
	Err      Error
}

func (e *EvalError) Error() string {
	return fmt.Sprintf("policy %s of %s failed: %s", e.Decision, e.Source, e.Err.Error())
}

// Refusal is a decision that declined to answer for a reason the caller can fix,
// such as a missing or out-of-range fact. Policies signal it by returning an
// object with an "error" member: {"error": {"code", "message", "details"}}.
type Refusal struct {
	Code    string
	Message string
	Details any
}

func (r *Refusal) Error() string { return r.Code + ": " + r.Message }

// TimeoutError means an evaluation ran past its budget and was stopped.
type TimeoutError struct {
	Decision, Source string
	Budget           time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("%s (policy of %s) did not finish within the evaluation budget of %s", e.Decision, e.Source, e.Budget)
}
