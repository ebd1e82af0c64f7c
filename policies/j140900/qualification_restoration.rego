# Xinzhou: restoring the business qualification of a company whose licence was
# revoked for not opening or for stopping on its own (XZ-10).
package j140900.qualification_restoration

import data.lib

params := lib.params("qualification_restoration")

r := input.context.revocation

company if lib.enterprise.entity_type == "company"

company if not lib.enterprise.entity_type

# The texts name the months as {months}: the number is written once.
basis := lib.cite("qualification_restoration", [["months"], ["from"]])

# "超过六个月" excludes six months itself; "连续六个月以上" includes it.
qualifying_reason if {
	r.reason == "not_opened"
	r.months > params.months
}

qualifying_reason if {
	r.reason == "self_suspended"
	r.months >= params.months
}

blockers contains "entity_type" if not company

blockers contains "reason" if not qualifying_reason

blockers contains "other_violations" if r.other_violations == true

# 无其他违法行为 is a finding: a request that does not state it is not eligible yet.
blockers contains "other_violations_unconfirmed" if {
	not r.other_violations == true
	not r.other_violations == false
}

blockers contains "no_wish_to_continue" if r.wishes_to_continue != true

decision := lib.refusal("rule_not_in_force", sprintf("忻州市恢复经营资格措施自%s起施行", [params.from]), {"from": params.from}) if {
	input.as_of < params.from
} else := {
	"eligible": true,
	"steps": params.steps,
	"reasons": [lib.reason("restorable", lib.render(params.eligible_text, [params]), basis)],
} if {
	count(blockers) == 0
} else := {
	"eligible": false,
	"steps": [],
	"blocking": sort(blockers),
	"reasons": [lib.reason(concat("", ["not_restorable_", b]), lib.render(params.blocker_text[b], [params]), basis) | some b in sort(blockers)],
}
