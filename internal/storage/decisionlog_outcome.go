package storage

import (
	"regexp"
	"strconv"

	"github.com/goccy/go-json"
)

// outcomeDocuments turns an outcome filter field:value into the two JSON
// documents a logged result may contain: the value as a JSON literal (true,
// false or a number: accept:false, score:800) and as a string (grade:B).
// Searching by containment, result @> doc, is what the GIN index on
// decision_log.result serves; result->>field = value is not.
func outcomeDocuments(field, value string) (typed, text string, err error) {
	t, err := json.Marshal(map[string]string{field: value})
	if err != nil {
		return "", "", err
	}
	if !jsonLiteral(value) {
		return string(t), string(t), nil
	}
	l, err := json.Marshal(map[string]json.RawMessage{field: json.RawMessage(value)})
	if err != nil {
		return "", "", err
	}
	return string(l), string(t), nil
}

var jsonNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// jsonLiteral reports whether v is a JSON boolean or a number Postgres can
// hold, the scalars a result holds besides strings.
func jsonLiteral(v string) bool {
	if v == "true" || v == "false" {
		return true
	}
	if !jsonNumber.MatchString(v) {
		return false
	}
	_, err := strconv.ParseFloat(v, 64) // refuses 1e999, which jsonb would too
	return err == nil
}
