# Publicity of administrative penalty information and when it can be repaired
# (CN-5, CN-6, CN-7), per penalty. Two national regimes carry effective
# periods in params (penalty_publicity.regimes); a penalty is assessed under
# the regime in force when it was decided and, if a later regime is in force on
# input.as_of, under that one too, and the lighter result for the party applies
# (行政处罚法 Art. 37, 从旧兼从轻).
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

facts(p) := {
	"start": object.get(p, "published_on", p.decided_on),
	"kinds": {k | some k in p.kinds},
	"ordinary": object.get(p, "procedure", "ordinary") == "ordinary",
	"fine": object.get(p, "fine_amount", 0),
	"sector": object.get(p, "sector", "general"),
}

warning_only(f) if f.kinds == {"warning"}

# light: 通报批评 or a lower fine only (CN-5 Art. 13), warnings allowed beside them.
light(f) if {
	not warning_only(f)
	count(f.kinds - {"warning", "notice_of_criticism", "fine"}) == 0
	lower_or_no_fine(f)
}

lower_or_no_fine(f) if not "fine" in f.kinds

lower_or_no_fine(f) if {
	"fine" in f.kinds
	f.fine <= params.lower_fine.max
}

# never_early: kinds whose publicity is never stopped early (CN-5 Art. 14(3)).
never_early(f) if {
	some k in f.kinds
	k in params.never_early_kinds
}

published(f) if {
	f.ordinary
	not warning_only(f)
}

# category under CN-7: minor 轻微, moderate 一般, serious 严重.
category(f) := "serious" if never_early(f)

else := "serious" if f.fine >= params.regimes["CN-7"].serious_fine.min

else := "minor" if light(f)

else := "moderate"

after(day, period) := dates.shift(day, object.get(period, "years", 0), object.get(period, "months", 0), 0)

# assess returns the outcome for facts f under regime name.
assess(f, name) := {
	"regime": name,
	"publish": false,
	"publicity_ends_on": null,
	"repair_eligible_on": null,
	"auto_repair": false,
	"category": null,
	"why": "not_published",
} if {
	not published(f)
} else := outcome if {
	name == "CN-6"
	outcome := assess_cn6(f)
} else := assess_cn7(f)

assess_cn6(f) := o if {
	r := params.regimes["CN-6"]
	light(f)
	o := {"regime": "CN-6", "publish": true, "publicity_ends_on": after(f.start, r.light_publicity), "repair_eligible_on": null, "auto_repair": false, "category": null, "why": "light"}
} else := o if {
	r := params.regimes["CN-6"]
	never_early(f)
	o := {"regime": "CN-6", "publish": true, "publicity_ends_on": after(f.start, r.publicity), "repair_eligible_on": null, "auto_repair": false, "category": null, "why": "never_early"}
} else := o if {
	r := params.regimes["CN-6"]
	f.sector in key_sectors
	o := {"regime": "CN-6", "publish": true, "publicity_ends_on": after(f.start, r.publicity), "repair_eligible_on": after(f.start, r.repair_after_key_sector), "auto_repair": false, "category": null, "why": "key_sector"}
} else := o if {
	r := params.regimes["CN-6"]
	o := {"regime": "CN-6", "publish": true, "publicity_ends_on": after(f.start, r.publicity), "repair_eligible_on": after(f.start, r.repair_after), "auto_repair": false, "category": null, "why": "general"}
}

assess_cn7(f) := o if {
	c := category(f)
	r := params.regimes["CN-7"].categories[c]
	o := {"regime": "CN-7", "publish": true, "publicity_ends_on": after(f.start, r.publicity), "repair_eligible_on": repair_cn7(f, r), "auto_repair": true, "category": c, "why": c}
}

repair_cn7(f, r) := null if {
	never_early(f)
} else := after(f.start, r.repair_after) if {
	r.repair_after
} else := null

# weight orders outcomes from lightest for the party: not published, then
# earlier end of publicity, earlier repair, automatic removal.
weight(o) := [0, "", "", 0] if {
	not o.publish
} else := [1, o.publicity_ends_on, repair_key(o), auto_key(o)]

repair_key(o) := o.repair_eligible_on if o.repair_eligible_on != null

else := "9999-12-31"

auto_key(o) := 0 if o.auto_repair

else := 1

# outcome assesses penalty p on input.as_of, choosing between the regime in
# force when it was decided and the one in force now.
outcome(p) := object.union(local(o), {"decision_no": p.decision_no, "decided_on": p.decided_on, "applied": applied}) if {
	f := facts(p)
	then := regime_at(p.decided_on)
	now := regime_at(input.as_of)
	[o, applied] := pick(f, then, now)
}

# pick assesses under the later regime only when it differs: a function's
# arguments are evaluated before the call, an else branch only when reached.
pick(f, then, now) := [assess(f, then), "in_force"] if {
	then == now
} else := choose(assess(f, then), assess(f, now))

# local applies a jurisdiction's automatic repair of light penalty information
# (QG-5 免申自动修复) where its parameters switch it on.
local(o) := object.union(o, {"auto_repair": true, "why": "light_auto"}) if {
	o.why == "light"
	input.as_of >= params.auto_repair_light.from
} else := o

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

choose(a, b) := [b, "later_lighter"] if weight(b) < weight(a)

choose(a, b) := [a, "in_force_when_decided"] if weight(b) >= weight(a)

# reason explains one assessed penalty in Chinese with its basis.
reason(o) := lib.reason(
	concat("", ["publicity_", o.why]),
	sprintf("处罚决定%s：%s%s", [o.decision_no, outcome_text(o), applied_text[o.applied]]),
	lib.join_bases([citation[o.regime][o.why], applied_basis[o.applied]]),
)

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
		"minor": [["regimes", "CN-7", "categories", "minor"], ["lower_fine", "max"]],
		"moderate": [["regimes", "CN-7", "categories", "moderate"]],
		"serious": [["regimes", "CN-7", "categories", "serious"], ["never_early_kinds"], ["regimes", "CN-7", "serious_fine"]],
	},
}

# citation is computed once per outcome and decision, not once per penalty.
citation[regime][why] := lib.cite("penalty_publicity", paths) if {
	some regime, table in decided_by
	some why, paths in table
}

outcome_text(o) := "简易程序作出或仅为警告，不予公示" if not o.publish

else := sprintf("公示至%s，期满免申请自动修复", [o.publicity_ends_on]) if o.why == "light_auto"

else := sprintf("公示至%s，公示期满停止公示，不可提前申请信用修复", [o.publicity_ends_on]) if {
	o.repair_eligible_on == null
	not o.auto_repair
} else := sprintf("公示至%s，期满自动停止公示（%s信息）", [o.publicity_ends_on, category_names[o.category]]) if {
	o.repair_eligible_on == null
} else := sprintf("公示至%s，自%s起可申请信用修复%s", [o.publicity_ends_on, o.repair_eligible_on, auto_text(o)])

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
