# National baseline for change, filing and deregistration applications (CN-8).
#
# Nationally a listed entity may still change or file, but it may not use
# simplified deregistration (简易注销) while it is in either list.
package j100000.registration_change

import data.lib

params := lib.params("registration_change")

kind := input.context.application.kind

simplified := object.get(input.context.application, "simplified", false)

# blocking lists the credit listings in force, in the shape every jurisdiction
# returns.
blocking := [block |
	some l in lib.active_credit_listings
	block := {
		"list": l.list,
		"list_name": lib.list_names[l.list],
		"cause": object.get(l, "cause", null),
		"listed_on": l.listed_on,
	}
]

# An individual business marked abnormal is not in either list: the national
# rules do not restrict it for that, and the answer says the mark was seen.
mark_note := "（其被标记为经营异常状态，该标记不属于上述名录，全国规则不据此限制）" if {
	some l in lib.active_listings
	l.list == "abnormal_mark"
} else := ""

decision := {
	"accept": false,
	"kind": kind,
	"blocking": blocking,
	"alternative": "ordinary_deregistration",
	"reasons": [lib.reason(
		"simplified_deregistration_refused",
		sprintf("该主体被列入%s，不适用简易注销程序，可申请一般注销", [concat("、", {b.list_name | some b in blocking})]),
		params.basis.simplified_deregistration,
	)],
} if {
	kind == "deregistration"
	simplified
	count(blocking) > 0
} else := {
	"accept": true,
	"kind": kind,
	"blocking": [],
	"reasons": [lib.reason(
		"listed_entity_restrictions",
		sprintf("该主体被列入%s；全国规则不限制受理本类申请，但其在政府采购、工程招投标、国有土地出让、授予荣誉称号等方面依法受限", [concat("、", {b.list_name | some b in blocking})]),
		params.basis.listing_restrictions,
	)],
} if {
	count(blocking) > 0
} else := {
	"accept": true,
	"kind": kind,
	"blocking": [],
	"reasons": [lib.reason(
		"no_credit_constraint",
		concat("", ["该主体未被列入经营异常名录或严重违法失信名单，无信用约束", mark_note]),
		params.basis.listing_restrictions,
	)],
}
