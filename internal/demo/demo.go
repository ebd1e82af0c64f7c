// Package demo generates a synthetic but plausible population of enterprises
// over the shipped jurisdictions, reproducible from a seed. Every figure here
// is made up for demonstrations and load tests; none is official.
package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/credpol/credpol/internal/enterprise"
)

// places are the jurisdictions enterprises are registered in, with weights.
// The national baseline holds no enterprises.
var places = []struct {
	code   string
	weight int
}{
	{"230000", 20}, {"140000", 8}, {"140900", 10}, {"140930", 6}, {"350000", 8},
	{"350500", 12}, {"350505", 12}, {"440000", 10}, {"440500", 14},
}

var (
	sectorNames = []string{"food", "drug", "special_equipment", "medical_device", "cosmetics", "industrial_product"}
	sectorShare = []float64{0.15, 0.03, 0.04, 0.02, 0.02, 0.05}
	licenseOf   = map[string]string{"food": "食品经营许可证", "drug": "药品经营许可证", "special_equipment": "特种设备生产许可证",
		"medical_device": "医疗器械经营许可证", "cosmetics": "化妆品生产许可证", "industrial_product": "工业产品生产许可证"}
	tradeWords = []string{"华信", "恒达", "鑫源", "顺泰", "宏图", "瑞丰", "嘉禾", "永安", "金穗", "兴业", "利民", "广源"}
	trades     = []string{"商贸", "食品", "科技", "机械", "建材", "医药", "餐饮", "物流", "电子", "农业"}
	causes     = []string{"annual_report_not_filed", "unreachable_at_domicile", "instant_info_not_disclosed", "false_information"}
	complaints = []string{"quality", "price", "contract", "food_safety", "advertising"}
	kindsMix   = [][]string{{"warning"}, {"fine"}, {"fine"}, {"fine", "confiscation"}, {"notice_of_criticism"},
		{"fine", "suspension_of_business"}, {"permit_revoked"}, {"fine"}, {"warning", "fine"}, {"license_revoked"}}
)

// Options shape a population.
type Options struct {
	Seed  uint64
	Count int
	// Today is the date the population is "as of": dates stay before it.
	Today time.Time
}

// Generate calls emit for each of opts.Count enterprises, in a fixed order:
// the same options always give the same population.
func Generate(opts Options, emit func(enterprise.Facts) error) error {
	rng := rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15))
	today := opts.Today
	if today.IsZero() {
		today = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	}
	total := 0
	for _, p := range places {
		total += p.weight
	}
	for i := 0; i < opts.Count; i++ {
		g := gen{rng: rng, today: today}
		if err := emit(g.enterprise(i, total, opts.Seed)); err != nil {
			return err
		}
	}
	return nil
}

type gen struct {
	rng   *rand.Rand
	today time.Time
}

func (g gen) enterprise(i, totalWeight int, seed uint64) enterprise.Facts {
	r := g.rng
	place := placeAt(r.IntN(totalWeight))
	typ, kindDigit := "company", '1'
	switch x := r.Float64(); {
	case x < 0.40:
		typ, kindDigit = "individual_business", '2'
	case x < 0.45:
		typ, kindDigit = "farmer_cooperative", '3'
	}
	uscc := makeUSCC(kindDigit, place, uint64(i), seed)
	established := g.today.AddDate(0, 0, -(90 + r.IntN(20*365)))

	status := "operating"
	switch x := r.Float64(); {
	case x < 0.04:
		status = "suspended"
	case x < 0.07:
		status = "revoked"
	case x < 0.10:
		status = "deregistered"
	}
	var sectors []string
	for k, name := range sectorNames {
		if r.Float64() < sectorShare[k] {
			sectors = append(sectors, name)
		}
	}
	if sectors == nil {
		sectors = []string{}
	}
	score := math.Round(math.Max(400, math.Min(1000, r.NormFloat64()*60+800)))
	f := enterprise.Facts{
		USCC:              &uscc,
		Name:              ptr(g.name(place, typ)),
		EntityType:        &typ,
		Jurisdiction:      &place,
		EstablishedOn:     ptr(date(established)),
		Status:            &status,
		KeySectors:        sectors,
		NewFormat:         ptr(r.Float64() < 0.08),
		PublicCreditScore: &score,
		PremisesAbnormal:  ptr(r.Float64() < 0.03),
		Reachable:         ptr(r.Float64() < 0.97),
	}
	if r.Float64() < 0.6 { // the province's system has classified most enterprises
		f.RiskClass = ptr(pick(r, []string{"A", "B", "C", "D"}, []float64{0.30, 0.50, 0.15, 0.05}))
	}
	f.Penalties = g.penalties(established, sectors)
	f.Listings = g.listings(established)
	f.Licenses = g.licenses(sectors)
	f.Inspections = g.inspections(established)
	f.Complaints = g.complaints()
	f.Commitments = g.commitments(established)
	f.AnnualReports = g.annualReports(established)
	if typ == "individual_business" {
		markInsteadOfList(f.Listings)
	}
	// Facts added later draw from their own stream, so the facts above stay
	// what they were for a given seed.
	x := gen{rng: rand.New(rand.NewPCG(seed, uint64(i))), today: g.today}
	f.ProductionSectors = x.producing(sectors)
	f.RegistrationChanges = x.registrationChanges(established)
	return f
}

// markInsteadOfList turns an individual business's abnormal listings into the
// abnormal-status mark, which is what applies to it (个体工商户年度报告办法).
func markInsteadOfList(ls []enterprise.Listing) {
	for k := range ls {
		if ls[k].List == "abnormal" {
			ls[k].List = "abnormal_mark"
		}
	}
}

// producing picks the key sectors in which the enterprise is a producer.
func (g gen) producing(sectors []string) []string {
	out := []string{}
	for _, s := range sectors {
		if g.rng.Float64() < 0.3 {
			out = append(out, s)
		}
	}
	return out
}

func (g gen) registrationChanges(since time.Time) []enterprise.RegistrationChange {
	out := []enterprise.RegistrationChange{}
	if recent := g.today.AddDate(-3, 0, 0); since.Before(recent) {
		since = recent
	}
	n := 0
	if g.rng.Float64() < 0.2 {
		n = 1 + g.rng.IntN(3)
	}
	for k := 0; k < n; k++ {
		out = append(out, enterprise.RegistrationChange{
			Item:      pick(g.rng, []string{"legal_representative", "domicile", "shareholders", "name", "registered_capital", "business_scope"}, []float64{0.2, 0.25, 0.2, 0.05, 0.1, 0.2}),
			ChangedOn: date(g.between(since, g.today)),
		})
	}
	return out
}

func placeAt(w int) string {
	for _, p := range places {
		if w < p.weight {
			return p.code
		}
		w -= p.weight
	}
	return places[len(places)-1].code
}

func (g gen) name(place, typ string) string {
	r := g.rng
	prefix := map[string]string{"230000": "黑龙江", "140000": "山西", "140900": "忻州", "140930": "河曲", "350000": "福建",
		"350500": "泉州", "350505": "泉港", "440000": "广东", "440500": "汕头"}[place]
	word, trade := tradeWords[r.IntN(len(tradeWords))], trades[r.IntN(len(trades))]
	switch typ {
	case "individual_business":
		return fmt.Sprintf("%s区%s%s店", prefix, word, trade)
	case "farmer_cooperative":
		return fmt.Sprintf("%s县%s%s专业合作社", prefix, word, trade)
	}
	return fmt.Sprintf("%s%s%s有限公司", prefix, word, trade)
}

func (g gen) penalties(since time.Time, sectors []string) []enterprise.Penalty {
	r := g.rng
	n := 0
	if x := r.Float64(); x < 0.20 {
		n = 1 + r.IntN(3)
	}
	out := make([]enterprise.Penalty, 0, n)
	for k := 0; k < n; k++ {
		decided := g.between(since, g.today)
		kinds := kindsMix[r.IntN(len(kindsMix))]
		sector := "general"
		if len(sectors) > 0 && r.Float64() < 0.7 {
			sector = sectors[r.IntN(len(sectors))]
		}
		p := enterprise.Penalty{
			DecisionNo:      fmt.Sprintf("市监处罚〔%d〕%d号", decided.Year(), 100+r.IntN(900)),
			DecidedOn:       date(decided),
			Kinds:           append([]string(nil), kinds...),
			Sector:          sector,
			Procedure:       pick(r, []string{"ordinary", "simplified"}, []float64{0.85, 0.15}),
			DutiesFulfilled: r.Float64() < 0.8,
			HarmRemoved:     r.Float64() < 0.7,
		}
		for _, kind := range kinds {
			if kind == "fine" {
				p.FineAmount = math.Round(math.Exp(r.Float64()*math.Log(1000)) * 500) // ¥500 to ¥500,000, log-uniform
			}
		}
		out = append(out, p)
	}
	return out
}

func (g gen) listings(since time.Time) []enterprise.Listing {
	r := g.rng
	out := []enterprise.Listing{}
	if r.Float64() < 0.06 {
		listed := g.between(since, g.today)
		l := enterprise.Listing{List: "abnormal", Cause: causes[r.IntN(len(causes))], ListedOn: date(listed)}
		if r.Float64() < 0.4 {
			l.RemovedOn = ptr(date(g.between(listed, g.today)))
		} else if g.today.Sub(listed) > 3*365*24*time.Hour && r.Float64() < 0.5 {
			// Still listed after three years: moved to the serious list (CN-8).
			out = append(out, enterprise.Listing{List: "serious_dishonest", Cause: "abnormal_three_years",
				ListedOn: date(listed.AddDate(3, 0, 0))})
		}
		out = append(out, l)
	}
	if r.Float64() < 0.005 {
		out = append(out, enterprise.Listing{List: "serious_dishonest", Cause: "serious_violation", ListedOn: date(g.between(since, g.today))})
	}
	return out
}

func (g gen) licenses(sectors []string) []enterprise.License {
	out := make([]enterprise.License, 0, len(sectors))
	for _, s := range sectors {
		expires := g.today.AddDate(0, 0, g.rng.IntN(5*365)-180) // about one in ten already expired
		out = append(out, enterprise.License{Kind: licenseOf[s], Number: fmt.Sprintf("L%010d", g.rng.IntN(1e10)), ExpiresOn: date(expires)})
	}
	return out
}

func (g gen) inspections(since time.Time) []enterprise.Inspection {
	out := []enterprise.Inspection{}
	for k, n := 0, g.rng.IntN(3); k < n; k++ {
		out = append(out, enterprise.Inspection{Task: "双随机抽查", InspectedOn: date(g.between(since, g.today)),
			Result: pick(g.rng, []string{"pass", "problem"}, []float64{0.85, 0.15})})
	}
	return out
}

func (g gen) complaints() []enterprise.Complaint {
	out := []enterprise.Complaint{}
	n := 0
	if g.rng.Float64() < 0.15 {
		n = 1 + g.rng.IntN(5)
	}
	for k := 0; k < n; k++ {
		out = append(out, enterprise.Complaint{ReceivedOn: date(g.between(g.today.AddDate(-2, 0, 0), g.today)),
			Kind: complaints[g.rng.IntN(len(complaints))]})
	}
	return out
}

func (g gen) commitments(since time.Time) []enterprise.Commitment {
	out := []enterprise.Commitment{}
	for k, n := 0, g.rng.IntN(3); k < n; k++ {
		out = append(out, enterprise.Commitment{Item: pick(g.rng, []string{"告知承诺制审批", "信用修复承诺", "食品经营承诺"}, []float64{0.5, 0.3, 0.2}),
			MadeOn: date(g.between(since, g.today)), Status: pick(g.rng, []string{"kept", "pending", "false"}, []float64{0.8, 0.17, 0.03})})
	}
	return out
}

func (g gen) annualReports(established time.Time) []enterprise.AnnualReport {
	out := []enterprise.AnnualReport{}
	for y := established.Year(); y < g.today.Year(); y++ {
		if y < 2014 { // annual reports replaced annual inspection in 2014
			continue
		}
		rep := enterprise.AnnualReport{Year: y}
		if g.rng.Float64() < 0.93 {
			rep.FiledOn = date(time.Date(y+1, time.Month(1+g.rng.IntN(6)), 1+g.rng.IntN(28), 0, 0, 0, 0, time.UTC))
			if g.rng.Float64() < 0.05 {
				rep.Amendments = 1
			}
		}
		out = append(out, rep)
	}
	return out
}

func (g gen) between(from, to time.Time) time.Time {
	days := int(to.Sub(from).Hours() / 24)
	if days <= 0 {
		return from
	}
	return from.AddDate(0, 0, g.rng.IntN(days))
}

// makeUSCC builds a valid code: registration authority 9 (market regulation),
// entity kind, the division code, nine characters unique per (index, seed),
// and the check character.
func makeUSCC(kind rune, division string, index, seed uint64) string {
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	const space = 26439622160671 // 31^9
	// Multiplying by a constant coprime to 31 permutes [0, 31^9): distinct
	// indexes give distinct codes, spread over the whole space.
	x := (index*2654435761 + seed*40503) % space
	body := make([]byte, 9)
	for k := 8; k >= 0; k-- {
		body[k] = alphabet[x%31]
		x /= 31
	}
	first := "9" + string(kind) + division + string(body)
	c, _ := enterprise.CheckCharacter(first)
	return first + string(c)
}

func pick(r *rand.Rand, values []string, weights []float64) string {
	x := r.Float64()
	for i, w := range weights {
		if x < w {
			return values[i]
		}
		x -= w
	}
	return values[len(values)-1]
}

func date(t time.Time) string { return t.Format(enterprise.DateLayout) }

func ptr[T any](v T) *T { return &v }
