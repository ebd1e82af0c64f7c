# QG-1, 泉港市监〔2023〕67号 (六): 实现监管资源向场所异常、曾受处罚、许可过期等
# 异常主体倾斜. The notice gives no measure of the lean: raising the sampling
# level by one step is the shipped default (supervision.lean.raise_levels),
# and the answer that rests on it says so, not only the data file.
package j350505.lean_raise_test

import data.j350505.supervision

req(facts) := {
	"as_of": "2025-06-01",
	"jurisdiction": {"code": "350505", "chain": ["350505", "350500", "350000", "100000"]},
	"enterprise": facts,
	"context": {},
}

test_qg1_the_one_step_raise_is_said_to_be_a_default if {
	d := supervision.decision with input as req({"risk_class": "B", "premises_abnormal": true})
	d.sampling == "increased"
	some r in d.reasons
	r.code == "lean_toward_abnormal"
	r.message == "存在场所异常，监管资源向其倾斜：抽查比例和频次由常规调整为适当提高（提高1档为默认做法，非公开文件所定）"
}

test_qg1_a_class_d_enterprise_is_already_at_the_top_level if {
	d := supervision.decision with input as req({"risk_class": "D", "premises_abnormal": true})
	d.sampling == "much_increased"
	some r in d.reasons
	r.code == "lean_toward_abnormal"
	endswith(r.message, "已为本辖区最高档次（大幅提高）")
}
