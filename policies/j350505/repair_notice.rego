# Quangang "两书同送 / 一处罚一告知" (QG-6): every penalty decision goes out with
# a credit-repair notice stating conditions, earliest date, procedure and channel.
package j350505.repair_notice

import data.lib
import data.lib.publicity

params := lib.params("repair_notice")

o := publicity.outcome(input.context.penalty)

earliest := o.repair_eligible_on

letter := sprintf(params.letter.repairable, [o.decision_no, o.publicity_ends_on, earliest, concat("；", params.conditions), params.procedure, params.channel]) if {
	earliest != null
} else := sprintf(params.letter.automatic, [o.decision_no, o.publicity_ends_on, params.channel]) if {
	o.publish
} else := sprintf(params.letter.unpublished, [o.decision_no])

decision := lib.refusal("rule_not_in_force", sprintf("泉港区“两书同送”自%s起施行", [params.from]), {"from": params.from}) if {
	input.as_of < params.from
} else := {
	"notice": {
		"decision_no": o.decision_no,
		"publish": o.publish,
		"publicity_ends_on": o.publicity_ends_on,
		"earliest_on": earliest,
		"auto_repair": o.auto_repair,
		"conditions": params.conditions,
		"procedure": params.procedure,
		"channel": params.channel,
		"text": letter,
	},
	"reasons": [lib.reason("repair_notice", "处罚决定书与信用修复告知书同时送达（两书同送）", lib.cite("repair_notice", [["from"]])), publicity.reason(o)],
}
