# National publicity of penalty information (CN-5, CN-6, CN-7): for the penalty
# in the context, or for every stored penalty of the enterprise.
package j100000.penalty_publicity

import data.lib
import data.lib.publicity

asked := input.context.penalty

items := [publicity.outcome(asked)] if asked

else := [publicity.outcome(p) | some p in object.get(lib.enterprise, "penalties", [])]

shown := [object.remove(o, ["why"]) | some o in items]

# With one penalty in the context its fields are also at the top level.
single := shown[0] if asked

else := {}

decision := object.union(single, {
	"penalties": shown,
	"reasons": array.concat([publicity.reason(o) | some o in items], publicity.local_reasons(items)),
})
