package decision_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/auth"
	"github.com/credpol/credpol/internal/decision"
	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/jurisdiction"
	"github.com/credpol/credpol/policies"
)

// benchFacts is a realistic enterprise: a Quangang food company with ten
// penalties, several listings, licences, complaints and reports.
func benchFacts() json.RawMessage {
	var penalties []map[string]any
	for i := 0; i < 10; i++ {
		penalties = append(penalties, map[string]any{
			"decision_no": fmt.Sprintf("泉港市监罚〔2025〕%d号", i+1), "decided_on": fmt.Sprintf("2025-%02d-10", i+1),
			"kinds": []string{"fine"}, "fine_amount": 2000 * (i + 1), "sector": []string{"food", "general"}[i%2],
			"procedure": "ordinary", "duties_fulfilled": true, "harm_removed": i%3 == 0,
		})
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
		"annual_reports": []map[string]any{{"year": 2024, "filed_on": "2025-05-01", "amendments": 0}},
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

func shipped(b *testing.B) (*decision.Service, *jurisdiction.Registry) {
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
	caller := auth.Principal{Name: "bench", Jurisdictions: []string{"100000"}, Decisions: []string{auth.All}}
	facts := benchFacts()
	for _, c := range benchCases {
		b.Run(c.decision, func(b *testing.B) {
			req := decision.Request{Decision: c.decision, Jurisdiction: c.jurisdiction, AsOf: "2026-11-21", Facts: facts}
			if c.context != "" {
				req.Context = json.RawMessage(c.context)
			}
			if _, err := svc.Decide(context.Background(), caller, req); err != nil {
				b.Fatalf("%s: %v", c.decision, err)
			}
			times := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				if _, err := svc.Decide(context.Background(), caller, req); err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(start))
			}
			b.StopTimer()
			sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
			b.ReportMetric(float64(times[len(times)/2].Nanoseconds()), "p50-ns")
			b.ReportMetric(float64(times[len(times)*99/100].Nanoseconds()), "p99-ns")
		})
	}
}
