# 民法典 第二百零二条: 按照年、月计算期间的，到期月的对应日为期间的最后一日；
# 没有对应日的，月末日为期间的最后一日. A period of years from 29 February
# ends on 28 February as a period from 1 March ends on 1 March: every rule
# that asks whether years have run from a dated fact counts them forward from
# the fact, so a leap-day fact is treated as every other.
package lib.period_reached_test

import data.j100000.abnormal_listing
import data.j100000.repair_application
import data.j230000.convenience_measures
import data.j440500.risk_alerts
import data.lib.dates

req(code, chain, as_of, facts, ctx) := {
	"as_of": as_of,
	"jurisdiction": {"code": code, "chain": chain},
	"enterprise": facts,
	"context": ctx,
}

test_civil_code_art202_a_year_from_a_leap_day_is_reached_on_28_february if {
	dates.reached("2024-02-29", 1, 0) with input.as_of as "2025-02-28"
	not dates.reached("2024-02-29", 1, 0) with input.as_of as "2025-02-27"
	dates.reached("2024-03-01", 1, 0) with input.as_of as "2025-03-01"
	not dates.reached("2024-03-01", 1, 0) with input.as_of as "2025-02-28"
	dates.reached("2025-11-30", 0, 3) with input.as_of as "2026-02-28"
}

serious_listing(on) := {"listings": [{"list": "serious_dishonest", "cause": "严重违法", "listed_on": on, "removed_on": null}]}

serious_repair := {"application": {"record": "serious_list", "basic_conditions_met": true, "main_materials_complete": true}}

# CN-6/CN-7: early removal from the serious list after at least one year
# listed; a listing of 2024-02-29 has its year on 2025-02-28.
test_cn6_serious_list_year_from_a_leap_day_is_reached_on_28_february if {
	d := repair_application.decision with input as req("100000", ["100000"], "2025-02-28", serious_listing("2024-02-29"), serious_repair)
	d.accept == true
	e := repair_application.decision with input as req("100000", ["100000"], "2025-02-27", serious_listing("2024-02-29"), serious_repair)
	e.accept == false
	some r in e.reasons
	r.code == "serious_list_too_recent"
}

abnormal_since(on) := {"listings": [{"list": "abnormal", "cause": "annual_report_not_filed", "listed_on": on, "removed_on": null}]}

# CN-8: still in the abnormal list after three years → the serious list is
# due, on the same day of the period for a leap-day listing as for any other.
test_cn8_three_years_from_a_leap_day_listing_end_on_28_february if {
	d := abnormal_listing.decision with input as req("100000", ["100000"], "2027-02-28", abnormal_since("2024-02-29"), {"cause": "annual_report_not_filed"})
	d.serious_list_due == true
	e := abnormal_listing.decision with input as req("100000", ["100000"], "2027-02-27", abnormal_since("2024-02-29"), {"cause": "annual_report_not_filed"})
	e.serious_list_due == false
	f := abnormal_listing.decision with input as req("100000", ["100000"], "2026-02-28", abnormal_since("2023-02-28"), {"cause": "annual_report_not_filed"})
	f.serious_list_due == true
}

# HLJ-7 (default criteria: no penalty within the past year): a penalty of
# 2024-02-29 is a year old on 2025-02-28.
test_hlj7_a_leap_day_penalty_leaves_the_past_year_on_28_february if {
	facts := {"risk_class": "A", "penalties": [{"decision_no": "罚1", "decided_on": "2024-02-29", "kinds": ["fine"], "fine_amount": 5000, "sector": "general", "procedure": "ordinary"}]}
	d := convenience_measures.decision with input as req("230000", ["230000", "100000"], "2025-02-28", facts, {})
	count(d.eligible) > 0
	e := convenience_measures.decision with input as req("230000", ["230000", "100000"], "2025-02-27", facts, {})
	e.eligible == []
}

# ST-5 (default threshold: two penalties within two years): a penalty of
# 2024-02-29 is out of the two years on 2026-02-28.
test_st5_a_leap_day_penalty_leaves_the_two_years_on_28_february if {
	facts := {
		"key_sectors": ["food"], "production_sectors": ["food"],
		"penalties": [
			{"decision_no": "罚1", "decided_on": "2024-02-29", "kinds": ["fine"], "fine_amount": 5000, "sector": "food", "procedure": "ordinary"},
			{"decision_no": "罚2", "decided_on": "2025-06-01", "kinds": ["fine"], "fine_amount": 5000, "sector": "food", "procedure": "ordinary"},
		],
	}
	d := risk_alerts.decision with input as req("440500", ["440500", "440000", "100000"], "2026-02-28", facts, {})
	d.alerts == []
	e := risk_alerts.decision with input as req("440500", ["440500", "440000", "100000"], "2026-02-27", facts, {})
	count(e.alerts) == 1
}
