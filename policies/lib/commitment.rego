# A credit commitment found false (XZ-1, QG-8, ST-7): the measures, follow-up
# and publicity come from the jurisdiction's parameters under commitment_breach.
# There is no national rule, so only jurisdictions with one have a package.
package lib.commitment

import data.lib

params := lib.params("commitment_breach")

c := input.context.commitment

# ST-7 推动食品生产企业等…主动公示信用承诺 addresses food producers: a food
# business that only distributes or caters is not one.
food_producer if "food" in lib.sectors_worked(true)

# The decision is taken on input.as_of: a commitment made, or found false,
# after that day had not been made, or found false, on it.
late := [[field, c[field]] |
	some field in ["made_on", "false_found_on"]
	c[field] > input.as_of
]

date_texts := {
	"made_on": ["承诺日期", "决策日尚未作出该承诺"],
	"false_found_on": ["发现承诺不实日期", "决策日尚未发现承诺不实"],
}

decision := lib.refusal("rule_not_in_force", sprintf("本辖区虚假承诺处理规定自%s起施行", [params.from]), {"from": params.from}) if {
	input.as_of < params.from
} else := lib.refusal(
	"dated_after_as_of",
	sprintf("%s（%s）晚于决策日期（%s），%s", [date_texts[late[0][0]][0], late[0][1], input.as_of, date_texts[late[0][0]][1]]),
	{"field": concat(".", ["context.commitment", late[0][0]]), "date": late[0][1], "as_of": input.as_of},
) if {
	count(late) > 0
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
