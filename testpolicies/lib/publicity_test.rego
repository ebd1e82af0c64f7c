# CN-6/CN-7 regimes and 从旧兼从轻 (行政处罚法 Art. 37) in lib.publicity.
package lib.publicity_test

import data.lib.publicity

at(day) := {"as_of": day, "jurisdiction": {"code": "100000", "chain": ["100000"]}}

fine(amount, sector, decided) := {
	"decision_no": "t",
	"decided_on": decided,
	"kinds": ["fine"],
	"fine_amount": amount,
	"sector": sector,
	"procedure": "ordinary",
}

test_regime_boundaries if {
	publicity.regime_at("2025-12-24") == "CN-6" with input as at("2025-12-24")
	publicity.regime_at("2025-12-25") == "CN-7" with input as at("2025-12-25")
	publicity.regime_at("2020-01-01") == "CN-6" with input as at("2020-01-01")
}

test_same_penalty_before_and_after_cn7 if {
	p := fine(20000, "general", "2025-03-01")
	before := publicity.outcome(p) with input as at("2025-12-24")
	before.regime == "CN-6"
	before.repair_eligible_on == "2025-09-01"
	after := publicity.outcome(p) with input as at("2025-12-25")
	after.regime == "CN-7"
	after.applied == "later_lighter"
	after.repair_eligible_on == "2025-06-01"
}

test_food_one_year_general_six_months_under_cn6 if {
	food := publicity.outcome(fine(20000, "food", "2025-03-01")) with input as at("2025-06-01")
	general := publicity.outcome(fine(20000, "general", "2025-03-01")) with input as at("2025-06-01")
	food.repair_eligible_on == "2026-03-01"
	general.repair_eligible_on == "2025-09-01"
}

test_lighter_is_not_published_then_earlier_end if {
	unpublished := {"publish": false}
	early := {"publish": true, "publicity": {"months": 3}, "wait": null, "auto_repair": false}
	late := {"publish": true, "publicity": {"years": 1}, "wait": {"months": 3}, "auto_repair": true}
	publicity.weight(unpublished, 0) < publicity.weight(early, 0)
	publicity.weight(early, 0) < publicity.weight(late, 0)

	# A long ban ends publicity where it outlasts the period.
	publicity.weight(late, 0) < publicity.weight(early, 36)
}

# 民法典 第二百零二条: a penalty decided on 31 August with six months before it
# may be repaired (CN-6, general) becomes repairable on 28 February, the
# last day of the end month, not on 3 March.
test_civil_code_art202_period_from_a_month_end if {
	general := publicity.outcome(fine(20000, "general", "2025-08-31")) with input as at("2025-12-01")
	general.repair_eligible_on == "2026-02-28"
}
