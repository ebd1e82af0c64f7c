# Listing in the abnormal operations list (CN-8) and the local buffers that
# jurisdictions switch on in their parameters: force majeure at the domicile
# (XZ-6) and the once-only amendment of publicity errors (XZ-7). Guidance to
# suspension filing or deregistration for entities that stopped operating
# (XZ-6, QG-7) is advice added to the answer: no seed lets it excuse a listing
# (企业信息公示暂行条例 第十七条 makes listing mandatory). Also reports when an
# abnormal listing has run three years.
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
	c.other_violations == false
}

# The buffer's 无其他违法违规行为 is a finding the officer makes: when the
# request does not say, the answer does not assume it.
force_majeure_unconfirmed if {
	buffers.force_majeure
	c.cause == "unreachable_at_domicile"
	c.force_majeure == true
	c.reachable_by_other_means == true
	not c.other_violations == false
	not c.other_violations == true
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

# An error in publicised information is 隐瞒真实情况、弄虚作假 (条例 第十七条第
# （二）项) only when it was intended; without a finding of intent (the seeds'
# 未发现存在主观故意) it is inaccurate information the enterprise corrects (第十二条).
unintentional_error if {
	c.cause == "publicity_info_error"
	object.get(c, "intentional", false) == false
}

# Instant information (条例 第十条第二款, 第十七条第（一）项): an enterprise is
# listed only when it did not disclose within the period the authority ordered.
# An order or a disclosure dated after as_of had not happened on as_of.
ordered_on := d if {
	d := c.disclosure_ordered_on
	d <= input.as_of
}

disclosure_deadline := dates.shift(ordered_on, 0, 0, params.instant_info.ordered_days)

disclosed_on := d if {
	d := c.disclosed_on
	d <= input.as_of
}

disclosed_in_time if disclosed_on <= disclosure_deadline

disclosed_in_time if {
	disclosed_on
	not ordered_on
}

instant_info if c.cause == "instant_info_not_disclosed"

# Guidance (XZ-6 歇业备案, QG-7 歇业备案或注销登记): advice beside the answer.
guidance_given := [g |
	some _, g in object.get(params, "guidance", {})
	input.as_of >= g.from
	c.stopped_operating == true
]

guidance := [g.action | some g in guidance_given]

guidance_reasons := [lib.reason(g.action, sprintf("%s（引导建议，不影响是否列入经营异常名录）", [g.text]), lib.cite("abnormal_listing", [["guidance", name]])) |
	some name, g in object.get(params, "guidance", {})
	g in guidance_given
]

# CN-8: still in the abnormal list after three years → serious list. Only
# listings in force on as_of count (lib.active_listings).
three_years_listed := [l |
	some l in lib.active_listings
	l.list == "abnormal"
	dates.reached(l.listed_on, params.serious_after_years, 0)
]

escalation_reasons := [lib.reason("serious_list_due", sprintf("已于%s列入经营异常名录，届满%v年仍未移出，应列入严重违法失信名单", [l.listed_on, params.serious_after_years]), lib.cite("abnormal_listing", [["serious_after_years"]])) |
	some l in three_years_listed
]

decision := object.union(answer, {
	"serious_list_due": count(three_years_listed) > 0,
	"guidance": guidance,
	"reasons": lib.concat_arrays([answer.reasons, guidance_reasons, escalation_reasons]),
})

answer := {
	"list": false,
	"action": "guide_domicile_change",
	"reasons": [lib.reason("force_majeure_buffer", sprintf("因不可抗力未在登记住所经营、可通过其他方式联系且无其他违法行为%s", [fm_text]), buffer_basis("force_majeure"))],
} if {
	force_majeure
	c.reasonable_explanation == true
} else := {
	"list": true,
	"action": "guide_domicile_change",
	"cause": params.causes.unreachable_at_domicile,
	"reasons": [lib.reason("force_majeure_no_explanation", "因不可抗力未在登记住所经营，但未作出合理说明，依法列入经营异常名录，同时引导其办理住所变更", lib.join_bases([buffer_basis("force_majeure"), cause_basis("unreachable_at_domicile")]))],
} if {
	force_majeure
} else := {
	"list": true,
	"action": "guide_domicile_change",
	"cause": params.causes.unreachable_at_domicile,
	"reasons": [lib.reason("force_majeure_unconfirmed", "因不可抗力未在登记住所经营、可通过其他方式联系，但未确认有无其他违法违规行为（other_violations）；确认无其他违法违规行为且有合理说明的方可暂不列入，未确认前依法列入经营异常名录，同时引导其办理住所变更", lib.join_bases([buffer_basis("force_majeure"), cause_basis("unreachable_at_domicile")]))],
} if {
	force_majeure_unconfirmed
} else := {
	"list": false,
	"action": "allow_amendment",
	"reasons": [lib.reason("publicity_error_tolerance", "一般性信息或财务信息明显错误，非主观故意且未造成不良后果，允许修改当年度年报一次，一般不认定为隐瞒真实情况、弄虚作假", buffer_basis("publicity_error"))],
} if {
	tolerated_error
} else := {
	"list": false,
	"action": "require_correction",
	"reasons": [lib.reason("publicity_error_not_fraud", "公示信息有误，但未发现主观故意，不属于隐瞒真实情况、弄虚作假，不列入经营异常名录；企业应当及时更正（年度报告公示信息的更正应当在当年6月30日前完成）", lib.basis_for("abnormal_listing", "unintentional_error"))],
} if {
	unintentional_error
} else := {
	"list": false,
	"action": "none",
	"reasons": [lib.reason("instant_info_disclosed", sprintf("已于%s公示有关企业信息%s，不列入经营异常名录", [disclosed_on, in_time_text]), cause_basis("instant_info_not_disclosed"))],
} if {
	instant_info
	disclosed_in_time
} else := {
	"list": false,
	"action": "order_disclosure",
	"reasons": [lib.reason("instant_info_order_first", sprintf("未按规定公示即时信息的，应当书面责令其在%v日内履行公示义务；责令的期限届满仍未公示的，方列入经营异常名录", [params.instant_info.ordered_days]), lib.join_bases([lib.cite("abnormal_listing", [["instant_info", "ordered_days"]]), cause_basis("instant_info_not_disclosed")]))],
} if {
	instant_info
	not ordered_on
} else := {
	"list": false,
	"action": "await_disclosure",
	"disclosure_deadline": disclosure_deadline,
	"reasons": [lib.reason("instant_info_period_running", sprintf("已于%s责令其在%v日内公示有关企业信息，期限至%s届满，届满前不列入经营异常名录", [ordered_on, params.instant_info.ordered_days, disclosure_deadline]), lib.join_bases([lib.cite("abnormal_listing", [["instant_info", "ordered_days"]]), cause_basis("instant_info_not_disclosed")]))],
} if {
	instant_info
	input.as_of <= disclosure_deadline
} else := {
	"list": true,
	"action": "list",
	"cause": params.causes.instant_info_not_disclosed,
	"disclosure_deadline": disclosure_deadline,
	"reasons": [lib.reason("list_instant_info_not_disclosed", sprintf("已于%s责令其在%v日内公示有关企业信息，至%s期限届满仍未公示：%s，依法列入经营异常名录", [ordered_on, params.instant_info.ordered_days, disclosure_deadline, params.causes.instant_info_not_disclosed]), lib.join_bases([cause_basis("instant_info_not_disclosed"), lib.cite("abnormal_listing", [["instant_info", "ordered_days"]])]))],
} if {
	instant_info
} else := {
	"list": true,
	"action": "list",
	"cause": params.causes[cause],
	"reasons": [lib.reason(concat("", ["list_", cause]), sprintf("%s%s，依法列入经营异常名录", [params.causes[cause], intent_text]), cause_basis(cause))],
}

# buffer_basis cites the level that set the buffer (its date, fields, action).
buffer_basis(name) := lib.cite("abnormal_listing", [["buffers", name]])

# cause_basis cites the article that makes the cause a ground for listing.
cause_basis(name) := lib.cite("abnormal_listing", [["causes", name]])

# An intended publicity error is false information.
cause := "false_information" if c.cause == "publicity_info_error"

else := c.cause

intent_text := "（公示信息有误且存在主观故意）" if c.cause == "publicity_info_error"

else := ""

in_time_text := "，未超过责令的期限" if ordered_on

else := ""

fm_text := "，已作出合理说明，暂不列入经营异常名录，引导其办理住所变更登记"
