package enterprise

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/goccy/go-json"

	"github.com/credpol/credpol/internal/jsonerr"
	"github.com/credpol/credpol/internal/jurisdiction"
)

// DateLayout is the only date form facts and requests use.
const DateLayout = "2006-01-02"

// Value sets of the enumerated facts (SPEC §5 and Appendix A).
var (
	EntityTypes      = set("company", "individual_business", "farmer_cooperative")
	Statuses         = set("operating", "suspended", "revoked", "deregistered")
	KeySectors       = set("food", "drug", "special_equipment", "medical_device", "cosmetics", "industrial_product")
	PenaltySectors   = set("food", "drug", "special_equipment", "medical_device", "cosmetics", "industrial_product", "general")
	RiskClasses      = set("A", "B", "C", "D")
	PenaltyKinds     = set("warning", "notice_of_criticism", "fine", "confiscation", "suspension_of_business", "restriction_of_production", "employment_ban", "qualification_lowered", "permit_revoked", "license_revoked", "detention")
	Procedures       = set("ordinary", "simplified")
	Lists            = set("abnormal", "serious_dishonest", "abnormal_mark")
	InspectionResult = set("pass", "problem")
	CommitmentStatus = set("kept", "false", "pending")
	ChangeItems      = set("legal_representative", "domicile", "shareholders", "name", "registered_capital", "business_scope")
)

// MaxScore is the top of the public credit comprehensive evaluation (HLJ-1).
const MaxScore = 1000

// Limits on what a client may send (README): every string must be one a store
// can hold, and no request may grow a record without bound.
const (
	MaxNameChars = 200  // an enterprise's or a plan's name
	MaxTextChars = 500  // every other free-text string: decision numbers, causes, items, task names…
	MaxListItems = 1000 // every list of facts, and every array of a context
)

// TextProblem says why s cannot be taken as a string of at most max
// characters, or "" when it can. Postgres text and JSONB refuse U+0000
// (SQLSTATE 22P05) and invalid UTF-8 (22021). The decoders requests pass
// through (encoding/json, and goccy/go-json's Decoder) replace invalid UTF-8
// with U+FFFD; goccy's Unmarshal does not, so it is checked here all the same.
func TextProblem(s string, max int) string {
	if strings.IndexByte(s, 0) >= 0 {
		return "must not contain the NUL character (U+0000)"
	}
	if !utf8.ValidString(s) {
		return "must be valid UTF-8"
	}
	if len(s) > max { // bytes ≥ characters, so shorter strings need no count
		if n := utf8.RuneCountInString(s); n > max {
			return fmt.Sprintf("must be at most %d characters, got %d", max, n)
		}
	}
	return ""
}

// ListProblem says why a list of n items is too long, or "" when it is not.
func ListProblem(n int) string {
	if n > MaxListItems {
		return fmt.Sprintf("must hold at most %d items, got %d", MaxListItems, n)
	}
	return ""
}

// Quote quotes s for an error message, cut to a readable length, so a
// message never echoes a megabyte a client sent.
func Quote(s string) string {
	const max = 40
	if len(s) <= max || utf8.RuneCountInString(s) <= max {
		return strconv.Quote(s)
	}
	return strconv.Quote(string([]rune(s)[:max])) + "…"
}

// OneOf is the message for a value outside an enumeration; an empty value is
// taken as a missing one.
func OneOf(s string, allowed []string) string {
	if s == "" {
		return "is required (one of " + strings.Join(allowed, ", ") + ")"
	}
	if msg := TextProblem(s, MaxTextChars); msg != "" {
		return msg
	}
	return Quote(s) + " is not one of " + strings.Join(allowed, ", ")
}

func set(vs ...string) map[string]bool {
	m := make(map[string]bool, len(vs))
	for _, v := range vs {
		m[v] = true
	}
	return m
}

// FieldError names one invalid field by its JSON path.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// FieldErrors is every problem found in one document.
type FieldErrors []FieldError

func (fe FieldErrors) Error() string {
	parts := make([]string, len(fe))
	for i, e := range fe {
		parts[i] = e.Field + ": " + e.Message
	}
	return "invalid facts: " + strings.Join(parts, "; ")
}

// Decode reads one facts object strictly: unknown fields and wrong types are
// field errors, not silently dropped data. prefix names the object in errors.
// It uses goccy/go-json, a drop-in decoder several times faster than
// encoding/json, because every decision with inline facts passes here.
func Decode(data []byte, prefix string) (Facts, error) {
	// Bounded before the decoder, and decodeError's walk, see the document.
	if p, deep := jsonerr.TooDeep(data, "the facts"); deep {
		return Facts{}, FieldErrors{{Field: prefix, Message: p.Message}}
	}
	var f Facts
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return Facts{}, FieldErrors{decodeError(data, err, prefix)}
	}
	if _, err := dec.Token(); err != io.EOF {
		return Facts{}, FieldErrors{{Field: prefix, Message: "must be a single JSON object"}}
	}
	return f, nil
}

// DecodeOnly is Decode for a decision that reads only some facts (reads
// names them by key): the others are skipped unconverted and unchecked, so
// an enterprise's long history costs a decision that never reads it no more
// than stepping over its bytes. The facts that name the enterprise are
// always decoded (Only). Any document it cannot simply split, an unknown
// key among them, goes to Decode whole, for the same error.
func DecodeOnly(data []byte, prefix string, reads func(field string) bool) (Facts, error) {
	members, ok := jsonerr.Members(data)
	if !ok {
		return Decode(data, prefix)
	}
	kept := make([]byte, 0, 512)
	kept = append(kept, '{')
	skipped := false
	for _, m := range members {
		if !slices.Contains(factNames, m.Key) {
			return Decode(data, prefix)
		}
		if !identity[m.Key] && !reads(m.Key) {
			skipped = true
			continue
		}
		if len(kept) > 1 {
			kept = append(kept, ',')
		}
		kept = append(append(append(append(kept, '"'), m.Key...), '"', ':'), m.Value...)
	}
	if !skipped {
		return Decode(data, prefix)
	}
	return Decode(append(kept, '}'), prefix)
}

// decodeError names the field a failed decode is about. goccy/go-json's own
// errors can name the wrong field or none, so the document is explained again
// against Facts; its message is only the fallback.
func decodeError(data []byte, err error, prefix string) FieldError {
	if p, ok := jsonerr.Explain(data, reflect.TypeFor[Facts](), "the facts"); ok {
		return FieldError{Field: join(prefix, p.Path), Message: p.Message}
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return FieldError{Field: join(prefix, te.Field), Message: fmt.Sprintf("must be %s, got %s", jsonType(te.Type.Kind().String()), te.Value)}
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		// goccy/go-json refuses a key of Facts in another case
		// (Public_Credit_Score), which the walk, like encoding/json, takes.
		name = strings.Trim(name, `"`)
		msg := "unknown fact"
		if guess, ok := jsonerr.Closest(name, factNames); ok {
			msg += " (did you mean " + guess + "?)"
		}
		return FieldError{Field: join(prefix, name), Message: msg}
	}
	return FieldError{Field: prefix, Message: strings.TrimPrefix(msg, "json: ")}
}

// factNames are the keys of a facts object, for suggestions.
var factNames = jsonerr.FieldNames(reflect.TypeFor[Facts]())

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice":
		return "an array"
	case "struct", "map":
		return "an object"
	default:
		return "a number"
	}
}

func join(prefix, field string) string {
	switch {
	case prefix == "":
		return field
	case field == "":
		return prefix
	}
	return prefix + "." + field
}

// Validator checks facts against the contract and the operator's settings.
type Validator struct {
	// KnownJurisdiction says whether a jurisdiction code exists; nil accepts any
	// well-formed code.
	KnownJurisdiction func(string) bool
	// LegacyUSCC accepts codes that fail only the check character (some early
	// pilot codes do), reporting a warning instead of an error.
	LegacyUSCC bool
}

// USCC checks one code. A legacy code accepted under LegacyUSCC comes back as
// a warning with a nil error.
func (vr Validator) USCC(code, field string) (warning *FieldError, err error) {
	err = ValidateUSCC(code)
	var ue *USCCError
	if err != nil && vr.LegacyUSCC && errors.As(err, &ue) && ue.ChecksumOnly() {
		return &FieldError{Field: field, Message: "accepted as a legacy code: " + ue.Reason}, nil
	}
	if err != nil {
		return nil, FieldErrors{{Field: field, Message: err.Error()}}
	}
	return nil, nil
}

// Record checks a complete enterprise record as stored: the identifying facts
// are required on top of everything Check verifies.
func (vr Validator) Record(f Facts, prefix string) (warnings FieldErrors, err error) {
	var missing FieldErrors
	for field, set := range map[string]bool{"uscc": f.USCC != nil, "name": f.Name != nil,
		"entity_type": f.EntityType != nil, "jurisdiction": f.Jurisdiction != nil, "status": f.Status != nil} {
		if !set {
			missing = append(missing, FieldError{Field: join(prefix, field), Message: requiredMessage(field)})
		}
	}
	warnings, err = vr.Check(f, prefix)
	if len(missing) > 0 {
		var fe FieldErrors
		errors.As(err, &fe)
		sort.Slice(missing, func(i, k int) bool { return missing[i].Field < missing[k].Field })
		return warnings, append(missing, fe...)
	}
	return warnings, err
}

// requiredMessage says a required field of a record is missing, with the
// values it takes where they are a short list.
func requiredMessage(field string) string {
	switch field {
	case "entity_type":
		return OneOf("", slices.Sorted(maps.Keys(EntityTypes)))
	case "status":
		return OneOf("", slices.Sorted(maps.Keys(Statuses)))
	}
	return "is required"
}

// Check verifies every field that is set, as for inline facts.
func (vr Validator) Check(f Facts, prefix string) (warnings FieldErrors, err error) {
	v := validator{prefix: prefix}
	if f.USCC != nil {
		w, err := vr.USCC(*f.USCC, join(prefix, "uscc"))
		if err != nil {
			v.errs = append(v.errs, err.(FieldErrors)...)
		}
		if w != nil {
			warnings = append(warnings, *w)
		}
	}
	knownJurisdiction := vr.KnownJurisdiction
	if f.Jurisdiction != nil && !jurisdiction.ValidCode(*f.Jurisdiction) {
		v.add(top("jurisdiction"), "must be a six-digit GB/T 2260 code, got "+Quote(*f.Jurisdiction))
		knownJurisdiction = nil
	}
	if f.Name != nil && v.text(top("name"), *f.Name, MaxNameChars) && strings.TrimSpace(*f.Name) == "" {
		v.add(top("name"), "must not be empty")
	}
	v.enumPtr(top("entity_type"), f.EntityType, EntityTypes)
	if f.Jurisdiction != nil && knownJurisdiction != nil && !knownJurisdiction(*f.Jurisdiction) {
		v.add(top("jurisdiction"), "unknown jurisdiction "+Quote(*f.Jurisdiction))
	}
	if f.EstablishedOn != nil {
		v.givenDate(top("established_on"), *f.EstablishedOn)
	}
	v.enumPtr(top("status"), f.Status, Statuses)
	keySectorsOK := v.list(top("key_sectors"), len(f.KeySectors))
	if keySectorsOK {
		v.enums("", 0, "key_sectors", f.KeySectors, KeySectors)
	}
	if v.list(top("production_sectors"), len(f.ProductionSectors)) {
		v.enums("", 0, "production_sectors", f.ProductionSectors, KeySectors)
		for k, s := range f.ProductionSectors {
			if keySectorsOK && f.KeySectors != nil && KeySectors[s] && !slices.Contains(f.KeySectors, s) {
				v.add(ref{field: "production_sectors", k: k}, "must also be one of key_sectors, got "+Quote(s))
			}
		}
	}
	if s := f.PublicCreditScore; s != nil && (*s < 0 || *s > MaxScore) {
		v.add(top("public_credit_score"), fmt.Sprintf("must be between 0 and %d, got %v", MaxScore, *s))
	}
	v.enumPtr(top("risk_class"), f.RiskClass, RiskClasses)
	if v.list(top("penalties"), len(f.Penalties)) {
		for i, p := range f.Penalties {
			at := item{"penalties", i}
			v.required(at.f("decision_no"), p.DecisionNo)
			v.date(at.f("decided_on"), p.DecidedOn)
			if p.PublishedOn != nil {
				v.givenDate(at.f("published_on"), *p.PublishedOn)
			}
			if len(p.Kinds) == 0 {
				v.add(at.f("kinds"), "must name at least one kind of penalty")
			}
			if v.list(at.f("kinds"), len(p.Kinds)) {
				v.enums("penalties", i, "kinds", p.Kinds, PenaltyKinds)
			}
			if p.FineAmount < 0 {
				v.add(at.f("fine_amount"), "must not be negative")
			}
			v.enum(at.f("sector"), p.Sector, PenaltySectors)
			v.enum(at.f("procedure"), p.Procedure, Procedures)
			if p.BanMonths != nil && (*p.BanMonths < 1 || *p.BanMonths > 1200) {
				v.add(at.f("ban_months"), fmt.Sprintf("must be a number of months from 1 to 1200, got %d", *p.BanMonths))
			}
		}
	}
	if v.list(top("listings"), len(f.Listings)) {
		for i, l := range f.Listings {
			at := item{"listings", i}
			v.enum(at.f("list"), l.List, Lists)
			v.required(at.f("cause"), l.Cause)
			listed := v.date(at.f("listed_on"), l.ListedOn)
			if l.RemovedOn != nil {
				if removed := v.givenDate(at.f("removed_on"), *l.RemovedOn); !removed.IsZero() && !listed.IsZero() && removed.Before(listed) {
					v.add(at.f("removed_on"), "must not be before listed_on")
				}
			}
		}
	}
	if v.list(top("licenses"), len(f.Licenses)) {
		for i, l := range f.Licenses {
			at := item{"licenses", i}
			v.required(at.f("kind"), l.Kind)
			v.text(at.f("number"), l.Number, MaxTextChars)
			v.date(at.f("expires_on"), l.ExpiresOn)
		}
	}
	if v.list(top("inspections"), len(f.Inspections)) {
		for i, x := range f.Inspections {
			at := item{"inspections", i}
			v.text(at.f("task"), x.Task, MaxTextChars)
			v.date(at.f("inspected_on"), x.InspectedOn)
			v.enum(at.f("result"), x.Result, InspectionResult)
		}
	}
	if v.list(top("complaints"), len(f.Complaints)) {
		for i, c := range f.Complaints {
			at := item{"complaints", i}
			v.date(at.f("received_on"), c.ReceivedOn)
			v.text(at.f("kind"), c.Kind, MaxTextChars)
		}
	}
	if v.list(top("commitments"), len(f.Commitments)) {
		for i, c := range f.Commitments {
			at := item{"commitments", i}
			v.required(at.f("item"), c.Item)
			v.date(at.f("made_on"), c.MadeOn)
			v.enum(at.f("status"), c.Status, CommitmentStatus)
		}
	}
	if v.list(top("annual_reports"), len(f.AnnualReports)) {
		for i, r := range f.AnnualReports {
			at := item{"annual_reports", i}
			if r.Year < 1979 || r.Year > maxDate.Year() {
				v.add(at.f("year"), fmt.Sprintf("must be a year from 1979 to %d, got %d", maxDate.Year(), r.Year))
			}
			if r.FiledOn != "" {
				v.givenDate(at.f("filed_on"), r.FiledOn)
			}
			if r.Amendments < 0 {
				v.add(at.f("amendments"), "must not be negative")
			}
		}
	}
	if v.list(top("registration_changes"), len(f.RegistrationChanges)) {
		for i, c := range f.RegistrationChanges {
			at := item{"registration_changes", i}
			v.enum(at.f("item"), c.Item, ChangeItems)
			v.date(at.f("changed_on"), c.ChangedOn)
		}
	}
	if len(v.errs) > 0 {
		return warnings, v.errs
	}
	return warnings, nil
}

type validator struct {
	prefix string
	errs   FieldErrors
}

// ref names a field for an error message; it is only formatted when a
// field is wrong, so validating a valid record allocates no names.
type ref struct {
	list  string // "penalties" for penalties[i].field; "" for a top-level field
	i     int
	field string
	k     int // index within an array field (kinds[k]), or -1
}

func top(field string) ref { return ref{field: field, k: -1} }

type item struct {
	list string
	i    int
}

func (it item) f(field string) ref { return ref{list: it.list, i: it.i, field: field, k: -1} }

func (r ref) String() string {
	name := r.field
	if r.k >= 0 {
		name = fmt.Sprintf("%s[%d]", r.field, r.k)
	}
	if r.list == "" {
		return name
	}
	return fmt.Sprintf("%s[%d].%s", r.list, r.i, name)
}

func (v *validator) add(r ref, msg string) {
	v.errs = append(v.errs, FieldError{Field: join(v.prefix, r.String()), Message: msg})
}

// text checks a free-text string; it reports whether s is acceptable.
func (v *validator) text(r ref, s string, max int) bool {
	if msg := TextProblem(s, max); msg != "" {
		v.add(r, msg)
		return false
	}
	return true
}

// list checks a list's length; items are only checked when it is acceptable,
// so an oversized list gives one error, not one per item.
func (v *validator) list(r ref, n int) bool {
	if msg := ListProblem(n); msg != "" {
		v.add(r, msg)
		return false
	}
	return true
}

func (v *validator) required(r ref, s string) {
	if v.text(r, s, MaxTextChars) && strings.TrimSpace(s) == "" {
		v.add(r, "is required")
	}
}

func (v *validator) enum(r ref, s string, allowed map[string]bool) {
	if !allowed[s] {
		v.add(r, OneOf(s, slices.Sorted(maps.Keys(allowed))))
	}
}

// enums checks an enumerated list (key_sectors, a penalty's kinds): each value
// once. The store keeps such a list in one bounded column.
func (v *validator) enums(list string, i int, field string, values []string, allowed map[string]bool) {
	for k, s := range values {
		r := ref{list: list, i: i, field: field, k: k}
		switch {
		case !allowed[s]:
			v.enum(r, s, allowed)
		case slices.Index(values, s) < k:
			v.add(r, Quote(s)+" is listed twice")
		}
	}
}

func (v *validator) enumPtr(r ref, s *string, allowed map[string]bool) {
	if s != nil {
		v.enum(r, *s, allowed)
	}
}

// date checks a required date: empty is missing.
func (v *validator) date(r ref, s string) time.Time {
	if s == "" {
		v.add(r, "is required (a date YYYY-MM-DD)")
		return time.Time{}
	}
	return v.givenDate(r, s)
}

// givenDate checks an optional date that was given.
func (v *validator) givenDate(r ref, s string) time.Time {
	t, err := ParseDate(s)
	if err != nil {
		v.add(r, err.Error())
	}
	return t
}

// The dates facts and requests may carry. Nothing credpol decides about
// predates the People's Republic; the end keeps every date, and the years a
// policy adds to one, inside the nanosecond range of OPA's time built-ins
// (up to 2262), which answer an error beyond it.
var (
	minDate = time.Date(1949, 10, 1, 0, 0, 0, 0, time.UTC)
	maxDate = time.Date(2199, 12, 31, 0, 0, 0, 0, time.UTC)
)

// DateRange is the range ParseDate accepts, for messages and documentation.
var DateRange = minDate.Format(DateLayout) + " to " + maxDate.Format(DateLayout)

// ParseDate parses a YYYY-MM-DD calendar date from 1949-10-01 to 2199-12-31.
// It is the one place dates from clients are parsed.
func ParseDate(s string) (time.Time, error) {
	t, err := time.Parse(DateLayout, s)
	if err != nil || t.Before(minDate) || t.After(maxDate) {
		return time.Time{}, fmt.Errorf("must be a date YYYY-MM-DD from %s, got %s", DateRange, Quote(s))
	}
	return t, nil
}
