# Shantou sampling plans. Seed 003 三(二)9: "对重点监管清单以外的监管事项，逐步纳入
# 抽查事项清单，实施双随机、一公开监管全覆盖" — the split is per supervision item,
# so a food or special-equipment producer stays in the draw; and 三(二)9's
# "合理确定双随机抽查的对象和抽查比例" gives no figure.
package j440500.sampling_plan_test

import data.j440500.sampling_plan

st(task) := {
	"as_of": "2026-06-01",
	"jurisdiction": {"code": "440500", "chain": ["440500", "440000", "100000"]},
	"context": {"task": task},
}

reason(d, code) := [r | some r in d.reasons; r.code == code][0]

test_st3_003_3_2_9_every_item_outside_the_key_list_is_sampled if {
	d := sampling_plan.decision with input as st({"year": 2026})
	[x.code | some x in d.excluded] == ["status"]
	d.key_supervision.sectors == ["food", "special_equipment"]
	r := reason(d, "key_supervision")
	contains(r.message, "重点监管按事项而非按企业划分")
	contains(r.basis, "ST-3 ")
}

test_st3_003_3_2_9_class_ratios_are_defaults_not_st3_figures if {
	d := sampling_plan.decision with input as st({"year": 2026})
	every class in ["A", "B", "C", "D"] {
		contains(d.classes[class].source, "default, not from a published document")
	}
	figures := reason(d, "class_ratio_figures")
	not contains(figures.basis, "ST-3")
	contains(figures.message, "默认")
	startswith(reason(d, "class_ratios").basis, "ST-3 ")
}

# A Shantou document that did set class B would be cited, with its source,
# for class B alone.
test_st3_a_documented_draw_ratio_is_cited_for_its_class if {
	params := object.union(data.params, {"440500": {"sampling_plan": {
		"source": "汕头市市场监督管理局双随机抽查比例通知（示例）",
		"basis": {"draw": "ST-9 汕头市市场监督管理局双随机抽查比例通知（示例）"},
		"draw": {"B": 0.1},
	}}})
	d := sampling_plan.decision with input as st({"year": 2026}) with data.params as params
	d.classes.B.ratio == 0.1
	d.classes.B.source == "汕头市市场监督管理局双随机抽查比例通知（示例）"
	contains(d.classes.A.source, "default")
	figures := reason(d, "class_ratio_figures")
	contains(figures.message, "B类0.1，出自ST-9 汕头市市场监督管理局双随机抽查比例通知（示例）")
	contains(figures.basis, "ST-9 ")
}
