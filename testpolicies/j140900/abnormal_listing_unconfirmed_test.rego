# XZ-6, 001 二(二)7: 能够通过其他方式联系、无其他违法违规行为的…暂不列入经营异常名录 —
# "no other violation" is a finding; a request that does not state it does not
# get the buffer, and the answer says what is missing.
package j140900.abnormal_listing_unconfirmed_test

import data.j140900.abnormal_listing

req(ctx) := {
	"as_of": "2026-11-21",
	"jurisdiction": {"code": "140900", "chain": ["140900", "140000", "100000"]},
	"enterprise": {},
	"context": ctx,
}

base := {"cause": "unreachable_at_domicile", "force_majeure": true, "reachable_by_other_means": true, "reasonable_explanation": true}

test_xz6_without_a_finding_on_other_violations_the_buffer_is_not_assumed if {
	d := abnormal_listing.decision with input as req(base)
	d.list
	d.reasons[0].code == "force_majeure_unconfirmed"
	contains(d.reasons[0].message, "未确认有无其他违法违规行为")
}

test_xz6_with_no_other_violations_found_the_buffer_applies if {
	d := abnormal_listing.decision with input as req(object.union(base, {"other_violations": false}))
	not d.list
	d.reasons[0].code == "force_majeure_buffer"
}
