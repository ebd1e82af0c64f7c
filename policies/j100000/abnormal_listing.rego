# Listing in the abnormal operations list (CN-8) and the local buffers that
# jurisdictions switch on in their parameters: force majeure at the domicile
# (XZ-6), the once-only amendment of publicity errors (XZ-7), and guidance to
# suspension filing or deregistration for entities that stopped operating
# (XZ-6, QG-7). Also reports when an abnormal listing has run three years.
package j100000.abnormal_listing

import data.lib
import data.lib.dates

params := lib.params("abnormal_listing")

c := input.context

buffers := {name: b |
	some name, b in object.get(params, "buffers", {})
	input.as_of >= b.from
}

# XZ-6: force majeure, still reachable, no other violation.
force_majeure if {
	buffers.force_majeure
	c.cause == "unreachable_at_domicile"
	c.force_majeure == true
	c.reachable_by_other_means == true
	object.get(c, "other_violations", false) == false
}

# XZ-7: errors only in tolerated fields, without intent or adverse effect, not amended before.
tolerated_error if {
	t := buffers.publicity_error
	c.cause == "publicity_info_error"
	count(c.error_fields) > 0
	every f in c.error_fields {
		f in t.fields
	}
	object.get(c, "intentional", false) == false
	object.get(c, "adverse_effect", false) == false
	object.get(c, "prior_amendments", 0) < t.max_amendments
}

stopped if {
	buffers.stopped_operating
	c.stopped_operating == true
	object.get(c, "other_violations", false) == false
}

# CN-8: still in the abnormal list after three years → serious list.
three_years_listed := [l |
	some l in lib.active_listings
	l.list == "abnormal"
	l.listed_on <= dates.years_before(params.serious_after_years)
]

escalation := {"serious_list_due": count(three_years_listed) > 0}

escalation_reasons := [lib.reason("serious_list_due", sprintf("已于%s列入经营异常名录，届满%v年仍未移出，应列入严重违法失信名单", [l.listed_on, params.serious_after_years]), lib.cite("abnormal_listing", [["serious_after_years"]])) |
	some l in three_years_listed
]

decision := object.union(escalation, {
	"list": false,
	"action": "guide_domicile_change",
	"reasons": array.concat([lib.reason("force_majeure_buffer", sprintf("因不可抗力未在登记住所经营、可通过其他方式联系且无其他违法行为%s", [fm_text]), buffer_basis("force_majeure"))], escalation_reasons),
}) if {
	force_majeure
	c.reasonable_explanation == true
} else := object.union(escalation, {
	"list": true,
	"action": "guide_domicile_change",
	"reasons": array.concat([lib.reason("force_majeure_no_explanation", "因不可抗力未在登记住所经营，但未作出合理说明，依法列入经营异常名录，同时引导其办理住所变更", buffer_basis("force_majeure"))], escalation_reasons),
}) if {
	force_majeure
} else := object.union(escalation, {
	"list": false,
	"action": "allow_amendment",
	"reasons": array.concat([lib.reason("publicity_error_tolerance", "一般性信息或财务信息明显错误，非主观故意且未造成不良后果，允许修改当年度年报一次，一般不认定为隐瞒真实情况、弄虚作假", buffer_basis("publicity_error"))], escalation_reasons),
}) if {
	tolerated_error
} else := object.union(escalation, {
	"list": false,
	"action": buffers.stopped_operating.action,
	"reasons": array.concat([lib.reason("stopped_operating", buffers.stopped_operating.text, buffer_basis("stopped_operating"))], escalation_reasons),
}) if {
	stopped
} else := object.union(escalation, {
	"list": true,
	"action": "list",
	"cause": params.causes[cause],
	"reasons": array.concat([lib.reason(concat("", ["list_", cause]), sprintf("%s，依法列入经营异常名录", [params.causes[cause]]), lib.cite("abnormal_listing", [["causes", cause]]))], escalation_reasons),
})

# buffer_basis cites the level that set the buffer (its date, fields, action).
buffer_basis(name) := lib.cite("abnormal_listing", [["buffers", name]])

# A publicity error without the tolerance is treated as false information.
cause := "false_information" if c.cause == "publicity_info_error"

else := c.cause

fm_text := "，已作出合理说明，暂不列入经营异常名录，引导其办理住所变更登记"
