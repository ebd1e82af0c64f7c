# XZ-10, 001 二(三)8: …无其他违法行为、有继续经营意愿的，可申请恢复 — "no other violation"
# is a finding the request must state; without it the answer is not eligible
# and names what is missing.
package j140900.qualification_unconfirmed_test

import data.j140900.qualification_restoration

req(revocation) := {
	"as_of": "2026-11-21",
	"jurisdiction": {"code": "140900", "chain": ["140900", "140000", "100000"]},
	"enterprise": {"entity_type": "company"},
	"context": {"revocation": revocation},
}

test_xz10_no_other_violation_must_be_found_not_assumed if {
	d := qualification_restoration.decision with input as req({"reason": "not_opened", "months": 7, "wishes_to_continue": true})
	not d.eligible
	d.blocking == ["other_violations_unconfirmed"]
	contains(d.reasons[0].message, "未确认有无其他违法行为")
}

test_xz10_eligible_once_no_other_violation_is_found if {
	d := qualification_restoration.decision with input as req({"reason": "not_opened", "months": 7, "wishes_to_continue": true, "other_violations": false})
	d.eligible
}
