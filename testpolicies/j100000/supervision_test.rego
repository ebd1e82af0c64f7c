# CN-2 (国市监信发〔2022〕6号): A类合理降低抽查比例和频次……对信用风险高的D类企业，实行
# 严格监管，有针对性地大幅提高抽查比例和频次，必要时主动实施现场检查。不设上限 is
# Heilongjiang's wording (002 二(五)), not the national text.
package j100000.supervision_test

import data.j100000.supervision

national(facts, ctx) := {
	"as_of": "2026-11-21",
	"jurisdiction": {"code": "100000", "chain": ["100000"]},
	"enterprise": facts,
	"context": ctx,
}

test_cn2_basis_names_the_national_document if {
	every c in ["A", "B", "C", "D"] {
		d := supervision.decision with input as national({"risk_class": c}, {})
		some r in d.reasons
		startswith(r.code, "sampling_")
		startswith(r.basis, "CN-2 国市监信发〔2022〕6号")
	}
}

test_cn2_class_d_is_much_higher_not_unlimited if {
	d := supervision.decision with input as national({"risk_class": "D"}, {})
	some r in d.reasons
	d.sampling == "much_increased"
	r.code == "sampling_much_increased"
	contains(r.message, "大幅提高抽查比例和频次")
	not contains(r.message, "不设上限")
	startswith(r.message, "D类（信用风险高）企业：")
}

test_cn3_basis_names_the_national_document if {
	d := supervision.decision with input as national({"risk_class": "A"}, {"trigger": "referral"})
	some r in d.reasons
	r.code == "no_class_reduction"
	startswith(r.basis, "CN-3 国市监信发〔2022〕6号")
}
