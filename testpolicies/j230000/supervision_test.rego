# HLJ-4, 002 二(五): 对D类企业，列为日常监管重点对象，抽查比例、频次不设上限，实行严格
# 的现场检查。HLJ-6, 002 二(七): 对信用风险低和信用风险一般的企业，给予一定时间的观察期
# ……对信用风险高的企业，要有针对性地采取严格监管措施。
package j230000.supervision_test

import data.j230000.supervision

hlj(facts, ctx) := {
	"as_of": "2026-11-21",
	"jurisdiction": {"code": "230000", "chain": ["230000", "100000"]},
	"enterprise": facts,
	"context": ctx,
}

# 二(七) names 信用风险低、一般、高, the national names of A, B and D; C
# (信用风险较高) is in neither sentence.
test_hlj6_new_format_class_c_is_not_treated_as_high_risk if {
	d := supervision.decision with input as hlj({"risk_class": "C", "new_format": true}, {})
	not d.targeted_strict_measures
	not d.observation_period
	some r in d.reasons
	r.code == "new_format_class_not_covered"
	contains(r.basis, "HLJ-6 县市场监督管理局企业信用分类管理暂行制度 二(七)")
}

test_hlj6_new_format_class_d_gets_targeted_strict_measures if {
	d := supervision.decision with input as hlj({"risk_class": "D", "new_format": true}, {})
	d.targeted_strict_measures
	some r in d.reasons
	r.code == "targeted_strict_measures"
	startswith(r.message, "D类（信用风险高）")
	contains(r.basis, "HLJ-6")
}

# 不设上限 is Heilongjiang's own wording, cited to its document.
test_hlj4_class_d_has_no_upper_limit_by_its_own_document if {
	d := supervision.decision with input as hlj({"risk_class": "D"}, {})
	some r in d.reasons
	r.code == "sampling_unlimited"
	contains(r.message, "不设上限")
	r.basis == "HLJ-4 县市场监督管理局企业信用分类管理暂行制度 二(五)"
}

# HLJ-4 A类: 可根据实际，酌情决定是否采用非现场方式检查 — not limited to items.
test_hlj4_offsite_is_not_limited_to_items if {
	d := supervision.decision with input as hlj({"risk_class": "A"}, {"inspection_item": "other"})
	d.offsite_allowed
	object.get(d, "offsite_items", "absent") == null
}

# CN-3 is the national text that 002 二(五) quotes: the answer cites 国市监信发〔2022〕6号.
test_cn3_cites_the_national_document_in_heilongjiang if {
	d := supervision.decision with input as hlj({"risk_class": "A"}, {"trigger": "complaint"})
	some r in d.reasons
	r.code == "no_class_reduction"
	contains(r.basis, "CN-3 国市监信发〔2022〕6号")
	not contains(r.basis, "县市场监督管理局")
}
