# QG-1: resources lean toward abnormal entities; QG-4: low risk off-site.
package j350505.supervision_test

import data.j350505.supervision

qg(facts) := {
	"as_of": "2026-11-21",
	"jurisdiction": {"code": "350505", "chain": ["350505", "350500", "350000", "100000"]},
	"enterprise": facts,
	"context": {"trigger": "routine"},
}

test_qg1_each_lean_factor_raises_the_level if {
	every facts, factor in {
		{"risk_class": "B", "premises_abnormal": true}: "premises_abnormal",
		{"risk_class": "B", "licenses": [{"kind": "食品经营许可证", "number": "1", "expires_on": "2026-11-20"}]}: "license_expired",
		{"risk_class": "B", "penalties": [{"decision_no": "1", "decided_on": "2020-01-01"}]}: "previously_penalised",
	} {
		d := supervision.decision with input as qg(facts)
		d.lean_factors == [factor]
		d.sampling == "increased"
	}
}

# QG-1 曾受处罚: only a penalty decided on or before as_of is a previous one;
# one dated after it had not been decided on the decision date.
test_qg1_a_penalty_decided_after_as_of_is_not_a_previous_penalty if {
	later := supervision.decision with input as qg({"risk_class": "B", "penalties": [{"decision_no": "1", "decided_on": "2026-11-22"}]})
	later.lean_factors == []
	later.sampling == "regular"
	same_day := supervision.decision with input as qg({"risk_class": "B", "penalties": [{"decision_no": "1", "decided_on": "2026-11-21"}]})
	same_day.lean_factors == ["previously_penalised"]
}

test_qg1_a_licence_expiring_on_the_day_is_not_expired if {
	d := supervision.decision with input as qg({"risk_class": "B", "licenses": [{"kind": "x", "number": "1", "expires_on": "2026-11-21"}]})
	d.lean_factors == []
	d.sampling == "regular"
}

# Quangang keeps the national levels: a lean raise stops at 大幅提高 and never
# reaches 不设上限, which no Quangang or national document says.
test_qg1_lean_never_goes_past_the_highest_level_in_use if {
	d := supervision.decision with input as qg({"risk_class": "D", "premises_abnormal": true})
	d.sampling == "much_increased"
	c := supervision.decision with input as qg({"risk_class": "C", "premises_abnormal": true})
	c.sampling == "much_increased"
}

# QG-4, 000 (八): 在登记事项、公示信息等抽查检查中, so the request names a
# registration inspection.
test_qg4_class_a_offsite_but_not_when_triggered if {
	registration := json.patch(qg({"risk_class": "A"}), [{"op": "add", "path": "/context/inspection_item", "value": "registration"}])
	routine := supervision.decision with input as registration
	routine.offsite_allowed
	triggered := supervision.decision with input as json.patch(registration, [{"op": "replace", "path": "/context/trigger", "value": "big_data"}])
	not triggered.offsite_allowed
	triggered.sampling == "regular"
}

test_no_class_no_supervision if {
	d := supervision.decision with input as qg({})
	d.error.code == "class_unavailable"
}
