# National publicity of penalty information (CN-5, CN-6, CN-7): for the penalty
# in the context, or for every stored penalty of the enterprise, when it must
# be published, how long and when it may be repaired, with the reading behind
# each figure no document gives.
package j100000.penalty_publicity

import data.lib
import data.lib.publicity

asked := input.context.penalty

items := [publicity.outcome(asked)] if asked

else := [publicity.outcome(p) | some p in object.get(lib.enterprise, "penalties", []); p.decided_on <= input.as_of]

shown := [publicity.shown(o) | some o in items]

# With one penalty in the context its fields are also at the top level.
single := shown[0] if asked

else := {}

# A penalty decided after as_of had not been decided on the decision date:
# a stored one is left out, and one asked about is refused, as a commitment
# made after as_of is.
decision := lib.refusal(
	"dated_after_as_of",
	sprintf("处罚决定日期（%s）晚于决策日期（%s），决策日尚未作出该处罚决定", [asked.decided_on, input.as_of]),
	{"field": "context.penalty.decided_on", "date": asked.decided_on, "as_of": input.as_of},
) if {
	asked.decided_on > input.as_of
} else := object.union(single, {
	"penalties": shown,
	"reasons": array.concat([r | some o in items; some r in publicity.reasons(o)], publicity.local_reasons(items)),
})
