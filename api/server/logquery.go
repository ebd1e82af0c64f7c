package server

import (
	"regexp"
	"unicode/utf8"
)

// outcomeField is what a result field of a shipped decision looks like
// (grade, accept, sampling); anything else cannot match and is a mistake
// of the caller, not of the store.
var outcomeField = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// maxOutcomeValue bounds the value of an outcome filter: result values are
// grades, classes, booleans and short codes.
const maxOutcomeValue = 200

// validOutcome reports whether field:value is a filter the decision log can
// run: a result field name and a value of at most 200 characters.
func validOutcome(field, value string) bool {
	return outcomeField.MatchString(field) && utf8.RuneCountInString(value) <= maxOutcomeValue
}
