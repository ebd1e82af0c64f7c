# Class-based supervision (CN-2, CN-3) and the local refinements every
# jurisdiction switches on through its parameters: off-site inspection for low
# risk (HLJ-4, XZ-3, QG-4), strict on-site inspection for high risk (HLJ-4),
# key supervision for key sectors regardless of class (HLJ-5, ST-1, ST-3), an
# observation period with soft measures for new-format firms (HLJ-6, XZ-3),
# and resources leaning toward abnormal entities (QG-1). Each feature's
# parameters carry the basis its reasons cite.
package j100000.supervision

import data.lib
import data.lib.classify

params := lib.params("supervision")

trigger := object.get(input.context, "trigger", "routine")

class := classify.result.class

# CN-3: reductions by class apply only to routine sampling, never to
# inspections triggered by complaints, big data, referrals or the law.
default reduction_applies := false

reduction_applies if trigger == "routine"

level_rank := {"reduced": 0, "regular": 1, "increased": 2, "unlimited": 3}

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

sampling := rank_level[min([level_rank[triggered_level] + params.lean.raise_levels, 3])] if leaning

else := triggered_level

ratio_class := "B" if {
	not reduction_applies
	class_level == "reduced"
} else := class

# The ratio names the source of the level that set it: a county's own class B
# ratio is not the national default.
ratio := object.union(params.ratios[ratio_class], {"source": lib.source_of("supervision", ["ratios", ratio_class])})

default offsite_allowed := false

offsite_allowed if {
	reduction_applies
	class in object.get(params, ["offsite", "classes"], [])
}

default onsite_required := false

onsite_required if class in object.get(params, ["onsite", "classes"], [])

key_sectors := {s |
	some s in object.get(lib.enterprise, "key_sectors", [])
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

soft_measures := params.new_format.soft_measures if observation_period

else := object.get(params, ["class_measures", class, "soft_measures"], [])

decision := lib.refusal("class_unavailable", classify.missing, {"fields": ["enterprise.risk_class", "enterprise.public_credit_score"]}) if {
	not classify.result
} else := {
	"class": class,
	"class_source": classify.result.source,
	"trigger": trigger,
	"class_based_reduction": reduction_applies,
	"sampling": sampling,
	"ratio": ratio,
	"offsite_allowed": offsite_allowed,
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
		sprintf("%s类企业：%s", [class, params.level_text[class_level]]),
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
	sprintf("存在%s，监管资源向其倾斜", [concat("、", [params.lean.factors[f] | some f in lean_factors])]),
	lib.cite("supervision", [["lean", "factors"], ["lean", "raise_levels"]]),
)] if {
	leaning
} else := []

# feature_reasons explain each refinement that applied, in a fixed order.
feature_reasons := [r |
	some feature in ["offsite", "onsite", "key_class", "key_sector", "observation", "strict", "class_measures"]
	r := feature_reason[feature]
]

feature_reason["offsite"] := lib.reason("offsite_allowed", params.offsite.text, lib.cite("supervision", [["offsite", "classes"]])) if offsite_allowed

feature_reason["onsite"] := lib.reason("onsite_required", params.onsite.text, lib.cite("supervision", [["onsite", "classes"]])) if onsite_required

feature_reason["key_class"] := lib.reason("key_supervision_class", params.key_supervision.class_text, lib.cite("supervision", [["key_supervision", "classes"]])) if {
	class in object.get(params, ["key_supervision", "classes"], [])
}

feature_reason["key_sector"] := lib.reason(
	"key_supervision_sector",
	sprintf("%s：%s", [concat("、", [lib.sector_names[s] | some s in key_sectors]), params.key_supervision.sector_text]),
	lib.cite("supervision", [["key_supervision", "sectors"]]),
) if {
	count(key_sectors) > 0
}

feature_reason["observation"] := lib.reason("observation_period", params.new_format.observation_text, lib.cite("supervision", [["new_format", "observation_classes"], ["new_format", "soft_measures"]])) if observation_period

feature_reason["strict"] := lib.reason("targeted_strict_measures", params.new_format.strict_text, lib.cite("supervision", [["new_format", "strict_classes"]])) if targeted_strict

feature_reason["class_measures"] := lib.reason("class_measures", params.class_measures[class].text, lib.cite("supervision", [["class_measures", class]])) if {
	not observation_period
	params.class_measures[class]
}
