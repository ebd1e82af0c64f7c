# National discretion over one violation (CN-4, 行政处罚法 2021 Art. 33, 36,
# 37): time bar, no fault, mandatory no-penalty for a minor violation corrected
# without harm, the discretionary first-offence waiver, and the jurisdiction's
# lists where its parameters hold them: Shanxi's no-penalty list and its
# lighter/reduced list (XZ-5), Quangang's three lists of no, lighter and
# reduced penalties (QG-7, 不予处罚及从轻、减轻处罚“三张清单”). Education
# accompanies every no-penalty outcome.
package j100000.penalty_discretion

import data.lib
import data.lib.dates

params := lib.params("penalty_discretion")

v := input.context.violation

discovered_on := object.get(v, "discovered_on", input.as_of)

# A discovery dated after as_of had not happened on the decision date: the
# time bar (Art. 36) cannot be judged from it.
discovered_later if discovered_on > input.as_of

# The time-limit rule in force when the violation ended, and the one in force
# when it was discovered; the lighter applies (Art. 37).
limit_at(day) := l if {
	some l in params.time_limits
	l.from <= day
	day <= object.get(l, "to", "9999-12-31")
}

serious_harm if v.harms_life_health_or_finance == true

limit_years(l) := l.extended_years if {
	serious_harm
	l.extended_years
} else := l.years

barred_under(l) if discovered_on > dates.shift(v.ended_on, limit_years(l), 0, 0)

time_bar := {"limit": l, "lighter_later": false} if {
	l := limit_at(v.ended_on)
	barred_under(l)
} else := {"limit": l, "lighter_later": true} if {
	l := limit_at(discovered_on)
	barred_under(l)
}

list_item := params.lists.items[v.item] if input.as_of >= params.lists.from

list_applies if {
	c := list_item.conditions
	every field, want in c {
		want_met(field, want)
	}
}

want_met(field, want) if {
	is_array(want)
	v[field] in want
}

want_met(field, want) if {
	not is_array(want)
	v[field] == want
}

education := lib.reason("education", "对当事人进行教育", params.basis.education)

# The list the item is on: Xinzhou's two Shanxi lists (XZ-5) or Quangang's
# 三张清单 of no, lighter and reduced penalties (QG-7); its name as the
# jurisdiction's parameters give it.
list_name := object.get(params.lists.names, list_item.list, list_item.list)

# An item no published list gives is an example, and the answer says so.
example_item if list_item.source == "example"

example_text := "（清单事项为示例，default, not from a published document，非正式发布的清单内容）" if example_item

else := ""

decision := lib.refusal(
	"fact_after_as_of",
	sprintf("违法行为被发现之日%s晚于决定日期%s：决定日期尚未发现该违法行为，无法据此判断是否超过行政处罚时效", [discovered_on, input.as_of]),
	{"field": "context.violation.discovered_on", "as_of": input.as_of},
) if {
	discovered_later
} else := {
	"outcome": "time_barred",
	"list": null,
	"education": true,
	"reasons": [
		lib.reason(
			"time_barred",
			sprintf("违法行为自%s终了，至%s被发现，已超过%v年，不再给予行政处罚%s", [v.ended_on, discovered_on, limit_years(time_bar.limit), lighter_text]),
			concat("；", [time_bar.limit.basis, lighter_basis]),
		),
		education,
	],
} if {
	time_bar
} else := {
	"outcome": "no_penalty",
	"list": null,
	"education": true,
	"reasons": [lib.reason("no_fault", "当事人有证据足以证明没有主观过错，不予行政处罚（法律、行政法规另有规定的除外）", params.basis.no_fault), education],
} if {
	v.fault == false
} else := {
	"outcome": "no_penalty",
	"list": null,
	"education": true,
	"reasons": [lib.reason("minor_corrected", "违法行为轻微并及时改正，没有造成危害后果，不予行政处罚", params.basis.minor), education],
} if {
	v.harm == "none"
	v.corrected_in_time == true
} else := {
	"outcome": list_item.outcome,
	"list": list_item.list,
	"education": list_item.outcome == "no_penalty",
	"item": {"code": v.item, "name": list_item.name, "source": object.get(list_item, "source", "")},
	"reasons": array.concat(
		[lib.reason(concat("", ["list_", list_item.list]), sprintf("违法事项%s（%s）列入%s，符合清单适用条件%s", [v.item, list_item.name, list_name, example_text]), lib.cite("penalty_discretion", [["lists", "items", v.item]]))],
		[education | list_item.outcome == "no_penalty"],
	),
} if {
	list_applies
} else := {
	"outcome": "may_waive",
	"list": null,
	"education": true,
	"reasons": [lib.reason("first_offense_waiver", "初次违法且危害后果轻微并及时改正，可以不予行政处罚", lib.cite("penalty_discretion", [["first_offense_from"]])), education],
} if {
	v.first_offense == true
	v.harm == "slight"
	v.corrected_in_time == true
	input.as_of >= params.first_offense_from
} else := {
	"outcome": "standard",
	"list": null,
	"education": false,
	"reasons": [lib.reason("standard", "不符合不予处罚、从轻或减轻处罚的情形，依法裁量处罚", params.basis.standard)],
}

lighter_text := "（依从旧兼从轻原则适用发现时施行的规定）" if time_bar.lighter_later

else := ""

lighter_basis := "行政处罚法 第三十七条（从旧兼从轻）" if time_bar.lighter_later

else := "行政处罚法 第三十七条"
