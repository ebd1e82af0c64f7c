# XZ-1, 001 二(一)2: 在日常监管中发现企业承诺不实的，依法终止办理、责令限期整改、
# 撤销行政决定或者予以行政处罚，纳入信用记录并通过公示系统公示。
# A decision is taken on input.as_of: a commitment made, or found false, after
# that day had not been made, or found false, yet.
package j140900.commitment_breach_test

import data.j140900.commitment_breach

xz(commitment) := {
	"as_of": "2026-11-21",
	"jurisdiction": {"code": "140900", "chain": ["140900", "140000", "100000"]},
	"context": {"commitment": commitment},
}

test_xz1_found_false_after_as_of_is_not_yet_found if {
	d := commitment_breach.decision with input as xz({"item": "告知承诺制审批", "made_on": "2026-01-01", "false_found_on": "2026-11-22"})
	d.error.code == "dated_after_as_of"
	d.error.details.field == "context.commitment.false_found_on"
	not d.measures
}

test_xz1_a_commitment_made_after_as_of_is_not_yet_made if {
	d := commitment_breach.decision with input as xz({"item": "告知承诺制审批", "made_on": "2026-11-22"})
	d.error.code == "dated_after_as_of"
	d.error.details.field == "context.commitment.made_on"
}

test_xz1_found_false_on_as_of_is_handled if {
	d := commitment_breach.decision with input as xz({"item": "告知承诺制审批", "made_on": "2026-01-01", "false_found_on": "2026-11-21"})
	not d.error
	[m.code | some m in d.measures] == ["terminate_processing", "order_rectification", "revoke_decision", "penalty"]
}
