# CN-8 abnormal listing, national rule: the causes of 企业信息公示暂行条例
# 第十七条 and of the listing rules (企业经营异常名录管理暂行办法 第四条).
package j100000.abnormal_listing_test

import data.j100000.abnormal_listing

req(ctx) := {
	"as_of": "2026-11-21",
	"jurisdiction": {"code": "100000", "chain": ["100000"]},
	"context": ctx,
}

with_facts(ctx, facts) := object.union(req(ctx), {"enterprise": facts})

# 企业信息公示暂行条例 第十七条: listing is mandatory where a cause holds;
# nationally stopping operation adds no guidance and excuses nothing.
test_cn8_stopping_operation_does_not_excuse_an_unfiled_annual_report if {
	d := abnormal_listing.decision with input as req({"cause": "annual_report_not_filed", "stopped_operating": true})
	d.list == true
	d.action == "list"
	d.guidance == []
}

# 第十七条第（二）项 lists only information that 隐瞒真实情况、弄虚作假; an
# error not found to be intended is inaccurate information the enterprise
# corrects under 第十二条 (企业发现其公示的信息不准确的，应当及时更正).
test_cn8_an_unintentional_publicity_error_is_not_fraud if {
	d := abnormal_listing.decision with input as req({"cause": "publicity_info_error", "error_fields": ["registered_capital"], "intentional": false})
	d.list == false
	d.action == "require_correction"
	not d.cause
	r := d.reasons[0]
	r.code == "publicity_error_not_fraud"
	contains(r.message, "不属于隐瞒真实情况、弄虚作假")
	contains(r.basis, "第十二条")
	contains(r.basis, "第十七条第（二）项")
}

test_cn8_a_publicity_error_without_a_finding_of_intent_is_not_fraud if {
	d := abnormal_listing.decision with input as req({"cause": "publicity_info_error", "error_fields": ["phone"]})
	d.list == false
	d.action == "require_correction"
}

test_cn8_an_intended_publicity_error_is_listed_as_false_information if {
	d := abnormal_listing.decision with input as req({"cause": "publicity_info_error", "error_fields": ["phone"], "intentional": true})
	d.list == true
	d.cause == "公示信息隐瞒真实情况、弄虚作假"
	d.reasons[0].code == "list_false_information"
	contains(d.reasons[0].basis, "第十七条第（二）项")
}

# 条例 第十条第二款 and 第十七条第（一）项: instant information not disclosed is a
# cause only when the enterprise 未按照…责令的期限公示有关企业信息; the order
# gives 10 days (企业经营异常名录管理暂行办法 第七条).
test_cn8_instant_information_without_an_order_is_ordered_first if {
	d := abnormal_listing.decision with input as req({"cause": "instant_info_not_disclosed"})
	d.list == false
	d.action == "order_disclosure"
	contains(d.reasons[0].message, "10日内")
	contains(d.reasons[0].basis, "第十条第二款")
	contains(d.reasons[0].basis, "第七条")
}

test_cn8_instant_information_is_not_listed_while_the_ordered_period_runs if {
	d := abnormal_listing.decision with input as req({"cause": "instant_info_not_disclosed", "disclosure_ordered_on": "2026-11-11"})
	d.list == false
	d.action == "await_disclosure"
	d.disclosure_deadline == "2026-11-21"
}

test_cn8_instant_information_is_listed_the_day_after_the_ordered_period if {
	d := abnormal_listing.decision with input as req({"cause": "instant_info_not_disclosed", "disclosure_ordered_on": "2026-11-10"})
	d.list == true
	d.action == "list"
	d.disclosure_deadline == "2026-11-20"
	d.reasons[0].code == "list_instant_info_not_disclosed"
	contains(d.reasons[0].message, "2026-11-10")
}

test_cn8_instant_information_disclosed_within_the_ordered_period_is_not_listed if {
	d := abnormal_listing.decision with input as req({"cause": "instant_info_not_disclosed", "disclosure_ordered_on": "2026-11-01", "disclosed_on": "2026-11-11"})
	d.list == false
	d.action == "none"
}

test_cn8_instant_information_disclosed_after_the_ordered_period_is_listed if {
	d := abnormal_listing.decision with input as req({"cause": "instant_info_not_disclosed", "disclosure_ordered_on": "2026-11-01", "disclosed_on": "2026-11-12"})
	d.list == true
}

# An order or a disclosure dated after as_of had not happened on as_of.
test_cn8_an_order_or_disclosure_dated_after_as_of_does_not_count if {
	later_order := abnormal_listing.decision with input as req({"cause": "instant_info_not_disclosed", "disclosure_ordered_on": "2026-11-22"})
	later_order.action == "order_disclosure"
	later_disclosure := abnormal_listing.decision with input as req({"cause": "instant_info_not_disclosed", "disclosure_ordered_on": "2026-11-01", "disclosed_on": "2026-11-22"})
	later_disclosure.list == true
}

# Unreachable at the registered domicile is a cause of the listing rules
# (企业经营异常名录管理暂行办法 第四条第（四）项), not of 条例 第十七条.
test_cn8_unreachable_cites_the_listing_rules if {
	d := abnormal_listing.decision with input as req({"cause": "unreachable_at_domicile"})
	d.list == true
	startswith(d.reasons[0].basis, "CN-8 企业经营异常名录管理暂行办法")
	contains(d.reasons[0].basis, "第四条第（四）项")
}

test_cn8_every_cause_cites_its_own_article if {
	bases := {c: d.reasons[0].basis |
		some c in ["annual_report_not_filed", "false_information", "unreachable_at_domicile"]
		d := abnormal_listing.decision with input as req({"cause": c})
	}
	contains(bases.annual_report_not_filed, "第八条")
	contains(bases.false_information, "第十七条第（二）项")
	count({b | some b in bases}) == 3
}

# Dated facts: a listing dated after as_of is not in force on as_of and never
# makes the serious list due (CN-8, three years).
test_cn8_a_listing_dated_after_as_of_does_not_count if {
	d := abnormal_listing.decision with input as with_facts({"cause": "annual_report_not_filed"}, {"listings": [
		{"list": "abnormal", "cause": "annual_report_not_filed", "listed_on": "2026-11-22"},
		{"list": "abnormal", "cause": "annual_report_not_filed", "listed_on": "2023-11-22"},
	]})
	d.serious_list_due == false
	count(d.reasons) == 1
}

test_cn8_instant_information_disclosed_before_any_order_is_not_listed if {
	d := abnormal_listing.decision with input as req({"cause": "instant_info_not_disclosed", "disclosed_on": "2026-11-20"})
	d.list == false
	d.action == "none"
	not contains(d.reasons[0].message, "责令的期限")
}
