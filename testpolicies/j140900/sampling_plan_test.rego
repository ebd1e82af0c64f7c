# XZ-4, seed 001 二(二)6: "对涉及监管领域多、检查频次高的行业领域，坚持以跨部门联合
# 检查为原则、部门单独检查为例外，统一实施联合检查" — joint inspection only in such
# industries, not in every task. No seed lists them: the shipped list is a
# labelled default.
package j140900.sampling_plan_test

import data.j100000.sampling_plan as national
import data.j140900.sampling_plan

xz(task) := {
	"as_of": "2026-06-01",
	"jurisdiction": {"code": "140930", "chain": ["140930", "140900", "140000", "100000"]},
	"context": {"task": task},
}

reason(d, code) := [r | some r in d.reasons; r.code == code][0]

test_xz4_001_2_2_6_a_task_that_names_no_industry_is_not_joint if {
	d := sampling_plan.decision with input as xz({"year": 2026})
	not d.joint_inspection
	d.multi_field_industry == null
	startswith(reason(d, "joint_inspection_unknown").basis, "XZ-4 ")
}

test_xz4_001_2_2_6_an_industry_outside_the_list_is_not_joint if {
	d := sampling_plan.decision with input as xz({"year": 2026, "industry": "服装零售"})
	not d.joint_inspection
	d.multi_field_industry == false
	reason(d, "joint_inspection_not_required")
}

test_xz4_001_2_2_6_a_listed_industry_is_joint_and_the_list_says_it_is_a_default if {
	d := sampling_plan.decision with input as xz({"year": 2026, "industry": "餐饮服务"})
	d.joint_inspection
	r := reason(d, "joint_inspection")
	contains(r.message, "行业清单为默认示例，非公开文件所定")
	contains(r.message, "跨部门联合检查为原则、部门单独检查为例外")
	contains(r.basis, "XZ-4 忻市监信用〔2023〕32号 二(二)6")
}

# The task's own word wins over the list, both ways.
test_xz4_001_2_2_6_the_task_says_whether_its_industry_qualifies if {
	yes := sampling_plan.decision with input as xz({"year": 2026, "industry": "服装零售", "multi_field_industry": true})
	yes.joint_inspection
	not contains(reason(yes, "joint_inspection").message, "行业清单")

	no := sampling_plan.decision with input as xz({"year": 2026, "industry": "餐饮服务", "multi_field_industry": false})
	not no.joint_inspection
}

# Outside Xinzhou no document makes joint inspection the rule.
test_xz4_elsewhere_no_joint_inspection if {
	d := national.decision with input as {
		"as_of": "2026-06-01",
		"jurisdiction": {"code": "100000", "chain": ["100000"]},
		"context": {"task": {"year": 2026, "multi_field_industry": true}},
	}
	not d.joint_inspection
	not reason(d, "joint_inspection")
}
