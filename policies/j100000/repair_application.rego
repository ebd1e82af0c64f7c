# Credit-repair applications (CN-6, CN-7): accepted with complete materials
# when the basic conditions are met; decided within the working days of the
# regime in force on input.as_of. Jurisdictions may accept with secondary
# materials missing against a commitment to supply them (XZ-9, QG-5), switched
# on in their parameters; Shantou adds its procedure (ST-6).
package j100000.repair_application

import data.lib
import data.lib.dates

params := lib.params("repair_application")

a := input.context.application

regime_name := name if {
	some name, r in params.regimes
	r.from <= input.as_of
	input.as_of <= object.get(r, "to", "9999-12-31")
}

regime := params.regimes[regime_name]

# Reasons cite the level that set the figure they rest on: the regime's
# period, its working days, its minimum listing time.
regime_basis(key) := lib.cite("repair_application", [["regimes", regime_name, key]])

missing := object.get(a, "missing_secondary", [])

tolerant := params.deficiency_tolerant if input.as_of >= params.deficiency_tolerant.from

# tolerant_from_note explains the start date where the parameters do (QG-5:
# the measures were issued early in 2023, the first document recording them
# is dated 2023-05-10).
tolerant_from_note := sprintf("（%s）", [lib.render(tolerant.from_text, [tolerant])]) if tolerant.from_text

else := ""

serious_listing := [l | some l in lib.active_listings; l.list == "serious_dishonest"]

serious_too_recent if {
	a.record == "serious_list"
	some l in serious_listing
	not dates.reached(l.listed_on, regime.serious_list_min_years, 0)
}

base := {"decide_within_working_days": regime.working_days}

extra := object.get(params, "procedure", {})

# Before the first regime took effect there is no procedure to decide by.
decision := lib.refusal(
	"no_regime_in_force",
	sprintf("%s尚无施行中的信用修复规定，无法决定信用修复申请", [input.as_of]),
	{"field": "as_of", "earliest": min({r.from | some r in params.regimes})},
) if {
	not regime
} else := object.union_n([base, extra, {
	"accept": false,
	"mode": null,
	"reasons": [lib.reason("basic_conditions_not_met", "不符合信用修复的基本条件（已履行处罚义务、消除不良影响、未再受同类处罚、未被列入经营异常名录或严重违法失信名单等），不予受理", regime_basis("from"))],
}]) if {
	a.basic_conditions_met != true
} else := object.union_n([base, extra, {
	"accept": false,
	"mode": null,
	"reasons": [lib.reason("serious_list_too_recent", sprintf("列入严重违法失信名单未满%v年，不得申请提前移出", [regime.serious_list_min_years]), regime_basis("serious_list_min_years"))],
}]) if {
	serious_too_recent
} else := object.union_n([base, extra, {
	"accept": false,
	"mode": null,
	"reasons": [lib.reason("main_materials_incomplete", "主要申请材料不齐全或不符合法定形式，一次性告知需补正的材料", regime_basis("from"))],
}]) if {
	a.main_materials_complete != true
} else := object.union_n([base, extra, {
	"accept": true,
	"mode": "standard",
	"reasons": array.concat([lib.reason("accepted", sprintf("符合条件、材料齐全，予以受理，%v个工作日内作出决定", [regime.working_days]), regime_basis("working_days"))], extra_reasons),
}]) if {
	count(missing) == 0
} else := object.union_n([base, extra, {
	"accept": true,
	"mode": "deficiency_tolerant",
	"missing_secondary": missing,
	"reasons": array.concat([lib.reason("deficiency_tolerant", sprintf("基本条件具备、主要材料齐全，仅欠缺次要材料（%s），已承诺限期补正，先予受理修复%s", [concat("、", missing), tolerant_from_note]), lib.cite("repair_application", [["deficiency_tolerant"]]))], extra_reasons),
}]) if {
	tolerant
	a.commitment_to_supplement == true
} else := object.union_n([base, extra, {
	"accept": false,
	"mode": null,
	"missing_secondary": missing,
	"reasons": [lib.reason("secondary_materials_missing", sprintf("欠缺材料（%s），补正后受理", [concat("、", missing)]), regime_basis("from"))],
}])

extra_reasons := [lib.reason("procedure", params.procedure_text, lib.cite("repair_application", [["procedure"]])) | params.procedure_text]
