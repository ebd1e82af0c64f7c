# National discretion over one violation (CN-4, 行政处罚法 2021 Art. 33, 36,
# 37): time bar, no fault, mandatory no-penalty for a minor violation corrected
# without harm, the discretionary first-offence waiver, and the jurisdiction's
# no-penalty and lighter/reduced lists where its parameters hold them (XZ-5,
# QG-7). Education accompanies every no-penalty outcome.
package j100000.penalty_discretion

import data.lib
import data.lib.dates

params := lib.params("penalty_discretion")

v := input.context.violation

discovered_on := object.get(v, "discovered_on", input.as_of)

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

decision := {
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
	"item": {"code": v.item, "name": list_item.name},
	"reasons": array.concat(
		[lib.reason(concat("", ["list_", list_item.list]), sprintf("违法事项%s（%s）列入%s，符合清单适用条件", [v.item, list_item.name, params.lists.names[list_item.list]]), lib.cite("penalty_discretion", [["lists", "items", v.item]]))],
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
