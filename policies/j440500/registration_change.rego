# Shantou credit constraint on change registrations and filings (ST-4): an entity
# marked abnormal (被标记为经营异常状态, individual businesses), or in the
# abnormal operations list or the serious illegal dishonesty list, before
# correcting the violation, is not accepted. Other applications, and any
# decision dated before the plan was issued, follow the national baseline.
package j440500.registration_change

import data.j100000.registration_change as baseline
import data.lib

params := lib.params("registration_change")

constrained_kinds := {"change", "filing"}

# blocking is every listing and mark in force: the seed names all three.
blocking := [block |
	some l in lib.active_listings
	block := {
		"list": l.list,
		"list_name": lib.list_names[l.list],
		"cause": object.get(l, "cause", null),
		"listed_on": l.listed_on,
	}
]

# how names the standing as the seed does: marked, or listed in.
how(b) := "被标记为经营异常状态" if b.list == "abnormal_mark"

else := concat("", ["被列入", b.list_name])

decision := {
	"accept": false,
	"kind": baseline.kind,
	"blocking": blocking,
	"reasons": [lib.reason(
		concat("", ["not_accepted_", b.list]),
		sprintf("该主体于%s%s，相关违法情形未改正前申请变更登记或备案，登记机关不予受理", [b.listed_on, how(b)]),
		lib.cite("registration_change", [["effective_from"]]),
	) |
		some b in blocking
	],
} if {
	input.as_of >= params.effective_from
	baseline.kind in constrained_kinds
	count(blocking) > 0
} else := baseline.decision
