# Shantou credit constraint on change registrations and filings (ST-4): an entity
# in the abnormal operations list or the serious illegal dishonesty list, before
# correcting the violation, is not accepted. Other applications, and any
# decision dated before the plan was issued, follow the national baseline.
package j440500.registration_change

import data.j100000.registration_change as baseline
import data.lib

params := lib.params("registration_change")

constrained_kinds := {"change", "filing"}

decision := {
	"accept": false,
	"kind": baseline.kind,
	"blocking": baseline.blocking,
	"reasons": [lib.reason(
		concat("", ["not_accepted_", b.list]),
		sprintf("该主体于%s被列入%s，相关违法情形未改正前申请变更登记或备案，登记机关不予受理", [b.listed_on, b.list_name]),
		lib.cite("registration_change", [["effective_from"]]),
	) |
		some b in baseline.blocking
	],
} if {
	input.as_of >= params.effective_from
	baseline.kind in constrained_kinds
	count(baseline.blocking) > 0
} else := baseline.decision
