package decision_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/auth"
	"github.com/credpol/credpol/internal/decision"
	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/jurisdiction"
	"github.com/credpol/credpol/internal/storage/storetest"
	"github.com/credpol/credpol/policies"
)

// benchFacts is a realistic enterprise: a Quangang food company with ten
// penalties, several listings, licences, complaints and reports.
func benchFacts() json.RawMessage { return factsWith(10, 1) }

// factsWith is benchFacts with n penalties and r annual reports, for the
// cost of history a decision may or may not read.
func factsWith(n, r int) json.RawMessage {
	var penalties []map[string]any
	for i := 0; i < n; i++ {
		penalties = append(penalties, map[string]any{
			"decision_no": fmt.Sprintf("泉港市监罚〔%d〕%d号", 2025-i/12%40, i+1), "decided_on": fmt.Sprintf("%d-%02d-10", 2025-i/12%40, i%12+1),
			"kinds": []string{"fine"}, "fine_amount": 2000 * (i%10 + 1), "sector": []string{"food", "general"}[i%2],
			"procedure": "ordinary", "duties_fulfilled": true, "harm_removed": i%3 == 0,
		})
	}
	var reports []map[string]any
	for i := 0; i < r; i++ {
		year := 2024 - i%45
		reports = append(reports, map[string]any{"year": year, "filed_on": fmt.Sprintf("%d-05-01", year+1), "amendments": 0})
	}
	b, _ := json.Marshal(map[string]any{
		"uscc": "91350505MA2YQ3BX1A", "name": "泉港鑫源食品有限公司", "entity_type": "company", "jurisdiction": "350505",
		"established_on": "2015-03-02", "status": "operating", "key_sectors": []string{"food"}, "new_format": false,
		"public_credit_score": 812, "risk_class": "B", "premises_abnormal": false, "reachable": true,
		"penalties": penalties,
		"listings": []map[string]any{
			{"list": "abnormal", "cause": "annual_report_not_filed", "listed_on": "2022-07-01", "removed_on": "2022-09-01"},
			{"list": "abnormal", "cause": "unreachable_at_domicile", "listed_on": "2025-07-01", "removed_on": nil},
			{"list": "serious_dishonest", "cause": "serious_violation", "listed_on": "2024-03-01", "removed_on": "2025-03-01"},
		},
		"licenses":       []map[string]any{{"kind": "食品经营许可证", "number": "JY1", "expires_on": "2027-01-01"}},
		"inspections":    []map[string]any{{"task": "2025双随机", "inspected_on": "2025-06-01", "result": "pass"}},
		"complaints":     []map[string]any{{"received_on": "2026-10-01", "kind": "quality"}, {"received_on": "2026-11-01", "kind": "price"}},
		"commitments":    []map[string]any{{"item": "告知承诺制审批", "made_on": "2024-01-01", "status": "kept"}},
		"annual_reports": reports,
	})
	return b
}

// benchCases ask every shipped decision once, where a policy defines it.
var benchCases = []struct{ decision, jurisdiction, context string }{
	{"credit_grade", "230000", ``},
	{"risk_class", "230000", ``},
	{"supervision", "350505", `{"trigger":"routine"}`},
	{"penalty_discretion", "140930", `{"violation":{"item":"SX-MJ-001","first_offense":true,"harm":"slight","corrected_in_time":true,"fault":true,"ended_on":"2025-01-01","discovered_on":"2025-06-01"}}`},
	{"abnormal_listing", "140930", `{"cause":"publicity_info_error","error_fields":["phone"],"intentional":false,"adverse_effect":false,"prior_amendments":0}`},
	{"penalty_publicity", "350505", ``},
	{"repair_application", "140930", `{"application":{"record":"penalty","basic_conditions_met":true,"main_materials_complete":true,"missing_secondary":["委托书"],"commitment_to_supplement":true}}`},
	{"repair_notice", "350505", `{"penalty":{"decision_no":"泉港罚1","decided_on":"2026-03-01","kinds":["fine"],"fine_amount":30000,"sector":"general","procedure":"ordinary"}}`},
	{"qualification_restoration", "140930", `{"revocation":{"reason":"not_opened","months":7,"other_violations":false,"wishes_to_continue":true}}`},
	{"registration_change", "440500", `{"application":{"kind":"change"}}`},
	{"convenience_measures", "230000", ``},
	{"risk_alerts", "350505", ``},
	{"commitment_breach", "440500", `{"commitment":{"item":"食品生产许可承诺"}}`},
	{"sampling_plan", "350505", `{"task":{"year":2023}}`},
}

func shipped(b testing.TB) (*decision.Service, *jurisdiction.Registry) {
	reg, err := jurisdiction.New([]jurisdiction.Jurisdiction{
		{Code: "100000", Name: "全国", Level: "national"},
		{Code: "230000", Name: "黑龙江省", Level: "province", Parent: "100000"},
		{Code: "140000", Name: "山西省", Level: "province", Parent: "100000"},
		{Code: "140900", Name: "忻州市", Level: "city", Parent: "140000"},
		{Code: "140930", Name: "河曲县", Level: "county", Parent: "140900"},
		{Code: "350000", Name: "福建省", Level: "province", Parent: "100000"},
		{Code: "350500", Name: "泉州市", Level: "city", Parent: "350000"},
		{Code: "350505", Name: "泉港区", Level: "district", Parent: "350500"},
		{Code: "440000", Name: "广东省", Level: "province", Parent: "100000"},
		{Code: "440500", Name: "汕头市", Level: "city", Parent: "440000"},
	})
	if err != nil {
		b.Fatal(err)
	}
	eng := &engine.Engine{}
	if _, err := eng.Load(context.Background(), policies.FS); err != nil {
		b.Fatal(err)
	}
	return &decision.Service{Engine: eng, Jurisdictions: reg, Validator: enterprise.Validator{KnownJurisdiction: reg.Has}}, reg
}

// BenchmarkDecide takes every shipped decision in-process exactly as the API
// does (validation, facts, resolution, prepared query), with inline facts,
// and reports the median and 99th percentile of single calls beside ns/op.
// `make bench` runs it.
func BenchmarkDecide(b *testing.B) {
	svc, _ := shipped(b)
	facts := benchFacts()
	for _, c := range benchCases {
		b.Run(c.decision, func(b *testing.B) {
			benchDecide(b, svc, decision.Request{Decision: c.decision, Jurisdiction: c.jurisdiction, Facts: facts}, c.context)
		})
	}
}

// BenchmarkDecideGrowth takes every shipped decision for an enterprise with
// n penalties and n annual reports given inline: a decision that reads
// neither list should cost about the same at 1,000 as at 1, and one that
// reads them grow no faster than their length. `make bench` prints each
// decision's growth (reads-history is 1 where its policy reads either list).
func BenchmarkDecideGrowth(b *testing.B) {
	svc, _ := shipped(b)
	for _, c := range benchCases {
		for _, n := range []int{1, 10, 100, 1000} {
			facts := factsWith(n, n)
			b.Run(fmt.Sprintf("%s/n=%d", c.decision, n), func(b *testing.B) {
				benchDecide(b, svc, decision.Request{Decision: c.decision, Jurisdiction: c.jurisdiction, Facts: facts}, c.context)
				b.ReportMetric(readsHistory(svc, c.decision, c.jurisdiction), "reads-history")
			})
		}
	}
}

// BenchmarkDecideGrowthByID is BenchmarkDecideGrowth for enterprises stored
// in Postgres and asked for by id: the store loads only the lists a
// decision reads.
func BenchmarkDecideGrowthByID(b *testing.B) {
	svc, _ := shipped(b)
	st := storetest.Postgres(b)
	svc.Facts = st.Store
	ids := map[int]string{}
	for i, n := range []int{1, 10, 100, 1000} {
		f, err := enterprise.Decode(factsWith(n, n), "facts")
		if err != nil {
			b.Fatal(err)
		}
		first17 := fmt.Sprintf("91350505MA2YQ3B%02d", i)
		check, err := enterprise.CheckCharacter(first17)
		if err != nil {
			b.Fatal(err)
		}
		id := first17 + string(check)
		f.USCC, ids[n] = &id, id
		if err := st.Store.PutEnterprises(context.Background(), []enterprise.Facts{f}); err != nil {
			b.Fatal(err)
		}
	}
	for _, c := range benchCases {
		for _, n := range []int{1, 10, 100, 1000} {
			b.Run(fmt.Sprintf("%s/n=%d", c.decision, n), func(b *testing.B) {
				benchDecide(b, svc, decision.Request{Decision: c.decision, Jurisdiction: c.jurisdiction, EnterpriseID: ids[n]}, c.context)
				b.ReportMetric(readsHistory(svc, c.decision, c.jurisdiction), "reads-history")
			})
		}
	}
}

// readsHistory is 1 when the policy deciding name in code reads penalties
// or annual reports.
func readsHistory(svc *decision.Service, name, code string) float64 {
	chain, _ := svc.Jurisdictions.Chain(code)
	reads := svc.Engine.Current().FactsRead(name, chain)
	if reads.Has("penalties") || reads.Has("annual_reports") {
		return 1
	}
	return 0
}

func benchDecide(b *testing.B, svc *decision.Service, req decision.Request, context string) {
	caller := auth.Principal{Name: "bench", Jurisdictions: []string{"100000"}, Decisions: []string{auth.All}}
	req.AsOf = "2026-11-21"
	if context != "" {
		req.Context = json.RawMessage(context)
	}
	name := req.Decision
	if _, err := svc.Decide(contextBackground, caller, req); err != nil {
		// An answer the policy cannot give in its time budget is a figure too.
		if strings.Contains(err.Error(), "policy_timeout") {
			b.Skipf("%s: %v", name, err)
		}
		b.Fatalf("%s: %v", name, err)
	}
	times := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := svc.Decide(contextBackground, caller, req); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[len(times)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(times[len(times)*99/100].Nanoseconds()), "p99-ns")
}

var contextBackground = context.Background()
