# XZ-5: 忻市监信用〔2023〕32号 二(二)7 “严格执行《山西省市场监管领域包容免罚清单》
# 《山西省市场监督管理部门轻微违法从轻减轻行政处罚事项清单》”.
package j140900.penalty_discretion_test

import data.j140900.penalty_discretion

xz(violation) := {
	"as_of": "2026-11-21",
	"jurisdiction": {"code": "140900", "chain": ["140900", "140000", "100000"]},
	"context": {"violation": violation},
}

# The two Shanxi lists keep their published names; their items are examples
# and the answer says so.
test_xz5_published_list_names_and_example_items if {
	d := penalty_discretion.decision with input as xz({"item": "SX-CQ-001", "first_offense": false, "harm": "slight", "corrected_in_time": false, "fault": true})
	d.outcome == "lighter_or_reduced"
	contains(d.reasons[0].message, "《山西省市场监督管理部门轻微违法从轻减轻行政处罚事项清单》")
	contains(d.reasons[0].message, "default, not from a published document")
	d.item.source == "example"
}
