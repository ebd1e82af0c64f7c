# Heilongjiang sampling plans. Seed 002 二(五) has ratios follow the class but
# gives no figure; the shipped ranges come from a Heilongjiang county's
# published practice [S] and the drawn ratio is their middle, a default.
# 二(五) pushes every classification result to the inspection-object
# directory and 二(六) keeps food and special equipment under key supervision
# "的同时" with class-based management: they are never taken out of the draw.
package j230000.sampling_plan_test

import data.j230000.sampling_plan

hlj(task) := {
	"as_of": "2026-06-01",
	"jurisdiction": {"code": "230000", "chain": ["230000", "100000"]},
	"context": {"task": task},
}

reason(d, code) := [r | some r in d.reasons; r.code == code][0]

# HLJ-4 二(五) "按照企业信用风险分类结果合理安排抽查计划和比例、频次" (no figure):
# the ranges say they are a county's published practice [S], the ratio that
# it is the default middle of the range, and the reason says both.
test_hlj4_002_2_5_ratios_label_the_county_practice_and_the_default if {
	d := sampling_plan.decision with input as hlj({"year": 2026})
	every class in ["A", "B", "C", "D"] {
		contains(d.classes[class].range.source, "Heilongjiang county's published practice")
		contains(d.classes[class].source, "default, not from a published document")
	}
	figures := reason(d, "class_ratio_figures")
	contains(figures.message, "取中值为默认做法，非公开文件所定")
	contains(figures.message, "比例取自黑龙江某县公开做法 [S]，非本制度原文")
	rule := reason(d, "class_ratios")
	not contains(rule.message, "0.")
}

# HLJ-5 二(六) "在按照现有规定实行重点监管的同时，要统筹…企业信用风险分类管理";
# 二(五) "将企业信用风险分类结果全量推送到综合监管系统，与检查对象名录库对接".
test_hlj5_002_2_6_key_sectors_stay_in_the_draw if {
	d := sampling_plan.decision with input as hlj({"year": 2026})
	[x.code | some x in d.excluded] == ["status"]
	every x in d.excluded {
		not x.sectors
	}
	d.key_supervision.sectors == ["food", "special_equipment"]
	r := reason(d, "key_supervision")
	contains(r.message, "仍纳入双随机抽查")
	startswith(r.basis, "HLJ-5 ")
}
