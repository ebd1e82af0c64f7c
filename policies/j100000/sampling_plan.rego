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
	[{"code": "status", "statuses": params.excluded_statuses, "basis": params.basis.excluded_statuses}],
	[{"code": "key_supervision", "sectors": key_sectors, "basis": ranges.key_supervision.sector_basis} | count(key_sectors) > 0],
)

lean := {"factors": object.keys(ranges.lean.factors), "weight": params.lean_weight, "basis": ranges.lean.basis} if ranges.lean

else := null

targets := object.union(params.targets[format_int(year, 10)], {"year": year}) if params.targets[format_int(year, 10)]

else := null

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
		[lib.reason("class_ratios", sprintf("按信用风险分类确定抽查比例：A类%v、B类%v、C类%v、D类%v", [classes.A.ratio, classes.B.ratio, classes.C.ratio, classes.D.ratio]), params.basis.ratios) | differentiated],
		[lib.reason("uniform_ratio", sprintf("非差异化抽查任务，统一按%v抽取", [params.uniform_ratio]), params.basis.ratios) | not differentiated],
		[lib.reason("lean", "监管资源向场所异常、曾受处罚、许可过期的主体倾斜", ranges.lean.basis) | lean != null],
		[lib.reason("joint_inspection", "跨部门联合抽查为常态、单部门抽查为例外，“进一次门，查多项事”", params.basis.joint_inspection) | params.joint_inspection],
		[lib.reason("targets", sprintf("%v年度目标：抽查户数占比不低于%v，差异化抽查户数占比不低于%v，任务完成率、结果公示率、后续处置率均为100%%", [year, targets.sampled_share_min, targets.differentiated_share_min]), params.basis.targets) | targets != null],
	]),
}
