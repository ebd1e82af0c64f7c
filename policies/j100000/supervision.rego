# Class-based supervision (CN-2, CN-3) and the local refinements every
# jurisdiction switches on through its parameters: off-site inspection for low
# risk (HLJ-4; XZ-3 and QG-4 only for the inspection items they name), strict
# on-site inspection for high risk (HLJ-4),
# key supervision for key sectors regardless of class (HLJ-5, ST-1, ST-3), an
# observation period with soft measures for new-format firms (HLJ-6, XZ-3),
# and resources leaning toward abnormal entities (QG-1). Each feature's
# parameters carry the basis its reasons cite.
package j100000.supervision

import data.lib
import data.lib.classify

params := lib.params("supervision")

trigger := object.get(input.context, "trigger", "routine")

# The item inspected (检查事项): XZ-3 and QG-4 put low-risk enterprises under
# off-site supervision for registration items, annual reports and publicised
# information only; null when the request does not say.
inspection_item := object.get(input.context, "inspection_item", null)

item_names := {
	"registration": "登记事项",
	"annual_report": "年度报告",
	"publicity": "公示信息",
	"other": "其他事项",
}

class := classify.result.class

# Answers name each class by the national name of its risk (CN-1,
# 国市监信发〔2022〕6号): A 信用风险低, B 一般, C 较高, D 高. A local rule
# that speaks of 信用风险高 speaks of D, not of C.
class_names := lib.params("risk_class").names

class_label(c) := sprintf("%s类（%s）", [c, class_names[c]])

class_labels(cs) := concat("、", [class_label(c) | some c in cs]) if count(cs) > 0

else := "无"

# CN-3: reductions by class apply only to routine sampling, never to
# inspections triggered by complaints, big data, referrals or the law.
default reduction_applies := false

reduction_applies if trigger == "routine"

# much_increased is the national 大幅提高 for class D; unlimited (不设上限) is
# a level only a jurisdiction that says so uses (Heilongjiang, HLJ-4).
level_rank := {"reduced": 0, "regular": 1, "increased": 2, "much_increased": 3, "unlimited": 4}

# A lean raise never goes past the highest level the jurisdiction uses.
top_rank := max({level_rank[l] | some l in params.levels})

rank_level := {rank: level | some level, rank in level_rank}

class_level := params.levels[class]

triggered_level := "regular" if {
	not reduction_applies
	class_level == "reduced"
} else := class_level

# QG-1: lean factors present on input.as_of.
lean_factors := [f |
	some f in object.keys(object.get(params, ["lean", "factors"], {}))
	lean_factor_present[f]
]

lean_factor_present contains "premises_abnormal" if lib.enterprise.premises_abnormal == true

# A previous penalty is one decided on or before the decision date: a
# penalty recorded with a later date had not been decided yet on as_of.
lean_factor_present contains "previously_penalised" if {
	some p in object.get(lib.enterprise, "penalties", [])
	p.decided_on <= input.as_of
}

lean_factor_present contains "license_expired" if {
	some l in object.get(lib.enterprise, "licenses", [])
	l.expires_on < input.as_of
}

leaning if count(lean_factors) > 0

sampling := rank_level[min([level_rank[triggered_level] + params.lean.raise_levels, top_rank])] if leaning

else := triggered_level

ratio_class := "B" if {
	not reduction_applies
	class_level == "reduced"
} else := class

# The ratio names the source of the level that set it: a county's own class B
# ratio is not the national default.
ratio := object.union(params.ratios[ratio_class], {"source": lib.source_of("supervision", ["ratios", ratio_class])})

# offsite_items are the inspection items off-site supervision is for; null
# where the jurisdiction's rule does not limit it to items (HLJ-4).
offsite_items := object.get(params, ["offsite", "items"], null)

default offsite_class := false

offsite_class if {
	reduction_applies
	class in object.get(params, ["offsite", "classes"], [])
}

default offsite_item := false

offsite_item if offsite_items == null

offsite_item if inspection_item in offsite_items

default offsite_allowed := false

offsite_allowed if {
	offsite_class
	offsite_item
}

default onsite_required := false

onsite_required if class in object.get(params, ["onsite", "classes"], [])

key_sectors := {s |
	some s in lib.sectors_worked(object.get(params, ["key_supervision", "producers_only"], false))
	s in object.get(params, ["key_supervision", "sectors"], [])
}

default key_supervision := false

key_supervision if class in object.get(params, ["key_supervision", "classes"], [])

key_supervision if count(key_sectors) > 0

new_format if lib.enterprise.new_format == true

default observation_period := false

observation_period if {
	new_format
	class in object.get(params, ["new_format", "observation_classes"], [])
}

default targeted_strict := false

targeted_strict if {
	new_format
	class in object.get(params, ["new_format", "strict_classes"], [])
}

# A new-format enterprise of a class the local rule names for neither the
# observation period nor the strict measures (C where the rule speaks of
# 信用风险低、一般 and 高) is supervised by its class alone, and told so.
new_format_uncovered if {
	new_format
	params.new_format
	not observation_period
	not targeted_strict
}

soft_measures := params.new_format.soft_measures if observation_period

else := object.get(params, ["class_measures", class, "soft_measures"], [])

decision := lib.refusal("class_unavailable", classify.missing, {"fields": ["enterprise.risk_class", "enterprise.public_credit_score"]}) if {
	not classify.result
} else := {
	"class": class,
	"class_source": classify.result.source,
	"trigger": trigger,
	"inspection_item": inspection_item,
	"class_based_reduction": reduction_applies,
	"sampling": sampling,
	"ratio": ratio,
	"offsite_allowed": offsite_allowed,
	"offsite_items": offsite_items,
	"onsite_required": onsite_required,
	"key_supervision": key_supervision,
	"observation_period": observation_period,
	"targeted_strict_measures": targeted_strict,
	"soft_measures": soft_measures,
	"lean_factors": lean_factors,
	"reasons": reasons,
}

reasons := lib.concat_arrays([
	classify.result.reasons,
	[lib.reason(
		concat("", ["sampling_", class_level]),
		sprintf("%s企业：%s", [class_label(class), params.level_text[class_level]]),
		lib.cite("supervision", [["levels", class]]),
	)],
	trigger_reasons,
	lean_reasons,
	feature_reasons,
])

trigger_reasons := [lib.reason(
	"no_class_reduction",
	sprintf("本次检查因%s启动，不适用按信用风险分类降低抽查比例和频次", [params.triggers[trigger]]),
	lib.cite("supervision", [["triggers", trigger]]),
)] if {
	not reduction_applies
} else := []

lean_reasons := [lib.reason(
	"lean_toward_abnormal",
	sprintf("存在%s，监管资源向其倾斜%s", [concat("、", [params.lean.factors[f] | some f in lean_factors]), raise_text]),
	lib.cite("supervision", [["lean", "factors"], ["lean", "raise_levels"]]),
)] if {
	leaning
} else := []

# QG-1 says only that resources lean toward these entities: how far the
# sampling level is raised is the parameter raise_levels, and where its
# level labels it a default the answer says so, as it does for every figure
# no document gives.
level_names := {"reduced": "合理降低", "regular": "常规", "increased": "适当提高", "much_increased": "大幅提高", "unlimited": "不设上限"}

raise_text := sprintf("：抽查比例和频次由%s调整为%s（提高%v档%s）", [
	level_names[triggered_level], level_names[sampling], params.lean.raise_levels,
	raise_label,
]) if {
	sampling != triggered_level
} else := sprintf("：抽查比例和频次已为本辖区最高档次（%s）", [level_names[sampling]])

raise_label := "为默认做法，非公开文件所定" if {
	startswith(object.get(params.lean, "raise_levels_source", ""), "default")
} else := ""

# feature_reasons explain each refinement that applied, in a fixed order.
feature_reasons := [r |
	some feature in ["offsite", "offsite_item", "onsite", "key_class", "key_sector", "observation", "strict", "new_format_uncovered", "class_measures"]
	r := feature_reason[feature]
]

offsite_cited := [["offsite", "classes"], ["offsite", "items"]] if offsite_items != null

else := [["offsite", "classes"]]

feature_reason["offsite"] := lib.reason("offsite_allowed", params.offsite.text, lib.cite("supervision", offsite_cited)) if offsite_allowed

# A low-risk enterprise inspected for an item the rule does not name, or for
# an item the request does not give, is not sent off-site.
feature_reason["offsite_item"] := lib.reason(
	"offsite_not_applicable",
	sprintf("%s；%s", [params.offsite.text, item_phrase]),
	lib.cite("supervision", offsite_cited),
) if {
	offsite_class
	not offsite_item
}

offsite_item_names := concat("、", [item_names[i] | some i in offsite_items])

item_phrase := sprintf("本次检查事项为%s，不在%s之列，不适用非现场监管", [item_names[inspection_item], offsite_item_names]) if {
	inspection_item != null
} else := sprintf("本次未注明检查事项（上述方式仅适用于%s），不作非现场监管", [offsite_item_names])

feature_reason["onsite"] := lib.reason("onsite_required", params.onsite.text, lib.cite("supervision", [["onsite", "classes"]])) if onsite_required

feature_reason["key_class"] := lib.reason("key_supervision_class", params.key_supervision.class_text, lib.cite("supervision", [["key_supervision", "classes"]])) if {
	class in object.get(params, ["key_supervision", "classes"], [])
}

feature_reason["key_sector"] := lib.reason(
	"key_supervision_sector",
	sprintf("%s：%s", [concat("、", [lib.sector_names[s] | some s in key_sectors]), params.key_supervision.sector_text]),
	lib.cite("supervision", [["key_supervision", "sectors"], ["key_supervision", "producers_only"]]),
) if {
	count(key_sectors) > 0
}

feature_reason["observation"] := lib.reason("observation_period", sprintf("%s：%s", [class_label(class), params.new_format.observation_text]), lib.cite("supervision", [["new_format", "observation_classes"], ["new_format", "soft_measures"]])) if observation_period

feature_reason["strict"] := lib.reason("targeted_strict_measures", sprintf("%s：%s", [class_label(class), params.new_format.strict_text]), lib.cite("supervision", [["new_format", "strict_classes"]])) if targeted_strict

feature_reason["new_format_uncovered"] := lib.reason(
	"new_format_class_not_covered",
	sprintf("%s新产业新业态新模式企业：本辖区规定观察期适用于%s，针对性严格监管措施适用于%s，对本类未作规定，按其分类监管", [
		class_label(class),
		class_labels(params.new_format.observation_classes),
		class_labels(params.new_format.strict_classes),
	]),
	lib.cite("supervision", [["new_format", "observation_classes"], ["new_format", "strict_classes"]]),
) if new_format_uncovered

feature_reason["class_measures"] := lib.reason("class_measures", params.class_measures[class].text, lib.cite("supervision", [["class_measures", class]])) if {
	not observation_period
	params.class_measures[class]
}
