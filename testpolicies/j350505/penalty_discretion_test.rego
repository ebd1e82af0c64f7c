# QG-7: 泉港市监〔2023〕46号 12 “落实不予处罚及从轻、减轻处罚‘三张清单’”.
package j350505.penalty_discretion_test

import data.j350505.penalty_discretion

qg(violation) := {
	"as_of": "2026-11-21",
	"jurisdiction": {"code": "350505", "chain": ["350505", "350500", "350000", "100000"]},
	"context": {"violation": violation},
}

# Three lists, not two: 不予处罚, 从轻处罚 and 减轻处罚 each decide on their own.
test_qg7_three_lists_give_three_outcomes if {
	none := penalty_discretion.decision with input as qg({"item": "FJ-DJ-001", "first_offense": true, "harm": "slight", "corrected_in_time": true, "fault": true})
	none.outcome == "no_penalty"
	none.list == "no_penalty"
	lighter := penalty_discretion.decision with input as qg({"item": "FJ-DJ-002", "first_offense": false, "harm": "slight", "corrected_in_time": true, "fault": true})
	lighter.outcome == "lighter"
	lighter.list == "lighter"
	reduced := penalty_discretion.decision with input as qg({"item": "FJ-DJ-003", "first_offense": true, "harm": "slight", "corrected_in_time": false, "fault": true})
	reduced.outcome == "reduced"
	reduced.list == "reduced"
	contains(reduced.reasons[0].message, "减轻处罚清单")
	startswith(reduced.reasons[0].basis, "QG-7 ")
}

# No document names a 登记注册领域 list; the items are examples, and the answer
# says so (示例, default, not from a published document).
test_qg7_list_names_are_the_seeds_and_example_items_say_so if {
	d := penalty_discretion.decision with input as qg({"item": "FJ-DJ-002", "first_offense": false, "harm": "slight", "corrected_in_time": true, "fault": true})
	every r in d.reasons {
		not contains(r.message, "登记注册领域")
	}
	contains(d.reasons[0].message, "“三张清单”之从轻处罚清单")
	contains(d.reasons[0].message, "示例")
	contains(d.reasons[0].message, "default, not from a published document")
	d.item.source == "example"
}
