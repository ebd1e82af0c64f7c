# Parameters of a double-random sampling task (双随机、一公开, CN-2): the ratio
# drawn in each class, what is excluded from the draw, the lean toward abnormal
# entities (QG-1), joint inspection (XZ-4) and the annual targets (QG-2, QG-3).
# Class ratios default to the middle of the jurisdiction's supervision ranges.
package j100000.sampling_plan

import data.lib

params := lib.params("sampling_plan")

ranges := lib.params("supervision")

task := object.get(input.context, "task", {})

differentiated := object.get(task, "differentiated", true)

year := object.get(task, "year", to_number(substring(input.as_of, 0, 4)))

draw(class) := params.draw[class] if params.draw[class]

else := round((ranges.ratios[class].min + ranges.ratios[class].max) * 500) / 1000

classes := {class: {
	"ratio": draw(class),
	"range": object.remove(ranges.ratios[class], ["source"]),
	"level": ranges.levels[class],
} |
	some class in ["A", "B", "C", "D"]
}

key_sectors := object.get(ranges, ["key_supervision", "sectors"], [])

excluded := array.concat(
	[{"code": "status", "statuses": params.excluded_statuses, "basis": lib.cite("sampling_plan", [["excluded_statuses"]])}],
	[{"code": "key_supervision", "sectors": key_sectors, "basis": lib.cite("supervision", [["key_supervision", "sectors"]])} | count(key_sectors) > 0],
)

lean := {"factors": object.keys(ranges.lean.factors), "weight": params.lean_weight, "basis": lib.cite("supervision", [["lean", "factors"]])} if ranges.lean

else := null

targets := object.union(params.targets[format_int(year, 10)], {"year": year}) if params.targets[format_int(year, 10)]

else := null

# ratio_bases cite the rule that has ratios follow the class, then, for each
# class, the level whose figure is drawn: this decision's draw where a
# jurisdiction sets one, else the supervision range it is the middle of.
ratio_bases := lib.join_bases([lib.basis_for("sampling_plan", "ratios"), ratio_values_basis])

ratio_values_basis := lib.cite("supervision", [["ratios", "A"], ["ratios", "B"], ["ratios", "C"], ["ratios", "D"]]) if {
	count(object.get(params, "draw", {})) == 0
} else := concat("；", lib.distinct([b |
	some class in ["A", "B", "C", "D"]
	b := ratio_basis(class)
]))

ratio_basis(class) := lib.cite("sampling_plan", [["draw", class]]) if params.draw[class]

else := lib.cite("supervision", [["ratios", class]])

# target_names name each annual target, in the order the reason states them.
target_names := [
	["sampled_share_min", "抽查户数占比"],
	["differentiated_share_min", "差异化抽查户数占比"],
	["completion_min", "任务按时完成率"],
	["publicity_min", "结果公示率"],
	["follow_up_min", "后续处置率"],
]

targets_text := concat("，", [sprintf("%s不低于%v%%", [name, targets[key] * 100]) |
	some [key, name] in target_names
	is_number(targets[key])
])

decision := {
	"differentiated": differentiated,
	"year": year,
	"classes": classes,
	"uniform_ratio": params.uniform_ratio,
	"unclassified_as": params.unclassified_as,
	"excluded": excluded,
	"lean": lean,
	"joint_inspection": object.get(params, "joint_inspection", false),
	"targets": targets,
	"reasons": lib.concat_arrays([
		[lib.reason("class_ratios", sprintf("按信用风险分类确定抽查比例：A类%v、B类%v、C类%v、D类%v", [classes.A.ratio, classes.B.ratio, classes.C.ratio, classes.D.ratio]), ratio_bases) | differentiated],
		[lib.reason("uniform_ratio", sprintf("非差异化抽查任务，统一按%v抽取", [params.uniform_ratio]), lib.join_bases([lib.basis_for("sampling_plan", "ratios"), lib.cite("sampling_plan", [["uniform_ratio"]])])) | not differentiated],
		[lib.reason("lean", sprintf("监管资源向%s的主体倾斜", [concat("、", [ranges.lean.factors[f] | some f in lean.factors])]), lean.basis) | lean != null],
		[lib.reason("joint_inspection", "跨部门联合抽查为常态、单部门抽查为例外，“进一次门，查多项事”", lib.cite("sampling_plan", [["joint_inspection"]])) | params.joint_inspection],
		[lib.reason("targets", sprintf("%v年度目标：%s", [year, targets_text]), lib.cite("sampling_plan", [["targets", format_int(year, 10)]])) | targets != null],
	]),
}
