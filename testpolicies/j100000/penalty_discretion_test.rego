# CN-4 penalty discretion (行政处罚法 2021 第三十三条、第三十六条、第三十七条).
package j100000.penalty_discretion_test

import data.j100000.penalty_discretion

req(as_of, violation) := {
	"as_of": as_of,
	"jurisdiction": {"code": "100000", "chain": ["100000"]},
	"context": {"violation": violation},
}

# 第三十六条 “违法行为在二年内未被发现的，不再给予行政处罚”: a discovery dated
# after as_of had not happened on the decision date and must not decide the
# time bar (before, it made the violation time-barred on as_of).
test_cn4_a_discovery_dated_after_as_of_does_not_count if {
	d := penalty_discretion.decision with input as req("2024-06-01", {"ended_on": "2023-01-01", "discovered_on": "2025-06-01", "harm": "serious", "fault": true})
	d.error.code == "fact_after_as_of"
	d.error.details.field == "context.violation.discovered_on"
}

test_cn4_a_discovery_on_as_of_counts if {
	d := penalty_discretion.decision with input as req("2025-06-01", {"ended_on": "2023-01-01", "discovered_on": "2025-06-01", "harm": "serious", "fault": true})
	d.outcome == "time_barred"
}
