package verify

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/credpol/credpol/internal/catalogue"
	"github.com/credpol/credpol/internal/demo"
	"github.com/credpol/credpol/internal/enterprise"
)

// The generated part of the corpus varies one thing at a time from a typical
// enterprise, so a failure names the one fact that causes it. Every
// generated enterprise and context is valid: what the API would refuse
// never reaches a policy, and is no policy's fault.

// longList is the length of the "long list" inputs: long enough to find a
// rule that assumes one item, short enough to keep the check fast.
const longList = 50

// demoEnterprises is how many demo enterprises join the corpus: realistic
// mixes of facts no one-at-a-time variation produces.
const demoEnterprises = 16

// listingCauses are the causes an abnormal listing may carry (SPEC Appendix A).
var listingCauses = []string{"unreachable_at_domicile", "annual_report_not_filed", "instant_info_not_disclosed",
	"false_information", "publicity_info_error"}

type corpusGen struct {
	today time.Time
	asOf  string
}

func (g corpusGen) day(offset int) string {
	return g.today.AddDate(0, 0, offset).Format(enterprise.DateLayout)
}

func sortedSet(set map[string]bool) []string { return slices.Sorted(maps.Keys(set)) }

// typical is the enterprise every variation starts from.
func (g corpusGen) typical() enterprise.Facts {
	return enterprise.Facts{
		EntityType:        ptrTo("company"),
		EstablishedOn:     ptrTo(g.day(-5 * 365)),
		Status:            ptrTo("operating"),
		KeySectors:        []string{},
		NewFormat:         ptrTo(false),
		PublicCreditScore: ptrTo(800.0),
		RiskClass:         ptrTo("B"),
		PremisesAbnormal:  ptrTo(false),
		Reachable:         ptrTo(true),
	}
}

func (g corpusGen) penalty(kinds ...string) enterprise.Penalty {
	p := enterprise.Penalty{DecisionNo: "罚字〔2026〕1号", DecidedOn: g.day(-200), Kinds: kinds, Sector: "general", Procedure: "ordinary"}
	if slices.Contains(kinds, "fine") {
		p.FineAmount = 5000
	}
	return p
}

// heavy is the typical enterprise with one of every kind of record.
func (g corpusGen) heavy() enterprise.Facts {
	f := g.typical()
	f.Penalties = []enterprise.Penalty{g.penalty("fine")}
	f.Listings = []enterprise.Listing{{List: "abnormal", Cause: "annual_report_not_filed", ListedOn: g.day(-100)}}
	f.Licenses = []enterprise.License{{Kind: "食品经营许可证", Number: "JY1", ExpiresOn: g.day(-1)}}
	f.Inspections = []enterprise.Inspection{{Task: "抽查", InspectedOn: g.day(-30), Result: "problem"}}
	f.Complaints = []enterprise.Complaint{{ReceivedOn: g.day(-10), Kind: "quality"}}
	f.Commitments = []enterprise.Commitment{{Item: "承诺事项", MadeOn: g.day(-60), Status: "false"}}
	f.AnnualReports = []enterprise.AnnualReport{{Year: g.today.Year() - 1, FiledOn: g.day(-180)}}
	f.RegistrationChanges = []enterprise.RegistrationChange{{Item: "legal_representative", ChangedOn: g.day(-20)}}
	return f
}

func (g corpusGen) input(label string, f enterprise.Facts) corpusInput {
	return corpusInput{label: "facts " + label, asOf: g.asOf, enterprise: enterprise.Document(f), facts: &f}
}

// bases are the enterprises each context variation and each date is tried on.
func (g corpusGen) bases() []corpusInput {
	return []corpusInput{
		g.input("{} (none at all)", enterprise.Facts{}),
		g.input("typical (company, operating, class B, score 800)", g.typical()),
		g.input("typical with one record of each kind", g.heavy()),
	}
}

// enterprises varies the typical enterprise over every enumerated value,
// each score boundary the parameters set, and empty and long lists.
func (g corpusGen) enterprises(boundaries []float64) []corpusInput {
	out := g.bases()
	vary := func(label string, change func(f *enterprise.Facts)) {
		f := g.typical()
		change(&f)
		out = append(out, g.input(label, f))
	}
	for _, t := range sortedSet(enterprise.EntityTypes) {
		vary("entity_type="+t, func(f *enterprise.Facts) { f.EntityType = ptrTo(t) })
	}
	for _, s := range sortedSet(enterprise.Statuses) {
		vary("status="+s, func(f *enterprise.Facts) { f.Status = ptrTo(s) })
	}
	for _, c := range sortedSet(enterprise.RiskClasses) {
		vary("risk_class="+c, func(f *enterprise.Facts) { f.RiskClass = ptrTo(c) })
		vary("risk_class="+c+", new_format=true", func(f *enterprise.Facts) { f.RiskClass, f.NewFormat = ptrTo(c), ptrTo(true) })
	}
	vary("risk_class absent", func(f *enterprise.Facts) { f.RiskClass = nil })
	vary("risk_class and public_credit_score absent", func(f *enterprise.Facts) { f.RiskClass, f.PublicCreditScore = nil, nil })
	for _, s := range scoresAround(boundaries) {
		vary(fmt.Sprintf("public_credit_score=%v, risk_class absent", s), func(f *enterprise.Facts) {
			f.RiskClass, f.PublicCreditScore = nil, ptrTo(s)
		})
	}
	for _, s := range sortedSet(enterprise.KeySectors) {
		vary("key_sectors=["+s+"]", func(f *enterprise.Facts) { f.KeySectors = []string{s} })
		vary("key_sectors=["+s+"], risk_class=A", func(f *enterprise.Facts) { f.KeySectors, f.RiskClass = []string{s}, ptrTo("A") })
	}
	vary("key_sectors=[all six]", func(f *enterprise.Facts) { f.KeySectors = sortedSet(enterprise.KeySectors) })
	vary("key_sectors=[all six], producer in all", func(f *enterprise.Facts) {
		f.KeySectors, f.ProductionSectors = sortedSet(enterprise.KeySectors), sortedSet(enterprise.KeySectors)
	})
	for _, item := range sortedSet(enterprise.ChangeItems) {
		vary("registration change of "+item+" today", func(f *enterprise.Facts) {
			f.RegistrationChanges = []enterprise.RegistrationChange{{Item: item, ChangedOn: g.asOf}}
		})
	}
	vary("premises_abnormal=true", func(f *enterprise.Facts) { f.PremisesAbnormal = ptrTo(true) })
	vary("reachable=false", func(f *enterprise.Facts) { f.Reachable = ptrTo(false) })
	vary("established today", func(f *enterprise.Facts) { f.EstablishedOn = ptrTo(g.asOf) })

	for _, k := range sortedSet(enterprise.PenaltyKinds) {
		vary("one penalty of kind "+k, func(f *enterprise.Facts) { f.Penalties = []enterprise.Penalty{g.penalty(k)} })
	}
	for _, s := range sortedSet(enterprise.PenaltySectors) {
		vary("one fine in sector "+s, func(f *enterprise.Facts) {
			p := g.penalty("fine")
			p.Sector = s
			f.Penalties = []enterprise.Penalty{p}
		})
	}
	penaltyVariants := map[string]func(p *enterprise.Penalty){
		"a simplified-procedure warning": func(p *enterprise.Penalty) { p.Kinds, p.FineAmount, p.Procedure = []string{"warning"}, 0, "simplified" },
		"a fine decided today":           func(p *enterprise.Penalty) { p.DecidedOn = g.asOf },
		"a fine decided 10 years ago":    func(p *enterprise.Penalty) { p.DecidedOn = g.day(-3653) },
		"a fine published later":         func(p *enterprise.Penalty) { p.PublishedOn = ptrTo(g.day(-150)) },
		"a fine, duties fulfilled and harm removed": func(p *enterprise.Penalty) {
			p.DutiesFulfilled, p.HarmRemoved = true, true
		},
		"a fine of 0 yuan":           func(p *enterprise.Penalty) { p.FineAmount = 0 },
		"a fine of 10,000,000 yuan":  func(p *enterprise.Penalty) { p.FineAmount = 1e7 },
		"a penalty with every kind":  func(p *enterprise.Penalty) { p.Kinds = sortedSet(enterprise.PenaltyKinds) },
		"a five-year employment ban": func(p *enterprise.Penalty) { p.Kinds, p.BanMonths = []string{"employment_ban"}, ptrTo(60) },
	}
	for _, label := range slices.Sorted(maps.Keys(penaltyVariants)) {
		vary("one penalty: "+label, func(f *enterprise.Facts) {
			p := g.penalty("fine")
			penaltyVariants[label](&p)
			f.Penalties = []enterprise.Penalty{p}
		})
	}
	for _, c := range listingCauses {
		vary("listed abnormal for "+c, func(f *enterprise.Facts) {
			f.Listings = []enterprise.Listing{{List: "abnormal", Cause: c, ListedOn: g.day(-100)}}
		})
	}
	vary("marked abnormal (individual business)", func(f *enterprise.Facts) {
		f.EntityType = ptrTo("individual_business")
		f.Listings = []enterprise.Listing{{List: "abnormal_mark", Cause: "annual_report_not_filed", ListedOn: g.day(-100)}}
	})
	vary("listed seriously dishonest", func(f *enterprise.Facts) {
		f.Listings = []enterprise.Listing{{List: "serious_dishonest", Cause: "false_information", ListedOn: g.day(-400)}}
	})
	vary("listed abnormal, removed", func(f *enterprise.Facts) {
		f.Listings = []enterprise.Listing{{List: "abnormal", Cause: "annual_report_not_filed", ListedOn: g.day(-400), RemovedOn: ptrTo(g.day(-30))}}
	})
	vary("listed abnormal for 4 years", func(f *enterprise.Facts) {
		f.Listings = []enterprise.Listing{{List: "abnormal", Cause: "unreachable_at_domicile", ListedOn: g.day(-4 * 366)}}
	})
	vary("a licence expired yesterday", func(f *enterprise.Facts) {
		f.Licenses = []enterprise.License{{Kind: "食品经营许可证", Number: "JY1", ExpiresOn: g.day(-1)}}
	})
	vary("a licence valid for a year", func(f *enterprise.Facts) {
		f.Licenses = []enterprise.License{{Kind: "食品经营许可证", Number: "JY1", ExpiresOn: g.day(365)}}
	})
	for _, r := range sortedSet(enterprise.InspectionResult) {
		vary("one inspection with result "+r, func(f *enterprise.Facts) {
			f.Inspections = []enterprise.Inspection{{Task: "抽查", InspectedOn: g.day(-30), Result: r}}
		})
	}
	vary("a complaint received today", func(f *enterprise.Facts) {
		f.Complaints = []enterprise.Complaint{{ReceivedOn: g.asOf, Kind: "quality"}}
	})
	for _, s := range sortedSet(enterprise.CommitmentStatus) {
		vary("one commitment with status "+s, func(f *enterprise.Facts) {
			f.Commitments = []enterprise.Commitment{{Item: "承诺事项", MadeOn: g.day(-60), Status: s}}
		})
	}
	vary("an annual report not filed", func(f *enterprise.Facts) {
		f.AnnualReports = []enterprise.AnnualReport{{Year: g.today.Year() - 1}}
	})
	vary("an annual report amended 3 times", func(f *enterprise.Facts) {
		f.AnnualReports = []enterprise.AnnualReport{{Year: g.today.Year() - 1, FiledOn: g.day(-180), Amendments: 3}}
	})
	vary("every list empty", func(f *enterprise.Facts) {
		f.Penalties, f.Listings, f.Licenses = []enterprise.Penalty{}, []enterprise.Listing{}, []enterprise.License{}
		f.Inspections, f.Complaints, f.Commitments = []enterprise.Inspection{}, []enterprise.Complaint{}, []enterprise.Commitment{}
		f.AnnualReports, f.RegistrationChanges = []enterprise.AnnualReport{}, []enterprise.RegistrationChange{}
	})
	vary(fmt.Sprintf("%d items in every list", longList), func(f *enterprise.Facts) { g.fill(f, longList) })

	i := 0
	_ = demo.Generate(demo.Options{Seed: 1, Count: demoEnterprises, Today: g.today}, func(f enterprise.Facts) error {
		i++
		label := fmt.Sprintf("demo enterprise #%d of seed 1", i)
		if f.USCC != nil {
			label += " (" + *f.USCC + ")"
		}
		f.Jurisdiction = nil // asked about in each jurisdiction in turn
		out = append(out, g.input(label, f))
		return nil
	})
	return out
}

// fill gives f n records in every list, of every kind in turn.
func (g corpusGen) fill(f *enterprise.Facts, n int) {
	kinds := sortedSet(enterprise.PenaltyKinds)
	statuses := sortedSet(enterprise.CommitmentStatus)
	results := sortedSet(enterprise.InspectionResult)
	lists := sortedSet(enterprise.Lists)
	changes := sortedSet(enterprise.ChangeItems)
	for i := range n {
		p := g.penalty(kinds[i%len(kinds)])
		p.DecisionNo = fmt.Sprintf("罚字〔2026〕%d号", i+1)
		p.DecidedOn = g.day(-30 * (i + 1))
		f.Penalties = append(f.Penalties, p)
		f.Listings = append(f.Listings, enterprise.Listing{List: lists[i%len(lists)], Cause: listingCauses[i%len(listingCauses)], ListedOn: g.day(-40 * (i + 1))})
		f.Licenses = append(f.Licenses, enterprise.License{Kind: "食品经营许可证", Number: fmt.Sprintf("JY%d", i), ExpiresOn: g.day(20*i - 300)})
		f.Inspections = append(f.Inspections, enterprise.Inspection{Task: "抽查", InspectedOn: g.day(-25 * (i + 1)), Result: results[i%len(results)]})
		f.Complaints = append(f.Complaints, enterprise.Complaint{ReceivedOn: g.day(-7 * i), Kind: "quality"})
		f.Commitments = append(f.Commitments, enterprise.Commitment{Item: "承诺事项", MadeOn: g.day(-11 * (i + 1)), Status: statuses[i%len(statuses)]})
		// Annual reports exist from 1979 on; older years repeat.
		f.AnnualReports = append(f.AnnualReports, enterprise.AnnualReport{Year: g.today.Year() - 1 - i%30, FiledOn: g.day(-365*(i%30) - 180)})
		f.RegistrationChanges = append(f.RegistrationChanges, enterprise.RegistrationChange{Item: changes[i%len(changes)], ChangedOn: g.day(-13 * i)})
	}
}

// scores are 0, 1000 and each boundary with its neighbours.
func scoresAround(boundaries []float64) []float64 {
	set := map[float64]bool{0: true, enterprise.MaxScore: true}
	for _, b := range boundaries {
		for _, s := range []float64{b - 1, b, b + 1} {
			if s >= 0 && s <= enterprise.MaxScore {
				set[s] = true
			}
		}
	}
	out := slices.Collect(maps.Keys(set))
	sort.Float64s(out)
	return out
}

// dateSamples asks on each date the parameters name, and the day before,
// with the typical enterprises, and with a fine decided on that date.
func (g corpusGen) dateSamples(dates []string, bases []corpusInput) []corpusInput {
	var out []corpusInput
	for _, d := range dates {
		t, err := time.Parse(enterprise.DateLayout, d)
		if err != nil {
			continue
		}
		before := t.AddDate(0, 0, -1).Format(enterprise.DateLayout)
		if _, err := enterprise.ParseDate(before); err != nil {
			before = d
		}
		for _, asOf := range slices.Compact([]string{before, d}) {
			for _, b := range bases[1:] {
				b.asOf, b.label = asOf, b.label+"; as_of="+asOf
				out = append(out, b)
			}
		}
		f := g.typical()
		p := g.penalty("fine")
		p.DecidedOn = d
		f.Penalties = []enterprise.Penalty{p}
		s := g.input("one fine decided on "+d, f)
		if d > g.asOf {
			s.asOf = d
		}
		out = append(out, s)
	}
	return out
}

// contextVariant is one context to try.
type contextVariant struct {
	label string
	doc   map[string]any
}

// contextVariants are the contexts a decision is tried with: the first is
// the fullest (every field given); then only the required fields; then each
// field in turn at each of its enumerated values, true, empty and long,
// zero and large, or left out. Each is held to the schema as a request's
// context is, defaults filled in; one the API would refuse is dropped.
func contextVariants(f *catalogue.Field, g corpusGen) []contextVariant {
	if f == nil || f.Type != "object" {
		return []contextVariant{{label: "{}", doc: map[string]any{}}}
	}
	var out []contextVariant
	add := func(label string, doc any) {
		m, ok := doc.(map[string]any)
		if !ok {
			return
		}
		var errs enterprise.FieldErrors
		f.Check("context", m, &errs)
		if len(errs) == 0 {
			out = append(out, contextVariant{label: label, doc: m})
		}
	}
	fullDoc := g.full(f)
	add("with every field", fullDoc)
	if len(out) == 0 {
		return []contextVariant{{label: "{}", doc: map[string]any{}}}
	}
	add("with only the required fields", g.minimal(f))
	g.vary(f, nil, true, func(p []string, v any, label string) {
		doc := deepCopy(fullDoc).(map[string]any)
		setPath(doc, p, v)
		add(strings.Join(p, ".")+label, doc)
	})
	return out
}

// full is a value for f with every field given.
func (g corpusGen) full(f *catalogue.Field) any {
	switch f.Type {
	case "object":
		m := map[string]any{}
		for name, p := range f.Properties {
			m[name] = g.full(p)
		}
		return m
	case "array":
		if f.Items == nil {
			return []any{}
		}
		return []any{g.full(f.Items)}
	case "boolean":
		return false
	case "number", "integer":
		if f.Minimum != nil {
			return max(*f.Minimum, 1)
		}
		return 1.0
	case "date":
		return g.day(-30)
	}
	if len(f.Enum) > 0 {
		return f.Enum[0]
	}
	return "x"
}

// minimal is a value for f with only its required fields.
func (g corpusGen) minimal(f *catalogue.Field) any {
	if f.Type != "object" {
		return g.full(f)
	}
	m := map[string]any{}
	for name, p := range f.Properties {
		if p.Required {
			m[name] = g.minimal(p)
		}
	}
	return m
}

// vary calls try with each leaf path of f and each value worth trying there.
func (g corpusGen) vary(f *catalogue.Field, p []string, required bool, try func(path []string, v any, label string)) {
	at := slices.Clone(p)
	if f.Type == "object" {
		for _, name := range slices.Sorted(maps.Keys(f.Properties)) {
			sub := f.Properties[name]
			g.vary(sub, append(at, name), sub.Required, try)
		}
		if len(p) > 0 && !required && f.Default == nil {
			try(at, nil, " left out")
		}
		return
	}
	if len(p) == 0 {
		return
	}
	switch {
	case len(f.Enum) > 0:
		for _, v := range f.Enum[1:] {
			try(at, v, "="+v)
		}
	case f.Type == "boolean":
		try(at, true, "=true")
	case f.Type == "array":
		try(at, []any{}, "=[] (empty)")
		if f.Items != nil {
			long := make([]any, longList)
			for i := range long {
				long[i] = g.full(f.Items)
			}
			try(at, long, fmt.Sprintf("=[%d items]", longList))
			for _, v := range f.Items.Enum {
				try(at, []any{v}, "=["+v+"]")
			}
		}
	case f.Type == "number" || f.Type == "integer":
		low := 0.0
		if f.Minimum != nil {
			low = *f.Minimum
		}
		try(at, low, fmt.Sprintf("=%v", low))
		try(at, 1e6, "=1000000")
	case f.Type == "date":
		try(at, g.asOf, "="+g.asOf+" (as_of)")
		try(at, g.day(365), "="+g.day(365)+" (after as_of)")
	case f.Type == "string":
		try(at, "", `="" (empty)`)
	}
	if !required && f.Default == nil {
		try(at, nil, " left out")
	}
}

// setPath sets (or, for nil, deletes) the value at p in doc.
func setPath(doc map[string]any, p []string, v any) {
	for _, k := range p[:len(p)-1] {
		next, ok := doc[k].(map[string]any)
		if !ok {
			return
		}
		doc = next
	}
	if v == nil {
		delete(doc, p[len(p)-1])
		return
	}
	doc[p[len(p)-1]] = v
}

func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = deepCopy(x)
		}
		return m
	case []any:
		a := make([]any, len(v))
		for i, x := range v {
			a[i] = deepCopy(x)
		}
		return a
	}
	return v
}

func ptrTo[T any](v T) *T { return &v }
