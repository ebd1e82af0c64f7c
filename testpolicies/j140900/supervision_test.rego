# XZ-3, 001 二(二)5: 在登记事项监管、年报和信息公示等环节，对信用风险低的企业优先
# 采用非现场监管、触发式监管等柔性监管方式……对新产业新业态新模式等企业……对信用风险高
# 的企业，有针对性地采取严格监管措施……；对信用风险低和信用风险一般的企业，给予一定
# 时间的“观察期”。
package j140900.supervision_test

import data.j140900.supervision

xz(facts, ctx) := {
	"as_of": "2026-11-21",
	"jurisdiction": {"code": "140900", "chain": ["140900", "140000", "100000"]},
	"enterprise": facts,
	"context": ctx,
}

# 在登记事项监管、年报和信息公示等环节: off-site supervision of a class A
# enterprise is for these items, not for every inspection.
test_xz3_offsite_only_for_registration_annual_report_and_publicity if {
	every item in ["registration", "annual_report", "publicity"] {
		d := supervision.decision with input as xz({"risk_class": "A"}, {"trigger": "routine", "inspection_item": item})
		d.offsite_allowed
		object.get(d, "inspection_item", "absent") == item
		object.get(d, "offsite_items", "absent") == ["registration", "annual_report", "publicity"]
	}
	other := supervision.decision with input as xz({"risk_class": "A"}, {"trigger": "routine", "inspection_item": "other"})
	not other.offsite_allowed
	some r in other.reasons
	r.code == "offsite_not_applicable"
	contains(r.basis, "XZ-3 忻市监信用〔2023〕32号 二(二)5")
}

test_xz3_offsite_not_decided_without_the_inspection_item if {
	d := supervision.decision with input as xz({"risk_class": "A"}, {})
	not d.offsite_allowed
	object.get(d, "inspection_item", "absent") == null
	some r in d.reasons
	r.code == "offsite_not_applicable"
	contains(r.message, "未注明检查事项")
}

# 对信用风险高的企业 is class D (国市监信发〔2022〕6号: C 信用风险较高, D 信用风险高):
# a new-format class C firm gets neither the observation period nor the
# targeted strict measures, and the answer says so in the class's own words.
test_xz3_new_format_class_c_is_not_high_risk if {
	d := supervision.decision with input as xz({"risk_class": "C", "new_format": true}, {})
	not d.targeted_strict_measures
	not d.observation_period
	every r in d.reasons {
		r.code != "targeted_strict_measures"
		not contains(r.message, "C类（信用风险高）")
	}
	some r in d.reasons
	r.code == "new_format_class_not_covered"
	startswith(r.message, "C类（信用风险较高）")
	contains(r.basis, "XZ-3")
}

test_xz3_new_format_class_d_gets_targeted_strict_measures if {
	d := supervision.decision with input as xz({"risk_class": "D", "new_format": true}, {})
	d.targeted_strict_measures
	some r in d.reasons
	r.code == "targeted_strict_measures"
	startswith(r.message, "D类（信用风险高）")
}

test_xz3_observation_period_names_the_class if {
	d := supervision.decision with input as xz({"risk_class": "B", "new_format": true}, {})
	d.observation_period
	some r in d.reasons
	r.code == "observation_period"
	startswith(r.message, "B类（信用风险一般）")
}

# Each class's sampling reason uses the class's name (CN-1): C is 信用风险较高.
test_cn1_sampling_reason_names_class_c_relatively_high if {
	d := supervision.decision with input as xz({"risk_class": "C"}, {})
	some r in d.reasons
	r.code == "sampling_increased"
	startswith(r.message, "C类（信用风险较高）企业：")
}
