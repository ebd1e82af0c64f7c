# How sampling_plan says where each figure comes from when a lower level sets
# its own: a document's figure is cited with that document, a default says
# so (RULES.md: never an invented figure presented as official).
package j100000.sampling_plan_test

import data.j100000.sampling_plan

county := "350521"

chain := [county, "350500", "350000", "100000"]

with_county(block) := object.union(data.params, {county: block})

plan_in(params, task) := d if {
	d := sampling_plan.decision with input as {
		"as_of": "2026-06-01",
		"jurisdiction": {"code": county, "chain": chain},
		"context": {"task": task},
	}
		with data.params as params
}

reason(d, code) := [r | some r in d.reasons; r.code == code][0]

# A county's own lean weight, set without a label of its own, carries the
# county's block source and is cited to the county's document.
test_a_documented_lean_weight_names_its_document if {
	params := with_county({
		"sampling_plan": {"source": "某县抽查工作方案（示例）", "basis": "XX-1 某县抽查工作方案（示例）", "lean_weight": 3},
		"supervision": {"source": "某县抽查工作方案（示例）", "basis": "XX-1 某县抽查工作方案（示例）", "lean": {"factors": {"premises_abnormal": "场所异常"}, "raise_levels": 1}},
	})
	d := plan_in(params, {"year": 2026})
	d.lean.weight == 3
	d.lean.weight_source == "某县抽查工作方案（示例）"
	contains(reason(d, "lean").message, "权重为3（依据：XX-1 某县抽查工作方案（示例））")
}

# A draw ratio a level sets but labels as a default is stated as a default.
test_a_draw_ratio_labelled_default_is_stated_as_default if {
	params := with_county({"sampling_plan": {
		"source": "default, not from a published document: the county's own pick",
		"basis": "CN-2 双随机、一公开监管 [S]（县定比例为默认值，非公开文件所定）",
		"draw": {"D": 0.9},
	}})
	d := plan_in(params, {"year": 2026})
	d.classes.D.ratio == 0.9
	contains(reason(d, "class_ratio_figures").message, "D类0.9，为默认值，非公开文件所定")
}

# Key sectors a level sets without a sampling_plan basis of its own: the
# reason cites the supervision parameter that names them.
test_key_sectors_without_a_plan_basis_cite_the_supervision_parameter if {
	params := with_county({"supervision": {
		"source": "某县重点监管规定（示例）",
		"key_supervision": {"sectors": ["drug"], "sector_text": "药品重点监管", "basis": {"sectors": "XX-2 某县重点监管规定（示例）"}},
	}})
	d := plan_in(params, {"year": 2026})
	d.key_supervision.sectors == ["drug"]
	[x.code | some x in d.excluded] == ["status"]
	reason(d, "key_supervision").basis == "XX-2 某县重点监管规定（示例）"
}

# XZ-4 with a list a document gives, and a task that names its industry and
# says it qualifies.
test_xz4_a_documented_industry_list_is_cited if {
	params := with_county({"sampling_plan": {
		"source": "某县一业一查清单（示例）",
		"basis": {"joint_inspection": "XZ-4 忻市监信用〔2023〕32号 二(二)6"},
		"joint_inspection": {"industries": ["加油站"], "basis": "XX-3 某县一业一查清单（示例）"},
	}})
	listed := plan_in(params, {"year": 2026, "industry": "加油站"})
	listed.joint_inspection
	contains(reason(listed, "joint_inspection").message, "加油站（行业清单出自XX-3 某县一业一查清单（示例））")

	said := plan_in(params, {"year": 2026, "industry": "建材", "multi_field_industry": true})
	startswith(reason(said, "joint_inspection").message, "建材属涉及监管领域多")
}
