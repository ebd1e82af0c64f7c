package engine

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/types"
)

// explainTypeErrors rewrites OPA's type errors for policy staff. A reference
// to a field the input schema does not list is located at the misspelt field
// itself: OPA reports it at the reference's first term, which for a name
// brought in by an import or a rule of the same package is one term shared
// by every use in the file, so OPA's line can be that of another use. The
// message says in words which field is unknown, which fields there are and
// the likeliest one meant; other type errors keep OPA's message with its
// details on the same line, since credpol prints one line per problem.
func explainTypeErrors(errs ast.Errors) ast.Errors {
	out := make(ast.Errors, 0, len(errs))
	for _, e := range errs {
		if e.Code != ast.TypeErr || e.Details == nil {
			out = append(out, e)
			continue
		}
		cpy := *e
		switch d := e.Details.(type) {
		case *ast.RefErrInvalidDetail:
			if d.Pos > 0 && d.Pos < len(d.Ref) {
				if loc := d.Ref[d.Pos].Location; loc != nil {
					cpy.Location = loc
				}
				cpy.Message = undefinedField(d)
			}
		case *ast.RefErrUnsupportedDetail:
			// Pos is the last part that has a value; the next one reads into it.
			key := d.Pos + 1
			if _, isFunc := d.Have.(*types.Function); isFunc || d.Pos < 0 || key >= len(d.Ref) {
				cpy.Message = withDetails(e)
				break
			}
			if loc := d.Ref[key].Location; loc != nil {
				cpy.Location = loc
			}
			cpy.Message = fmt.Sprintf("%s: %s is %s, which has no field %s", refAsWritten(d.Ref[:key+1]),
				refAsWritten(d.Ref[:key]), typeInWords(d.Have), keyInWords(d.Ref[key]))
		case *ast.UnificationErrDetail:
			cpy.Message = fmt.Sprintf("compares %s with %s, which can never be equal", typeInWords(d.Left), typeInWords(d.Right))
		default:
			cpy.Message = withDetails(e)
		}
		out = append(out, &cpy)
	}
	return out
}

func withDetails(e *ast.Error) string {
	var lines []string
	for _, l := range e.Details.Lines() {
		if l = strings.TrimSpace(l); l != "" && l != "^" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return e.Message
	}
	return e.Message + " (" + strings.Join(lines, "; ") + ")"
}

// undefinedField words a reference to a field that is not there:
// "penaltys" is not a field of input.enterprise (did you mean "penalties"?).
func undefinedField(d *ast.RefErrInvalidDetail) string {
	whole, prefix, name := refAsWritten(d.Ref[:d.Pos+1]), refAsWritten(d.Ref[:d.Pos]), keyInWords(d.Ref[d.Pos])
	if len(d.OneOf) > 0 {
		known := make([]string, 0, len(d.OneOf))
		for _, v := range d.OneOf {
			if s, ok := v.(ast.String); ok {
				known = append(known, string(s))
			} else {
				known = append(known, v.String())
			}
		}
		msg := fmt.Sprintf("%s: %s is not a field of %s", whole, name, prefix)
		if guess := likelyField(strings.Trim(name, `"`), known); guess != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", guess)
		}
		msg += fmt.Sprintf("; its fields are %s. The input policies receive is described in %s", strings.Join(known, ", "), InputSchemaFile)
		if strings.HasPrefix(whole, "input.context") {
			msg += ", a decision's context fields in " + CatalogueFile
		}
		return msg
	}
	if _, isNumber := d.Want.(types.Number); isNumber {
		return fmt.Sprintf("%s: %s is a list, whose items are numbered, not named: read the field of each item (some x in %s) instead of %s",
			whole, prefix, prefix, name)
	}
	if d.Want == nil {
		return fmt.Sprintf("%s: %s is always empty, so it has no field %s", whole, prefix, name)
	}
	return fmt.Sprintf("%s: %s cannot be read with %s (%s wanted)", whole, prefix, name, typeInWords(d.Want))
}

// keyInWords is a part of a reference as its author reads it: a field name
// in quotes, a variable or number as written.
func keyInWords(t *ast.Term) string {
	if s, ok := t.Value.(ast.String); ok {
		return strconv.Quote(string(s))
	}
	return t.String()
}

// refAsWritten prints a reference without the data. the compiler puts
// before imported names (lib.enterprise, not data.lib.enterprise).
func refAsWritten(r ast.Ref) string {
	return strings.TrimPrefix(r.String(), "data.")
}

func typeInWords(t types.Type) string {
	switch t.(type) {
	case types.String:
		return "a string"
	case types.Number:
		return "a number"
	case types.Boolean:
		return "true or false"
	case types.Null:
		return "null"
	case *types.Array:
		return "a list"
	case *types.Object:
		return "an object"
	case *types.Set:
		return "a set"
	}
	return types.Sprint(t)
}

// likelyField is the known name nearest to name, if it is near enough to be
// a slip of the keyboard (at most two edits, or a third of the name), or
// else the one name that starts with it (expires for expires_on).
func likelyField(name string, known []string) string {
	best, bestDist := "", max(2, len([]rune(name))/3)+1
	for _, k := range known {
		if d := fieldDistance(name, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	if best != "" || name == "" {
		return best
	}
	for _, k := range known {
		if strings.HasPrefix(k, name) {
			if best != "" {
				return ""
			}
			best = k
		}
	}
	return best
}

// fieldDistance is the Levenshtein distance between a and b, in runes.
func fieldDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
