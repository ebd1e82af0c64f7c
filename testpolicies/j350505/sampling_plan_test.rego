# Quangang sampling plans: seed 004 5 asks only to "对信用风险分级的 ABCD
# 四类企业细化抽查比例" and gives no figure, so every class ratio and the
# QG-1 lean weight are labelled defaults, never served under QG-1; the 3.5 %
# and 70 % targets are the document's own (004 5, 000 (六)).
package j350505.sampling_plan_test

import data.j350505.sampling_plan

qg(task) := {
	"as_of": "2023-12-31",
	"jurisdiction": {"code": "350505", "chain": ["350505", "350500", "350000", "100000"]},
	"context": {"task": task},
}

reason(d, code) := [r | some r in d.reasons; r.code == code][0]

# QG-1 (004 5 细化抽查比例, no figure): each class ratio names its source,
# the default label of the level that set it, and so does its range.
test_qg1_004_5_class_ratios_are_labelled_defaults if {
	d := sampling_plan.decision with input as qg({"year": 2023})
	every class in ["A", "B", "C", "D"] {
		contains(d.classes[class].source, "default, not from a published document")
		contains(d.classes[class].range.source, "default, not from a published document")
	}
}

# The figures are stated in a reason of their own that says they are defaults
# and cites no Quangang document; the reason citing QG-1 states no figure.
test_qg1_004_5_figures_are_not_cited_under_qg1 if {
	d := sampling_plan.decision with input as qg({"year": 2023})
	figures := reason(d, "class_ratio_figures")
	contains(figures.message, "A类0.025")
	contains(figures.message, "默认")
	not contains(figures.basis, "QG-1")
	not contains(figures.basis, "泉港")
	rule := reason(d, "class_ratios")
	startswith(rule.basis, "QG-1 ")
	not contains(rule.message, "0.")
}

# QG-1 "监管资源向场所异常、曾受处罚、许可过期等异常主体倾斜" gives no weight:
# the weight 2 is a labelled default and its reason says so.
test_qg1_000_6_lean_weight_is_a_labelled_default if {
	d := sampling_plan.decision with input as qg({"year": 2023})
	d.lean.weight == 2
	contains(d.lean.weight_source, "default, not from a published document")
	r := reason(d, "lean")
	contains(r.message, "权重为2（默认值，非公开文件所定）")
	contains(r.basis, "倾斜权重为默认值")
}

# QG-2/QG-3 "全年全区企业抽查比例不低于 3.5%…采取差异化抽查户数占比不低于 70%"
# (004 5): the targets are the document's, each cited to it.
test_qg2_qg3_004_5_targets_cite_the_document if {
	d := sampling_plan.decision with input as qg({"year": 2023})
	d.targets.sampled_share_min == 0.035
	d.targets.differentiated_share_min == 0.7
	not contains(d.targets.source, "default")
	r := reason(d, "targets")
	contains(r.basis, "QG-3 泉港市监〔2023〕46号 5（全年全区企业抽查比例不低于3.5%）")
	contains(r.basis, "QG-2 泉港市监〔2023〕46号 5；泉港市监〔2023〕67号 (六)（差异化抽查户数占比不低于70%）")
}

# QG-2 (004 5) "除专业领域外，各个抽查任务都要融合运用企业信用风险分类结果":
# a non-differentiated task outside the professional fields is flagged.
test_qg2_004_5_undifferentiated_task_outside_professional_fields_is_flagged if {
	d := sampling_plan.decision with input as qg({"year": 2023, "differentiated": false})
	d.differentiation_required
	[w.code | some w in d.warnings] == ["undifferentiated_task"]
	r := reason(d, "undifferentiated_task")
	contains(r.message, "除专业领域外，各个抽查任务都要融合运用企业信用风险分类结果")
	startswith(r.basis, "QG-2 泉港市监〔2023〕46号 5")
}

test_qg2_004_5_professional_field_and_differentiated_tasks_are_not_flagged if {
	professional := sampling_plan.decision with input as qg({"year": 2023, "differentiated": false, "professional_field": true})
	not professional.differentiation_required
	professional.warnings == []
	reason(professional, "professional_field_task")

	classified := sampling_plan.decision with input as qg({"year": 2023})
	classified.differentiation_required
	classified.warnings == []
}

# 46号 is the 2023 work plan: no document sets the rule for 2024.
test_qg2_no_document_for_2024_flags_nothing if {
	d := sampling_plan.decision with input as qg({"year": 2024, "differentiated": false})
	not d.differentiation_required
	d.warnings == []
}
