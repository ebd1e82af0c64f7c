# A credit commitment found false (XZ-1, QG-8, ST-7): the measures, follow-up
# and publicity come from the jurisdiction's parameters under commitment_breach.
# There is no national rule, so only jurisdictions with one have a package.
package lib.commitment

import data.lib

params := lib.params("commitment_breach")

c := input.context.commitment

food_producer if "food" in object.get(lib.enterprise, "key_sectors", [])

decision := lib.refusal("rule_not_in_force", sprintf("本辖区虚假承诺处理规定自%s起施行", [params.from]), {"from": params.from}) if {
	input.as_of < params.from
} else := {
	"measures": params.measures,
	"record": true,
	"publicize": true,
	"follow_up": object.get(params, "follow_up", []),
	"reasons": array.concat(
		[lib.reason("false_commitment", sprintf("%s：%s", [c.item, params.text]), lib.cite("commitment_breach", [["measures"]]))],
		[lib.reason("food_commitment_publicity", params.food_text, lib.cite("commitment_breach", [["from"]])) |
			food_producer
			params.food_text
		],
	),
}
