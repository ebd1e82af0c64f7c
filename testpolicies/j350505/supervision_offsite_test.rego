# QG-4, 000 (八): 对信用风险较低的市场主体，在登记事项、公示信息等抽查检查中，推行非现场
# 监管等柔性监管模式. Off-site supervision is for those inspection items only, and
# reading 信用风险较低 as class A is said in the answer.
package j350505.supervision_offsite_test

import data.j350505.supervision

qg(ctx) := {
	"as_of": "2026-11-21",
	"jurisdiction": {"code": "350505", "chain": ["350505", "350500", "350000", "100000"]},
	"enterprise": {"risk_class": "A"},
	"context": ctx,
}

test_qg4_offsite_only_in_registration_and_publicity_inspections if {
	every item in ["registration", "annual_report", "publicity"] {
		d := supervision.decision with input as qg({"inspection_item": item})
		d.offsite_allowed
	}
	other := supervision.decision with input as qg({"inspection_item": "other"})
	not other.offsite_allowed
	none := supervision.decision with input as qg({})
	not none.offsite_allowed
	some r in none.reasons
	r.code == "offsite_not_applicable"
	contains(r.basis, "QG-4 泉港市监〔2023〕67号 (八)")
}

test_qg4_the_class_a_reading_of_relatively_low_is_in_the_answer if {
	d := supervision.decision with input as qg({"inspection_item": "registration"})
	some r in d.reasons
	r.code == "offsite_allowed"
	contains(r.message, "按A类即信用风险低理解")
}
