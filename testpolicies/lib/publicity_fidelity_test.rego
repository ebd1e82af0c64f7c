# What the publicity answer says about readings and dates no document fixes:
# the CN-7 category of a penalty (RULES CN-7), the working days of
# publication (市场监督管理行政处罚信息公示规定 第九条) and a long ban
# (第十三条).
package lib.publicity_fidelity_test

import data.j100000.penalty_publicity
import data.lib.publicity

at(day, code, chain, penalty) := {
	"as_of": day,
	"jurisdiction": {"code": code, "chain": chain},
	"context": {"penalty": penalty},
}

national(day, penalty) := at(day, "100000", ["100000"], penalty)

revocation := {
	"decision_no": "罚R",
	"decided_on": "2026-01-10",
	"kinds": ["fine", "license_revoked"],
	"fine_amount": 5000,
	"sector": "general",
	"procedure": "ordinary",
}

# RULES CN-7: 严重信息公示一至三年，满1年可申请信用修复，满3年自动移出. A penalty
# that could never leave publicity early under CN-5 Art. 14(3) is serious
# under CN-7 by the default reading, and repairable after a year.
test_cn7_serious_is_repairable_after_one_year_and_removed_at_three if {
	d := penalty_publicity.decision with input as national("2026-03-01", revocation)
	d.category == "serious"
	d.repair_eligible_on == "2027-01-10"
	d.publicity_ends_on == "2029-01-10"
	d.auto_repair == true
	contains(d.reasons[0].message, "自2027-01-10起可申请信用修复，期满自动移出")
}

# The answer names the reading and labels it a default where no document
# gives it, in the result and in the reason.
test_cn7_category_reading_is_labelled_as_a_default if {
	d := penalty_publicity.decision with input as national("2026-03-01", revocation)
	d.category_reading.rule == "serious_kind"
	startswith(d.category_reading.source, "default, not from a published document")
	contains(d.reasons[0].message, "信息类别：处罚种类含吊销营业执照，归为严重信息（默认解读，非公开文件所定）")
	contains(d.reasons[0].basis, "默认解读")
}

# A level that publishes its own reading cites it, and the answer no longer
# calls it a default.
test_cn7_a_published_reading_is_not_called_a_default if {
	params := object.union(data.params, {"350000": {"penalty_publicity": {
		"source": "闽市监〔2026〕1号",
		"regimes": {"CN-7": {"classification": {
			"serious_kinds": ["license_revoked"],
			"minor_is_light": true,
			"source": "闽市监〔2026〕1号 三",
			"basis": "FJ-9 闽市监〔2026〕1号 三",
		}}},
	}}})
	d := penalty_publicity.decision with input as at("2026-03-01", "350000", ["350000", "100000"], revocation)
		with data.params as params
	d.category_reading.source == "闽市监〔2026〕1号 三"
	not contains(d.category_reading.text, "默认")
	contains(d.reasons[0].basis, "FJ-9")
}

# Under CN-6 there is no category and so no reading.
test_cn6_has_no_category_reading if {
	d := penalty_publicity.decision with input as national("2025-06-01", object.union(revocation, {"decided_on": "2025-01-10"}))
	d.regime == "CN-6"
	d.category_reading == null
	d.repair_eligible_on == null
}

# 第九条: 自作出行政处罚决定之日起二十个工作日内; the reason names the calendar.
test_publication_due_names_the_state_council_arrangement if {
	p := object.union(revocation, {"decided_on": "2025-01-20"})
	d := penalty_publicity.decision with input as national("2025-06-01", p)
	d.publish_by == "2025-02-21"
	some r in d.reasons
	r.code == "publication_due"
	contains(r.message, "不晚于2025-02-21（工作日按国务院办公厅关于2025年部分节假日安排的通知")
	contains(r.message, "未提供公示日期，无法判断是否逾期公示")
	contains(r.basis, "第九条")
	contains(r.basis, "国办发明电〔2024〕12号")
}

# A year the calendar does not hold counts Monday to Friday, and the answer
# says so.
test_publication_due_outside_the_calendar_says_monday_to_friday if {
	p := object.union(revocation, {"decided_on": "2027-03-01", "published_on": "2027-04-01"})
	d := penalty_publicity.decision with input as national("2027-06-01", p)
	d.publish_by == "2027-03-29"
	d.publication_overdue == true
	d.publication_calendar.weekdays_only_years == ["2027"]
	some r in d.reasons
	r.code == "publication_due"
	contains(r.message, "2027年无国务院节假日安排数据，工作日按周一至周五计算")
	contains(r.message, "已于2027-04-01公示，逾期公示")
}

# A window across two years names both: the calendar's year and the year it
# lacks.
test_publication_due_across_the_calendar_end if {
	p := object.union(revocation, {"decided_on": "2026-12-20"})
	d := penalty_publicity.decision with input as national("2026-12-21", p)
	d.publish_by == "2027-01-15"
	d.publication_calendar.weekdays_only_years == ["2027"]
	count(d.publication_calendar.sources) == 1
	some r in d.reasons
	r.code == "publication_due"
	contains(r.message, "2027年无国务院节假日安排数据，按周一至周五计算")
	not contains(r.message, "定于")
}

# 第十三条: a ban longer than three years sets the publicity period.
test_long_ban_sets_the_publicity_period_and_cites_art13 if {
	p := {
		"decision_no": "罚B",
		"decided_on": "2025-01-10",
		"kinds": ["employment_ban"],
		"ban_months": 60,
		"sector": "general",
		"procedure": "ordinary",
	}
	d := penalty_publicity.decision with input as national("2025-06-01", p)
	d.publicity_ends_on == "2030-01-10"
	d.long_ban == true
	some r in d.reasons
	r.code == "publicity_long_ban"
	contains(r.basis, "第十三条")
}

# A local measure without an explanation of its start date adds nothing.
test_from_note_without_text_is_empty if {
	publicity.from_note({"from": "2023-05-10"}) == ""
	publicity.amount_text(1000000) == "1000000"
	publicity.amount_text(2000000.5) == "2000000.50"
}
