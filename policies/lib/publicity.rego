# Publicity of administrative penalty information and when it can be repaired
# (CN-5, CN-6, CN-7), per penalty. Two national regimes carry effective
# periods in params (penalty_publicity.regimes); a penalty is assessed under
# the regime in force when it was decided and, if a later regime is in force on
# input.as_of, under that one too, and the lighter result for the party applies
# (行政处罚法 Art. 37, 从旧兼从轻). Under CN-7 the answer names the reading that
# put the penalty in its category, a default where no document gives one. A
# ban longer than three years sets the publicity period (CN-5 Art. 13), and
# every published penalty is due within 20 working days of the decision
# (Art. 9), counted under the State Council's holiday arrangements. Quangang's
# measures (QG-5) repair light information without application and relax
# the wait before repair.
package lib.publicity

import data.lib
import data.lib.dates

params := lib.params("penalty_publicity")

key_sectors := {"food", "drug", "special_equipment"}

# regime_at is the name of the regime in force on day; days before the first
# regime fall under it too (earlier rules are not encoded).
regime_at(day) := name if {
	some name, r in params.regimes
	r.from <= day
	day <= object.get(r, "to", "9999-12-31")
} else := params.earliest_regime

# The helpers below take a penalty's facts as plain values, read once by
# outcome: OPA builds a cache key from every argument of a function call, and
# an object argument costs a copy at each call.

# light: 通报批评 or a lower fine only (CN-5 Art. 13), warnings allowed beside them.
light(kinds, fine) if {
	kinds != {"warning"}
	count(kinds - {"warning", "notice_of_criticism", "fine"}) == 0
	lower_or_no_fine(kinds, fine)
} else := false

lower_or_no_fine(kinds, _) if not "fine" in kinds

lower_or_no_fine(kinds, fine) if {
	"fine" in kinds
	fine <= params.lower_fine.max
}

# never_early: kinds whose publicity is never stopped early (CN-5 Art. 14(3)).
never_early(kinds) if {
	some k in kinds
	k in params.never_early_kinds
}

# A warning alone and a penalty decided by the simplified procedure are not
# published.
published(kinds, procedure) if {
	procedure == "ordinary"
	kinds != {"warning"}
} else := false

# A ban or restriction longer than three years sets the publicity period
# to its own length (CN-5 Art. 13); a light penalty carries none. ban_length
# is the length of such a ban, else 0.
ban_length(ban_months, light) := ban_months if {
	ban_months > params.long_ban.over_months
	not light
} else := 0

# ends is the end of publicity for a period and whether the ban set it: the
# ban's end where a long ban ends later than the period.
ends(start, ban, period) := [ban_end, true] if {
	ban > 0
	ban_end := dates.shift(start, 0, ban, 0)
	ban_end > after(start, period)
} else := [after(start, period), false]

# category under CN-7: minor 轻微, moderate 一般, serious 严重, with the
# reading that put the penalty there. CN-7 names the categories but no
# document says which penalties fall in each: the reading is a parameter
# (regimes.CN-7.classification, serious_fine) and the answer names it.
cn7 := params.regimes["CN-7"]

category(kinds, fine, light) := ["serious", "serious_kind"] if {
	some k in kinds
	k in cn7.classification.serious_kinds
} else := ["serious", "serious_fine"] if {
	fine >= cn7.serious_fine.min
} else := ["minor", "light"] if {
	cn7.classification.minor_is_light == true
	light
} else := ["moderate", "other"]

reading_path := {
	"serious_kind": ["regimes", "CN-7", "classification", "serious_kinds"],
	"serious_fine": ["regimes", "CN-7", "serious_fine", "min"],
	"light": ["regimes", "CN-7", "classification", "minor_is_light"],
	"other": ["regimes", "CN-7", "classification"],
}

reading(kinds, fine, rule) := {
	"rule": rule,
	"text": concat("", [reading_text(kinds, fine, rule), default_label(source)]),
	"source": source,
} if {
	source := lib.source_of("penalty_publicity", reading_path[rule])
}

reading_text(kinds, _, "serious_kind") := sprintf("处罚种类含%s，归为严重信息", [concat("、", [kind_names[k] | some k in cn7.classification.serious_kinds; k in kinds])])

reading_text(_, fine, "serious_fine") := sprintf("罚款%s元，不低于%s元，归为严重信息", [amount_text(fine), amount_text(cn7.serious_fine.min)])

# amount_text writes an amount in yuan without an exponent (1000000, not
# 1e+06), to the fen where it has one.
amount_text(x) := format_int(x, 10) if x == round(x)

else := sprintf("%.2f", [x])

reading_text(_, _, "light") := "仅受通报批评或较低数额罚款，归为轻微信息"

reading_text(_, _, "other") := "不属于严重、轻微信息的情形，归为一般信息"

# default_label marks a reading or figure no published document gives.
default_label(source) := "（默认解读，非公开文件所定）" if startswith(source, "default")

else := ""

kind_names := {
	"warning": "警告",
	"notice_of_criticism": "通报批评",
	"fine": "罚款",
	"confiscation": "没收违法所得、没收非法财物",
	"suspension_of_business": "责令停产停业",
	"restriction_of_production": "限制开展生产经营活动",
	"employment_ban": "限制从业",
	"qualification_lowered": "降低资质等级",
	"permit_revoked": "吊销许可证件",
	"license_revoked": "吊销营业执照",
	"detention": "行政拘留",
}

after(day, period) := dates.shift(day, object.get(period, "years", 0), object.get(period, "months", 0), 0)

# plan is the outcome for a penalty under regime name before any date is
# counted: which regime is lighter follows from the lengths of its periods,
# so only the regime applied has its dates counted. wait is the period before
# repair may be requested (null when it may not be), for a jurisdiction that
# relaxes it (QG-5); it is not shown.
plan(name, published, kinds, fine, sector, light) := {"regime": name, "publish": false} if {
	not published
} else := plan_cn6(kinds, sector, light) if {
	name == "CN-6"
} else := plan_cn7(kinds, fine, light)

cn6 := params.regimes["CN-6"]

plan_cn6(kinds, sector, light) := {"regime": "CN-6", "publish": true, "why": "light", "publicity": cn6.light_publicity, "wait": null, "auto_repair": false} if {
	light
} else := {"regime": "CN-6", "publish": true, "why": "never_early", "publicity": cn6.publicity, "wait": null, "auto_repair": false} if {
	never_early(kinds)
} else := {"regime": "CN-6", "publish": true, "why": "key_sector", "publicity": cn6.publicity, "wait": cn6.repair_after_key_sector, "auto_repair": false} if {
	sector in key_sectors
} else := {"regime": "CN-6", "publish": true, "why": "general", "publicity": cn6.publicity, "wait": cn6.repair_after, "auto_repair": false}

# Under CN-7 every category may leave publicity early or at its end: serious
# information too may be repaired after its period (RULES CN-7), whatever
# CN-5 Art. 14(3) said under the earlier regime.
plan_cn7(kinds, fine, light) := {"regime": "CN-7", "publish": true, "why": c, "rule": rule, "publicity": r.publicity, "wait": object.get(r, "repair_after", null), "auto_repair": true} if {
	[c, rule] := category(kinds, fine, light)
	r := cn7.categories[c]
}

# assess counts the dates of plan p for a penalty whose publicity starts on
# start.
assess(p, start, ban, kinds, fine) := {
	"regime": p.regime,
	"publish": false,
	"publicity_ends_on": null,
	"long_ban": false,
	"repair_eligible_on": null,
	"wait": null,
	"auto_repair": false,
	"category": null,
	"category_reading": null,
	"why": "not_published",
} if {
	not p.publish
} else := shaped(start, ban, "CN-6", p.why, p.publicity, p.wait) if {
	p.regime == "CN-6"
} else := object.union(shaped(start, ban, "CN-7", p.why, p.publicity, p.wait), {
	"auto_repair": true,
	"category": p.why,
	"category_reading": reading(kinds, fine, p.rule),
})

shaped(start, ban, regime, why, publicity, wait) := {
	"regime": regime,
	"publish": true,
	"publicity_ends_on": ends_on,
	"long_ban": by_ban,
	"repair_eligible_on": repair_on(start, wait),
	"wait": wait,
	"auto_repair": false,
	"category": null,
	"category_reading": null,
	"why": why,
} if {
	[ends_on, by_ban] := ends(start, ban, publicity)
}

repair_on(_, null) := null

repair_on(start, wait) := after(start, wait) if wait != null

# weight orders plans from lightest for the party: not published, then
# earlier end of publicity, earlier repair, automatic removal. Every period
# runs from the same start and one more month ends it in a later month
# (dates.shift), so periods compare as their dates would by their length in
# months; ban is the length of a long ban, which ends publicity where it is
# the longer (ends), else 0.
weight(p, ban) := [0, 0, 0, 0] if {
	not p.publish
} else := [1, max([ban, months(p.publicity)]), repair_months(p.wait), auto_key(p)]

# A period after which repair may never be requested is longer than any.
repair_months(null) := 1e18

repair_months(wait) := months(wait) if wait != null

auto_key(p) := 0 if p.auto_repair

else := 1

# outcome assesses penalty p on input.as_of, choosing between the regime in
# force when it was decided and the one in force now, then applies the
# jurisdiction's own measures and adds when publication is due. The measures
# give only the fields they change, merged in one step rather than each
# copying the outcome.
outcome(p) := object.union_n([
	o,
	local(o.why),
	relaxed(o.wait, o.repair_eligible_on, start),
	due(p.decided_on, published_on, o.publish),
	{"decision_no": p.decision_no, "decided_on": p.decided_on, "published_on": published_on, "applied": applied},
]) if {
	published_on := object.get(p, "published_on", null)
	start := object.get(p, "published_on", p.decided_on)
	kinds := {k | some k in p.kinds}
	fine := object.get(p, "fine_amount", 0)
	light_only := light(kinds, fine)
	ban := ban_length(object.get(p, "ban_months", 0), light_only)
	then := regime_at(p.decided_on)
	now := regime_at(input.as_of)
	[pl, applied] := pick(
		then, now, [
			published(kinds, object.get(p, "procedure", "ordinary")), kinds, fine,
			object.get(p, "sector", "general"), light_only,
		],
		ban,
	)
	o := assess(pl, start, ban, kinds, fine)
}

# shown is an outcome as the answer gives it.
shown(o) := object.remove(o, ["why", "wait"])

# pick plans under the later regime only when it differs: a function's
# arguments are evaluated before the call, an else branch only when reached.
pick(then, now, [published, kinds, fine, sector, light], ban) := [plan(then, published, kinds, fine, sector, light), "in_force"] if {
	then == now
} else := choose(plan(then, published, kinds, fine, sector, light), plan(now, published, kinds, fine, sector, light), ban)

# local applies a jurisdiction's automatic repair of light penalty information
# (QG-5 免申自动修复) where its parameters switch it on.
local(why) := {"auto_repair": true, "why": "light_auto"} if {
	why == "light"
	input.as_of >= params.auto_repair_light.from
} else := {}

# relaxed applies a jurisdiction's relaxed repair period (QG-5 放宽修复期限):
# the wait before repair may be requested is shortened, never below the
# minimum; information that may not be repaired early stays so.
relaxed(wait, repair_on, start) := {
	"repair_eligible_on": after(start, {"months": m}),
	"repair_relaxed": {
		"regular_repair_eligible_on": repair_on,
		"shorten_by": rp.shorten_by,
		"min_wait": rp.min_wait,
		"source": lib.source_of("penalty_publicity", ["relaxed_repair_period", "shorten_by"]),
	},
} if {
	rp := params.relaxed_repair_period
	input.as_of >= rp.from
	wait != null
	m := max([months(wait) - months(rp.shorten_by), months(rp.min_wait)])
	m < months(wait)
} else := {"repair_relaxed": null}

months(period) := (object.get(period, "years", 0) * 12) + object.get(period, "months", 0)

# due is when a published penalty must be published (CN-5 Art. 9: within
# the working days of publication.within_working_days of the decision,
# counted under the State Council's holiday arrangements in
# working_day_calendar) and whether that was missed on input.as_of: known
# only when the publication date is.
due(_, _, false) := {"publish_by": null, "publication_overdue": null, "publication_calendar": null}

due(decided_on, published_on, true) := {
	"publish_by": by,
	"publication_overdue": overdue(published_on, by),
	"publication_calendar": {
		"sources": [calendar[y].source | some y in calendar_years(decided_on, by)],
		"weekdays_only_years": dates.calendar_gaps(decided_on, by, calendar),
	},
} if {
	by := dates.add_working_days(decided_on, params.publication.within_working_days, calendar)
}

calendar := object.get(params, "working_day_calendar", {})

calendar_years(from, to) := sort([y | some y, _ in calendar; y >= substring(from, 0, 4); y <= substring(to, 0, 4)])

overdue(null, _) := null

overdue(on, by) := on > by if {
	on != null
	on <= input.as_of
} else := input.as_of > by if on != null

# local_reasons cite local rules in force that restate or refine the regime
# applied. A rule's text names the values it restates as placeholders; where
# a level below the rule's own sets one of them, the rule no longer describes
# what decided and is not cited.
local_reasons(items) := [reason | some reason in {lib.reason(r.code, lib.render(r.text, [r, params]), r.basis) |
	some r in object.get(params, "local_rules", [])
	input.as_of >= r.from
	not lib.overridden("penalty_publicity", ["local_rules"], lib.placeholders(r.text))
	some o in items
	o.regime in r.regimes
	o.publish
}]

choose(a, b, ban) := [b, "later_lighter"] if {
	weight(b, ban) < weight(a, ban)
} else := [a, "in_force_when_decided"]

# reasons explain one assessed penalty: the outcome, then what refined it
# (a long ban, a relaxed repair period) and when publication is due.
reasons(o) := array.concat([reason(o)], [r | some r in [ban_reason(o), relaxed_reason(o), due_reason(o)]; r != null])

# reason explains one assessed penalty in Chinese with its basis.
reason(o) := lib.reason(
	concat("", ["publicity_", o.why]),
	sprintf("处罚决定%s：%s%s%s", [o.decision_no, outcome_text(o), reading_note(o), applied_text[o.applied]]),
	lib.join_bases([citation[o.regime][cited(o)], applied_basis[o.applied]]),
)

# cited is the outcome whose parameters the reason cites: for serious
# information, the reading that made it serious.
cited(o) := o.category_reading.rule if {
	o.why == "serious"
} else := o.why

reading_note(o) := sprintf("；信息类别：%s", [o.category_reading.text]) if o.category_reading != null

else := ""

ban_reason(o) := lib.reason(
	"publicity_long_ban",
	sprintf("处罚决定%s：限制从业等期限超过%v个月，公示期与限制期限相同，公示至%s", [o.decision_no, params.long_ban.over_months, o.publicity_ends_on]),
	lib.cite("penalty_publicity", [["long_ban", "over_months"]]),
) if o.long_ban

else := null

relaxed_reason(o) := lib.reason(
	"repair_period_relaxed",
	sprintf("处罚决定%s：放宽修复期限，可申请信用修复之日由%s提前至%s（等待期缩短%s，最短%s%s）%s", [
		o.decision_no, o.repair_relaxed.regular_repair_eligible_on, o.repair_eligible_on,
		lib.show(o.repair_relaxed.shorten_by), lib.show(o.repair_relaxed.min_wait),
		default_figure(o.repair_relaxed.source), relaxed_from_note,
	]),
	lib.cite("penalty_publicity", [["relaxed_repair_period"]]),
) if o.repair_relaxed != null

else := null

default_figure(source) := "；缩短幅度与最短等待期为默认值，非公开文件所定" if startswith(source, "default")

else := ""

# from_note gives a local measure's start date as its parameters explain it;
# rendered once per decision, not once per penalty.
from_note(block) := sprintf("（%s）", [lib.render(block.from_text, [block])]) if block.from_text

else := ""

relaxed_from_note := from_note(params.relaxed_repair_period)

auto_repair_from_note := from_note(params.auto_repair_light)

due_reason(o) := lib.reason(
	"publication_due",
	sprintf("处罚决定%s：应自作出处罚决定之日（%s）起%v个工作日内公示，即不晚于%s%s%s", [
		o.decision_no, o.decided_on, params.publication.within_working_days, o.publish_by,
		calendar_text(o.publication_calendar), overdue_text(o),
	]),
	lib.join_bases(array.concat(
		[lib.cite("penalty_publicity", [["publication", "within_working_days"]])],
		[lib.cite("penalty_publicity", [["working_day_calendar", y]]) | some y in calendar_years(o.decided_on, o.publish_by)],
	)),
) if o.publish

else := null

calendar_text(c) := sprintf("（工作日按%s计算）", [concat("、", c.sources)]) if {
	count(c.weekdays_only_years) == 0
} else := sprintf("（工作日按%s计算；%s年无国务院节假日安排数据，按周一至周五计算）", [concat("、", c.sources), concat("、", c.weekdays_only_years)]) if {
	count(c.sources) > 0
} else := sprintf("（%s年无国务院节假日安排数据，工作日按周一至周五计算）", [concat("、", c.weekdays_only_years)])

overdue_text(o) := "；未提供公示日期，无法判断是否逾期公示" if {
	o.publication_overdue == null
} else := sprintf("；已于%s公示，逾期公示", [o.published_on]) if {
	o.publication_overdue
	o.published_on <= input.as_of
} else := sprintf("；截至%s尚未公示，已逾期", [input.as_of]) if {
	o.publication_overdue
} else := sprintf("；已于%s公示，未逾期", [o.published_on]) if {
	o.published_on <= input.as_of
} else := sprintf("；定于%s公示，截至%s未逾期", [o.published_on, input.as_of])

# decided_by lists, per regime and outcome, the parameters that set the
# outcome: the reason cites the level that set each of them, so a county's
# own period cites the county's document.
decided_by := {
	"CN-6": {
		"not_published": [["regimes", "CN-6", "from"]],
		"light": [["regimes", "CN-6", "light_publicity"], ["lower_fine", "max"]],
		"light_auto": [["regimes", "CN-6", "light_publicity"], ["lower_fine", "max"], ["auto_repair_light"]],
		"never_early": [["regimes", "CN-6", "publicity"], ["never_early_kinds"]],
		"key_sector": [["regimes", "CN-6", "publicity"], ["regimes", "CN-6", "repair_after_key_sector"]],
		"general": [["regimes", "CN-6", "publicity"], ["regimes", "CN-6", "repair_after"]],
	},
	"CN-7": {
		"not_published": [["regimes", "CN-7", "from"]],
		"minor": [["regimes", "CN-7", "categories", "minor"], ["regimes", "CN-7", "classification"], ["lower_fine", "max"]],
		"moderate": [["regimes", "CN-7", "categories", "moderate"], ["regimes", "CN-7", "classification"]],
		"serious_kind": [["regimes", "CN-7", "categories", "serious"], ["regimes", "CN-7", "classification"]],
		"serious_fine": [["regimes", "CN-7", "categories", "serious"], ["regimes", "CN-7", "serious_fine"]],
	},
}

# citation is computed once per outcome and decision, not once per penalty.
citation[regime][why] := lib.cite("penalty_publicity", paths) if {
	some regime, table in decided_by
	some why, paths in table
}

outcome_text(o) := "简易程序作出或仅为警告，不予公示" if not o.publish

else := sprintf("公示至%s，期满免申请自动修复%s", [o.publicity_ends_on, auto_repair_from_note]) if o.why == "light_auto"

else := sprintf("公示至%s，公示期满停止公示，不可提前申请信用修复", [o.publicity_ends_on]) if {
	o.repair_eligible_on == null
	not o.auto_repair
} else := sprintf("公示至%s，期满自动停止公示（%s信息）", [o.publicity_ends_on, category_names[o.category]]) if {
	o.repair_eligible_on == null
} else := sprintf("公示至%s，自%s起可申请信用修复%s", [o.publicity_ends_on, regular_repair(o), auto_text(o)])

# regular_repair is the date the regime gives: where a jurisdiction relaxed
# it, its own reason gives the relaxed date.
regular_repair(o) := o.repair_relaxed.regular_repair_eligible_on if o.repair_relaxed != null

else := o.repair_eligible_on

auto_text(o) := "，期满自动移出" if o.auto_repair

else := ""

category_names := {"minor": "轻微", "moderate": "一般", "serious": "严重"}

applied_text := {
	"in_force": "",
	"later_lighter": "（依从旧兼从轻原则，适用对当事人更有利的新规定）",
	"in_force_when_decided": "（适用处罚决定时施行的规定）",
}

applied_basis := {
	"in_force": "CN-5 市场监督管理行政处罚信息公示规定（市场监管总局令第45号）",
	"later_lighter": "行政处罚法 第三十七条（从旧兼从轻）",
	"in_force_when_decided": "行政处罚法 第三十七条（从旧兼从轻）",
}
