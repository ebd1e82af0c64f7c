package impact

import (
	"encoding/json"
	"strings"
)

// spec is what an impact run needs to know about one decision that the
// catalogue does not say.
type spec struct {
	// main is the result field the transition table follows: a dotted path,
	// where "list[].field" collects field from every item of a list.
	main string
	// context is the context a run gives the decision when the run names
	// none, where the catalogue's own defaults are not enough to take it.
	context string
	// perJurisdiction marks a decision that answers for a jurisdiction, not
	// an enterprise: evaluating it per enterprise would repeat one answer.
	perJurisdiction bool
}

// specs is the one place that says, per decision, which result field the
// transition table follows and what context a run gives by default. A
// decision missing here is still compared in full; its transitions only say
// whether it answered or which error it gave.
var specs = map[string]spec{
	"credit_grade":              {main: "grade"},
	"risk_class":                {main: "class"},
	"supervision":               {main: "sampling"},
	"convenience_measures":      {main: "eligible[].code"},
	"risk_alerts":               {main: "alerts[].item"},
	"registration_change":       {main: "accept", context: `{"application":{"kind":"change"}}`},
	"penalty_publicity":         {main: "penalties[].publish"},
	"penalty_discretion":        {main: "outcome"},
	"abnormal_listing":          {main: "list"},
	"repair_application":        {main: "accept"},
	"repair_notice":             {main: "notice.publish"},
	"qualification_restoration": {main: "eligible"},
	"commitment_breach":         {main: "measures[].code"},
	"sampling_plan":             {perJurisdiction: true},
}

// Labels of the transition table besides a field's own values.
const (
	answered = "answered" // a decision without a main field that answered
	absent   = "(absent)" // the result has no value at the main field
	errorTag = "error: "  // followed by the error code
)

// mainValue renders the main field of a result for the transition table:
// a string as itself, anything else as compact JSON.
func mainValue(path string, result map[string]any) string {
	if path == "" {
		return answered
	}
	v, ok := valueAt(result, path)
	if !ok {
		return absent
	}
	if s, isString := v.(string); isString {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return absent
	}
	return string(b)
}

// valueAt follows path into v; "name[]" maps the rest of the path over
// every item of the list at name.
func valueAt(v any, path string) (any, bool) {
	if path == "" {
		return v, true
	}
	part, rest, _ := strings.Cut(path, ".")
	name, each := strings.CutSuffix(part, "[]")
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	child, ok := m[name]
	if !ok {
		return nil, false
	}
	if !each {
		return valueAt(child, rest)
	}
	items, ok := child.([]any)
	if !ok {
		return nil, false
	}
	out := make([]any, 0, len(items))
	for _, it := range items {
		if x, ok := valueAt(it, rest); ok {
			out = append(out, x)
		}
	}
	return out, true
}
