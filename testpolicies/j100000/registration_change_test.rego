# CN-8: nationally listed entities may change and file, but not deregister simply.
package j100000.registration_change_test

import data.j100000.registration_change

abnormal := {"list": "abnormal", "cause": "annual_report_not_filed", "listed_on": "2025-07-01", "removed_on": null}

serious := {"list": "serious_dishonest", "cause": "abnormal_three_years", "listed_on": "2024-03-01"}

req(kind, listings) := {
	"as_of": "2026-11-21",
	"jurisdiction": {"code": "100000", "chain": ["100000"]},
	"enterprise": {"listings": listings},
	"context": {"application": {"kind": kind}},
}

test_cn8_change_accepted_even_when_listed if {
	d := registration_change.decision with input as req("change", [abnormal])
	d.accept
	d.blocking == []
	d.reasons[0].code == "listed_entity_restrictions"
	startswith(d.reasons[0].basis, "CN-8 ")
}

test_cn8_unlisted_entity_has_no_constraint if {
	d := registration_change.decision with input as req("filing", [])
	d.accept
	d.reasons[0].code == "no_credit_constraint"
}

test_cn8_simplified_deregistration_refused_when_listed if {
	r := json.patch(req("deregistration", [serious]), [{"op": "add", "path": "/context/application/simplified", "value": true}])
	d := registration_change.decision with input as r
	not d.accept
	d.alternative == "ordinary_deregistration"
	d.blocking[0].list == "serious_dishonest"
	startswith(d.reasons[0].basis, "CN-8 ")
}

test_cn8_ordinary_deregistration_accepted_when_listed if {
	d := registration_change.decision with input as req("deregistration", [serious])
	d.accept
}

test_cn8_removed_or_future_listing_does_not_count if {
	removed := json.patch(abnormal, [{"op": "replace", "path": "/removed_on", "value": "2026-01-10"}])
	future := json.patch(abnormal, [{"op": "replace", "path": "/listed_on", "value": "2026-12-01"}])
	r := json.patch(req("deregistration", [removed, future]), [{"op": "add", "path": "/context/application/simplified", "value": true}])
	d := registration_change.decision with input as r
	d.accept
	d.reasons[0].code == "no_credit_constraint"
}

test_cn8_listing_removed_on_the_decision_day_no_longer_counts if {
	removed := json.patch(abnormal, [{"op": "replace", "path": "/removed_on", "value": "2026-11-21"}])
	d := registration_change.decision with input as req("change", [removed])
	d.reasons[0].code == "no_credit_constraint"
}

# CN-8 restricts entities in the two lists (企业信息公示暂行条例 Art. 18); the
# abnormal-status mark of an individual business is not one of them, so the
# national baseline neither blocks nor names it.
test_cn8_the_abnormal_mark_is_not_a_credit_list if {
	marked := {"list": "abnormal_mark", "cause": "annual_report_not_filed", "listed_on": "2025-07-01", "removed_on": null}
	d := registration_change.decision with input as req("deregistration", [marked]) with input.context.application.simplified as true
	d.accept
	d.blocking == []
	d.reasons[0].code == "no_credit_constraint"
	contains(d.reasons[0].message, "被标记为经营异常状态，该标记不属于上述名录")
}
