# Credit risk class (CN-1): the class the provincial system stored always wins;
# without one, a jurisdiction whose parameters carry a derivation table derives
# the class from the public credit evaluation grade (HLJ-3, HLJ-10). Key-area
# enterprises may be graded by a professional sub-model (ST-2).
package lib.classify

import data.lib
import data.lib.grade

params := lib.params("risk_class")

official := lib.enterprise.risk_class

entity_type := object.get(lib.enterprise, "entity_type", "company")

# The professional sub-model applies where the parameters name key-area sectors
# and the enterprise works in one of them.
key_area_sectors := {s |
	some s in lib.sectors_worked(object.get(params, ["professional_model", "producers_only"], false))
	s in object.get(params, ["professional_model", "sectors"], [])
}

key_area_role := "为重点领域生产企业" if {
	object.get(params, ["professional_model", "producers_only"], false)
} else := "属于重点领域"

model := "general_and_professional" if count(key_area_sectors) > 0

else := "general"

# Where the sub-model is for producers only (ST-2: 食品、特种设备生产企业), the
# reason says the enterprise is graded as a producer.
model_reasons := [lib.reason(
	"professional_model",
	sprintf("该企业%s（%s），在通用型分类基础上叠加专业型分类模型", [key_area_role, concat("、", [lib.sector_names[s] | some s in key_area_sectors])]),
	lib.cite("risk_class", [["professional_model", "sectors"], ["professional_model", "producers_only"]]),
)] if {
	count(key_area_sectors) > 0
} else := []

# The class derived from the grade cites the table's basis, and the rule that
# lets this kind of entity be classified from the evaluation where one does.
derivation_basis := lib.join_bases([
	lib.cite("risk_class", [["derivation", "by_grade", grade.band.grade]]),
	object.get(params, ["derivation", "by_entity_type", entity_type, "basis"], ""),
])

# result is the class with its source, or undefined when neither an official
# class nor a derivation is available.
result := {
	"class": official,
	"source": "official",
	"model": model,
	"reasons": array.concat(
		[lib.reason(
			"official_class",
			sprintf("采用企业信用风险分类管理系统认定的%s类（%s）", [official, params.names[official]]),
			params.basis.official,
		)],
		model_reasons,
	),
} if {
	official
} else := {
	"class": derived,
	"source": "derived",
	"model": model,
	"grade": grade.band.grade,
	"reasons": array.concat(
		[lib.reason(
			"derived_from_evaluation",
			sprintf("无系统认定分类，依公共信用综合评价%s级（%v分）确定为%s类（%s）%s", [grade.band.grade, grade.score, derived, params.names[derived], derivation_label]),
			derivation_basis,
		)],
		model_reasons,
	),
} if {
	derived := params.derivation.by_grade[grade.band.grade]
}

# HLJ-3 and HLJ-10 say the class follows the evaluation but give no table:
# where the level that set the grade's class labels it a default, the answer
# says so.
derivation_label := "（等级与分类的对应为默认值，非公开文件所定）" if {
	startswith(lib.source_of("risk_class", ["derivation", "by_grade", grade.band.grade]), "default")
} else := ""

# missing explains why no class could be determined.
missing := "缺少企业信用风险分类：既无系统认定的分类，本辖区也未规定由公共信用综合评价推导分类的方法" if {
	not params.derivation
} else := "缺少企业信用风险分类，且缺少用于推导分类的公共信用综合评价得分（public_credit_score）"
