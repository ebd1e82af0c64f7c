package server

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/jurisdiction"
	"github.com/credpol/credpol/internal/problem"
)

// The decision log's search parameters are checked against the shape of
// what the log holds before any query runs: a value that cannot match
// (a NUL, invalid UTF-8, a malformed id) is a mistake of the caller, and
// some of them are errors of the store (Postgres refuses NUL in text).

// outcomeField is what a result field of a shipped decision looks like
// (grade, accept, sampling); anything else cannot match and is a mistake
// of the caller, not of the store.
var outcomeField = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// maxOutcomeValue bounds the value of an outcome filter: result values are
// grades, classes, booleans and short codes.
const maxOutcomeValue = 200

// validOutcome reports whether field:value is a filter the decision log can
// run: a result field name and a value of at most 200 characters of text.
func validOutcome(field, value string) bool {
	return outcomeField.MatchString(field) && enterprise.TextProblem(value, maxOutcomeValue) == ""
}

// decisionName is a decision's name as the catalogue allows it, within the
// log's column (64 characters).
var decisionName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// maxCaller is the longest token name the log records.
const maxCaller = 100

// logParams are the search parameters, each with what a valid value is; an
// empty value is no filter.
var logParams = []struct {
	name, want string
	valid      func(string) bool
}{
	{"enterprise", "a unified social credit code: 18 characters of 0-9 and A-Y without I, O, S, V, Z", validUSCCShape},
	{"decision", "a decision name such as credit_grade: a-z, 0-9 and _, at most 64 characters", decisionName.MatchString},
	{"jurisdiction", "a six-digit GB/T 2260 code", jurisdiction.ValidCode},
	{"caller", fmt.Sprintf("a token name of at most %d printable characters", maxCaller), validCaller},
	{"outcome", "field:value, e.g. grade:B or accept:false", nil}, // checked with its parts
	{"from", "RFC 3339 time or YYYY-MM-DD", nil},
	{"to", "RFC 3339 time or YYYY-MM-DD", nil},
	{"limit", "a number from 1 to 200", nil},
	{"before", "the next_before of the previous page (a decision id)", func(s string) bool { _, ok := decisionID(s); return ok }},
}

// checkLogParams lists what is wrong with a search's query string as a
// whole, and with the parameters whose shape alone decides: a query that
// does not parse, unknown or repeated parameters, values that cannot match.
// logQuery checks the rest (limit, outcome, from, to).
func checkLogParams(rawQuery string) []string {
	var fields []string
	vals, err := url.ParseQuery(rawQuery)
	if err != nil {
		fields = append(fields, "the query string is malformed: "+err.Error())
	}
	known := make([]string, len(logParams))
	for i, p := range logParams {
		known[i] = p.name
	}
	var unknown []string
	for name := range vals {
		if !slices.Contains(known, name) {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	for _, name := range unknown {
		fields = append(fields, paramName(name)+": unknown parameter (known: "+strings.Join(known, ", ")+")")
	}
	for _, p := range logParams {
		vs := vals[p.name]
		switch {
		case len(vs) > 1:
			fields = append(fields, fmt.Sprintf("%s: given %d times; give it once", p.name, len(vs)))
		case len(vs) == 1 && vs[0] != "" && p.valid != nil && !p.valid(vs[0]):
			fields = append(fields, p.name+": "+p.want)
		}
	}
	return fields
}

// paramName is a parameter's name fit for a message: as sent when it is
// plain, else quoted and cut.
func paramName(name string) string {
	for _, r := range name {
		if r > unicode.MaxASCII || !unicode.IsPrint(r) || r == ' ' {
			return enterprise.Quote(name)
		}
	}
	if len(name) > 40 {
		return enterprise.Quote(name)
	}
	return name
}

// validUSCCShape accepts what a stored USCC can be: 18 characters of the
// code's alphabet. The check character is not tested: a store may hold
// legacy codes that fail it.
func validUSCCShape(s string) bool {
	var ue *enterprise.USCCError
	err := enterprise.ValidateUSCC(s)
	return err == nil || errors.As(err, &ue) && ue.ChecksumOnly()
}

func validCaller(s string) bool {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > maxCaller {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// decisionID returns s as a decision id is stored, a UUID in its canonical
// lower-case form, if s is one in any case.
func decisionID(s string) (string, bool) {
	if len(s) != 36 {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return "", false
			}
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
		default:
			return "", false
		}
	}
	return strings.ToLower(s), true
}

// notLogged answers an id that cannot be a logged decision as an unknown
// one is answered, without asking the store.
func notLogged(id string) error {
	return problem.New(problem.NotFound, "decision_not_logged", "no logged decision "+enterprise.Quote(id))
}
