# Quangang "两书同送 / 一处罚一告知" (QG-6): every penalty decision goes out with
# a credit-repair notice stating conditions, earliest date, procedure and channel.
# The dates are penalty_publicity's, Quangang's relaxed repair period (QG-5)
# included, and the notice gives the same reasons for them.
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

# 67号 (十一) asks the notice to state conditions, time limits and procedure
# but gives no procedure or channel: shipped wording that is an example says
# so in the answer, until the bureau's own replaces it.
example_fields := [f |
	some f in ["procedure", "channel"]
	startswith(source_of(f), "example")
]

# source_of is the label beside a notice part (procedure_source, …), else the
# block's source.
source_of(f) := object.get(params, concat("", [f, "_source"]), lib.source_of("repair_notice", [f]))

example_reasons := [lib.reason(
	"notice_text_example",
	sprintf("告知书中的%s为示例文字，非公开文件所定，须按本局实际办理方式填写", [concat("、", [{"procedure": "办理程序", "channel": "办理渠道"}[f] | some f in example_fields])]),
	lib.cite("repair_notice", [["from"]]),
) |
	count(example_fields) > 0
]

decision := lib.refusal("rule_not_in_force", sprintf("泉港区“两书同送”自%s起施行", [params.from]), {"from": params.from}) if {
	input.as_of < params.from
} else := lib.refusal(
	"dated_after_as_of",
	sprintf("处罚决定日期（%s）晚于决策日期（%s），决策日尚未作出该处罚决定，无从同时送达信用修复告知书", [input.context.penalty.decided_on, input.as_of]),
	{"field": "context.penalty.decided_on", "date": input.context.penalty.decided_on, "as_of": input.as_of},
) if {
	input.context.penalty.decided_on > input.as_of
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
		"sources": {
			"conditions": source_of("conditions"),
			"procedure": source_of("procedure"),
			"channel": source_of("channel"),
		},
	},
	"reasons": array.concat(
		[lib.reason("repair_notice", "处罚决定书与信用修复告知书同时送达（两书同送）", lib.cite("repair_notice", [["from"]]))],
		array.concat(example_reasons, publicity.reasons(o)),
	),
}
