# Convenience measures and restrictions (CN-8, HLJ-7): entities in either list
# are restricted nationally; a jurisdiction may add convenience for honest
# enterprises and further restrictions for seriously dishonest ones, each with
# its criteria in params under convenience_measures.
package lib.convenience

import data.lib
import data.lib.classify
import data.lib.dates

params := lib.params("convenience_measures")

listed := {l.list | some l in lib.active_credit_listings}

recent_penalties := [p |
	some p in object.get(lib.enterprise, "penalties", [])
	not dates.reached(p.decided_on, params.honest.within_years, 0)
	p.decided_on <= input.as_of
]

honest if {
	params.honest
	classify.result.class in params.honest.classes
	count(listed) == 0
	count(recent_penalties) <= params.honest.max_penalties
}

seriously_dishonest if {
	params.seriously_dishonest
	some l in listed
	l in params.seriously_dishonest.lists
}

# HLJ-7 says 诚信守法企业 without criteria: where the level that set them
# labels the criteria a default, the answer states them and says so.
criteria_label := sprintf("（认定标准：%s类、未被列入经营异常名录或严重违法失信名单、%s，为默认标准，非公开文件所定）", [
	concat("、", params.honest.classes), penalty_criterion,
]) if {
	startswith(object.get(params.honest, "criteria_source", ""), "default")
} else := ""

penalty_criterion := sprintf("%v年内未受行政处罚", [params.honest.within_years]) if {
	params.honest.max_penalties == 0
} else := sprintf("%v年内受行政处罚不超过%v次", [params.honest.within_years, params.honest.max_penalties])

eligible := params.honest.measures if honest

else := []

restricted := lib.concat_arrays([listed_restrictions, dishonest_restrictions])

listed_restrictions := params.listed.measures if count(listed) > 0

else := []

dishonest_restrictions := [m |
	some m in params.seriously_dishonest.measures
	not m in listed_restrictions
] if {
	seriously_dishonest
} else := []

decision := {
	"eligible": eligible,
	"restricted": restricted,
	"reasons": lib.concat_arrays([
		[lib.reason("honest_enterprise", concat("", [params.honest.text, criteria_label]), lib.cite("convenience_measures", [["honest", "classes"], ["honest", "max_penalties"], ["honest", "within_years"], ["honest", "measures"]])) | honest],
		[lib.reason("listed_entity", sprintf("被列入%s：%s", [concat("、", [lib.list_names[l] | some l in listed]), params.listed.text]), lib.cite("convenience_measures", [["listed", "measures"]])) | count(listed) > 0],
		[lib.reason("seriously_dishonest", params.seriously_dishonest.text, lib.cite("convenience_measures", [["seriously_dishonest", "lists"], ["seriously_dishonest", "measures"]])) | seriously_dishonest],
		[lib.reason("no_measure", "不符合便利措施条件，也未被列入经营异常名录或严重违法失信名单", lib.cite("convenience_measures", [["listed", "measures"]])) |
			not honest
			count(listed) == 0
		],
	]),
}
