# Parameters of a double-random sampling task (双随机、一公开, CN-2): the ratio
# drawn in each class, what is excluded from the draw, the lean toward abnormal
# entities (QG-1), key supervision added on top of the draw (HLJ-5, ST-3),
# joint inspection in industries with many supervision fields (XZ-4), the use
# of the classification by every task (QG-2) and the annual targets (QG-2,
# QG-3).
#
# No seed gives a class ratio or a lean weight (seed 004 5 only asks to
# 细化抽查比例 for the four classes): every figure carries the source of the
# level that set it, and the reasons say which figures are defaults. The rule
# that ratios follow the class and the figures drawn are separate reasons, so
# a figure is never cited under a document that does not give it.
package j100000.sampling_plan

import data.lib

params := lib.params("sampling_plan")

ranges := lib.params("supervision")

task := object.get(input.context, "task", {})

differentiated := object.get(task, "differentiated", true)

professional_field := object.get(task, "professional_field", false)

year := object.get(task, "year", to_number(substring(input.as_of, 0, 4)))

# A source that says its value is no document's is a default (RULES.md: "default,
# not from a published document").
is_default(source) if contains(source, "not from a published document")

# own_source(key) is where a top-level value comes from, as the level that set
# it labels it: its "<key>_source" beside it, else that level's block source.
own_source(key) := s if {
	s := data.params[lib.setter("sampling_plan", [key])].sampling_plan[concat("", [key, "_source"])]
} else := lib.source_of("sampling_plan", [key])

# value_note says, in the answer, where a top-level value comes from: a
# default, or the basis the level that set it cites.
value_note(key) := "（默认值，非公开文件所定）" if {
	is_default(own_source(key))
} else := sprintf("（依据：%s）", [lib.cite("sampling_plan", [[key]])])

# A class's ratio is the jurisdiction's draw where some level sets one (with
# that level's source), else the middle of its supervision range: taking the
# middle is this policy's default, whatever the range's own source.
drawn_ratio(class) := {"ratio": params.draw[class], "source": lib.source_of("sampling_plan", ["draw", class])} if {
	is_number(params.draw[class])
} else := {
	"ratio": round((ranges.ratios[class].min + ranges.ratios[class].max) * 500) / 1000,
	"source": params.draw_source,
}

classes := {class: {
	"ratio": r.ratio,
	"source": r.source,
	"range": object.union(object.remove(ranges.ratios[class], ["source"]), {"source": lib.source_of("supervision", ["ratios", class])}),
	"level": ranges.levels[class],
} |
	some class in ["A", "B", "C", "D"]
	r := drawn_ratio(class)
}

# ratio_note says, in the answer, where a class's figure comes from.
ratio_note(class) := sprintf("出自%s", [lib.cite("sampling_plan", [["draw", class]])]) if {
	is_number(params.draw[class])
	not is_default(classes[class].source)
} else := "为默认值，非公开文件所定" if {
	is_number(params.draw[class])
} else := sprintf("取各自监管比例区间的中值（取中值为默认做法，非公开文件所定），%s", [range_note(class)])

range_note(class) := "区间亦为默认值，非公开文件所定" if {
	is_default(classes[class].range.source)
} else := sprintf("区间依据：%s", [lib.cite("supervision", [["ratios", class]])])

ratio_figures := concat("；", [sprintf("%s，%s", [
	concat("、", [sprintf("%s类%v", [c, classes[c].ratio]) |
		some c in ["A", "B", "C", "D"]
		ratio_note(c) == note
	]),
	note,
]) |
	some note in lib.distinct([ratio_note(c) | some c in ["A", "B", "C", "D"]])
])

# The figures rest on the values' own bases: a class's draw where a level sets
# one, else this policy's middle-of-the-range default and the range's basis.
ratio_values_basis := concat("；", lib.distinct([b |
	some class in ["A", "B", "C", "D"]
	some b in ratio_bases(class)
	b != ""
]))

ratio_bases(class) := [lib.cite("sampling_plan", [["draw", class]])] if {
	is_number(params.draw[class])
} else := [lib.basis_for("sampling_plan", "draw"), lib.cite("supervision", [["ratios", class]])]

# Key supervision (HLJ-5 二(六), ST-3 三(二)9) is added on top of the draw and
# never removes an enterprise from the pool: Heilongjiang pushes every
# classification result to the inspection-object directory (二(五)) and keeps
# key supervision 同时 with class-based management; Shantou splits by item,
# not by enterprise. So only the status exclusion removes anyone.
excluded := [{"code": "status", "statuses": params.excluded_statuses, "basis": lib.cite("sampling_plan", [["excluded_statuses"]])}]

key_sectors := object.get(ranges, ["key_supervision", "sectors"], [])

key_supervision := {
	"sectors": key_sectors,
	"basis": key_supervision_basis,
} if {
	count(key_sectors) > 0
} else := null

# The plan's own basis for drawing key-sector enterprises where it gives one,
# else the basis of the supervision parameter that names the sectors.
key_supervision_basis := b if {
	b := lib.basis_for("sampling_plan", "key_supervision")
	b != ""
} else := lib.cite("supervision", [["key_supervision", "sectors"]])

lean := {
	"factors": object.keys(ranges.lean.factors),
	"weight": params.lean_weight,
	"weight_source": own_source("lean_weight"),
	"basis": lib.join_bases([lib.cite("supervision", [["lean", "factors"]]), lib.cite("sampling_plan", [["lean_weight"]])]),
} if ranges.lean

else := null

# XZ-4 (seed 001 二(二)6): joint inspection is the rule only in industries
# that involve many supervision fields and frequent inspections. The task
# says so itself (multi_field_industry), or names its industry, looked up in
# the jurisdiction's list.
industry := object.get(task, "industry", "")

multi_field_industry := task.multi_field_industry if {
	is_boolean(task.multi_field_industry)
} else if {
	listed_industry
} else := false if {
	params.joint_inspection
	industry != ""
} else := null

listed_industry if industry in params.joint_inspection.industries

default joint_inspection := false

joint_inspection if {
	params.joint_inspection
	multi_field_industry == true
}

joint_basis := lib.basis_for("sampling_plan", "joint_inspection")

joint_reasons := [lib.reason(
	"joint_inspection",
	sprintf("%s属涉及监管领域多、检查频次高的行业领域，坚持以跨部门联合检查为原则、部门单独检查为例外，统一实施联合检查，“进一次门，查多项事”", [industry_subject]),
	joint_bases,
)] if {
	joint_inspection
} else := [lib.reason(
	"joint_inspection_not_required",
	sprintf("%s不属涉及监管领域多、检查频次高的行业领域，不要求统一实施跨部门联合检查", [industry_subject]),
	joint_bases,
)] if {
	params.joint_inspection
	is_boolean(task.multi_field_industry)
} else := [lib.reason(
	"joint_inspection_not_required",
	sprintf("%s未列入涉及监管领域多、检查频次高的行业领域清单（清单%s），不要求统一实施跨部门联合检查；该行业领域实际涉及监管领域多、检查频次高的，任务应注明（multi_field_industry）", [industry, list_note]),
	joint_bases,
)] if {
	params.joint_inspection
	multi_field_industry == false
} else := [lib.reason(
	"joint_inspection_unknown",
	"任务未说明所属行业领域，无法判断是否属涉及监管领域多、检查频次高的行业领域；属此类行业领域的，须以跨部门联合检查为原则、部门单独检查为例外",
	joint_basis,
)] if {
	params.joint_inspection
} else := []

# The task's own word decides where it gives one; else its industry is looked
# up in the list, and the reason says whether the list is a default.
industry_subject := "本任务所涉行业领域" if {
	is_boolean(task.multi_field_industry)
	industry == ""
} else := industry if {
	is_boolean(task.multi_field_industry)
} else := sprintf("%s（行业清单%s）", [industry, list_note])

list_note := "为默认示例，非公开文件所定" if {
	is_default(lib.source_of("sampling_plan", ["joint_inspection", "industries"]))
} else := sprintf("出自%s", [lib.cite("sampling_plan", [["joint_inspection", "industries"]])])

joint_bases := joint_basis if {
	is_boolean(task.multi_field_industry)
} else := lib.join_bases([joint_basis, lib.cite("sampling_plan", [["joint_inspection", "industries"]])])

targets := object.union(params.targets[format_int(year, 10)], {"year": year}) if params.targets[format_int(year, 10)]

else := null

# QG-2 (seed 004 5): 除专业领域外，各个抽查任务都要融合运用企业信用风险分类结果.
# A year's document that says so sets every_task_differentiated; a task in a
# professional field is outside it.
default differentiation_required := false

differentiation_required if {
	targets.every_task_differentiated == true
	not professional_field
}

warnings := [lib.reason(
	"undifferentiated_task",
	"除专业领域外，各个抽查任务都要融合运用企业信用风险分类结果：本任务不属专业领域，却未按信用风险分类差异化抽查",
	lib.cite("sampling_plan", [["targets", format_int(year, 10), "every_task_differentiated"]]),
)] if {
	differentiation_required
	not differentiated
} else := []

professional_reasons := [lib.reason(
	"professional_field_task",
	"专业领域抽查任务，不在“除专业领域外，各个抽查任务都要融合运用企业信用风险分类结果”之列",
	lib.cite("sampling_plan", [["targets", format_int(year, 10), "every_task_differentiated"]]),
)] if {
	targets.every_task_differentiated == true
	professional_field
	not differentiated
} else := []

# target_names name each annual target, in the order the reason states them.
target_names := [
	["sampled_share_min", "抽查户数占比"],
	["differentiated_share_min", "差异化抽查户数占比"],
	["completion_min", "任务按时完成率"],
	["publicity_min", "结果公示率"],
	["follow_up_min", "后续处置率"],
]

targets_text := concat("，", array.concat(
	[sprintf("%s不低于%v%%", [name, targets[key] * 100]) |
		some [key, name] in target_names
		is_number(targets[key])
	],
	["除专业领域外，各个抽查任务都要融合运用企业信用风险分类结果" | targets.every_task_differentiated == true],
))

# Each target cites the document that sets it, value by value.
targets_basis := lib.cite("sampling_plan", [["targets", format_int(year, 10), key] |
	some key in ["sampled_share_min", "differentiated_share_min", "every_task_differentiated", "completion_min", "publicity_min", "follow_up_min"]
	targets[key] != null
])

decision := {
	"differentiated": differentiated,
	"professional_field": professional_field,
	"differentiation_required": differentiation_required,
	"year": year,
	"classes": classes,
	"uniform_ratio": params.uniform_ratio,
	"uniform_ratio_source": own_source("uniform_ratio"),
	"unclassified_as": params.unclassified_as,
	"unclassified_as_source": own_source("unclassified_as"),
	"excluded": excluded,
	"key_supervision": key_supervision,
	"lean": lean,
	"joint_inspection": joint_inspection,
	"multi_field_industry": multi_field_industry,
	"targets": targets,
	"warnings": warnings,
	"reasons": lib.concat_arrays([
		[lib.reason("class_ratios", "按企业信用风险分类结果，对A、B、C、D四类企业差异化确定抽查比例", lib.basis_for("sampling_plan", "ratios")) | differentiated],
		[lib.reason("class_ratio_figures", sprintf("各类抽查比例：%s", [ratio_figures]), ratio_values_basis) | differentiated],
		[lib.reason("uniform_ratio", sprintf("非差异化抽查任务，统一按%v抽取%s", [params.uniform_ratio, value_note("uniform_ratio")]), lib.cite("sampling_plan", [["uniform_ratio"]])) | not differentiated],
		warnings,
		professional_reasons,
		[lib.reason("key_supervision", sprintf("%s：%s", [concat("、", [lib.sector_names[s] | some s in key_sectors]), params.key_supervision_text]), key_supervision_basis) | key_supervision != null],
		[lib.reason("lean", sprintf("监管资源向%s的主体倾斜：同类企业中，此类主体被抽中的权重为%v%s", [concat("、", [ranges.lean.factors[f] | some f in lean.factors]), lean.weight, value_note("lean_weight")]), lean.basis) | lean != null],
		joint_reasons,
		[lib.reason("targets", sprintf("%v年度目标：%s", [year, targets_text]), targets_basis) | targets != null],
	]),
}
