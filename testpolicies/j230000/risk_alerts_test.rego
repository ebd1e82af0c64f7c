# HLJ-8, 002 二(九): 结合高风险行为特点，如异常注册、异常变更、投诉举报异常增长等，
# …采取提醒、警示、约谈、检查等措施. The behaviours and measures are the
# document's; the windows and counts are labelled defaults in the answer.
package j230000.risk_alerts_test

import data.j230000.risk_alerts

hlj(facts) := {
	"as_of": "2026-11-21",
	"jurisdiction": {"code": "230000", "chain": ["230000", "100000"]},
	"enterprise": facts,
}

change(item, day) := {"item": item, "changed_on": day}

complaint(day) := {"received_on": day, "kind": "quality"}

test_hlj8_abnormal_changes_of_legal_representative_domicile_shareholders if {
	d := risk_alerts.decision with input as hlj({"registration_changes": [
		change("legal_representative", "2026-09-01"),
		change("domicile", "2026-11-21"),
	]})
	[a.item | some a in d.alerts] == ["异常变更"]
	d.alerts[0].trigger == "changes_recent"
	d.alerts[0].threshold_source == "default, not from a published document"
	contains(d.reasons[0].message, "阈值为默认值")
	contains(d.reasons[0].message, "提醒、警示、约谈、检查")
	startswith(d.reasons[0].basis, "HLJ-8 ")
}

test_hlj8_changes_outside_the_window_or_of_other_items_do_not_count if {
	# 2026-05-25 is 180 days before 2026-11-21: outside the window.
	old := risk_alerts.decision with input as hlj({"registration_changes": [change("domicile", "2026-05-25"), change("domicile", "2026-11-01")]})
	old.alerts == []
	scope := risk_alerts.decision with input as hlj({"registration_changes": [change("business_scope", "2026-10-01"), change("domicile", "2026-11-01")]})
	scope.alerts == []
	later := risk_alerts.decision with input as hlj({"registration_changes": [change("domicile", "2026-11-01"), change("domicile", "2026-11-22")]})
	later.alerts == []
}

test_hlj8_complaint_growth_is_growth_not_a_count if {
	# Three recent complaints after none: growth.
	grew := risk_alerts.decision with input as hlj({"complaints": [complaint("2026-09-01"), complaint("2026-10-01"), complaint("2026-11-20")]})
	[a.trigger | some a in grew.alerts] == ["complaints_growth"]

	# The same three after three in the preceding 90 days: steady, not growth.
	steady := risk_alerts.decision with input as hlj({"complaints": [
		complaint("2026-06-01"), complaint("2026-07-01"), complaint("2026-08-01"),
		complaint("2026-09-01"), complaint("2026-10-01"), complaint("2026-11-20"),
	]})
	steady.alerts == []
}

# 异常登记 is not a word of the seed, and premises or reachability are not
# behaviours it names: they raise no Heilongjiang alert.
test_hlj8_no_invented_items if {
	d := risk_alerts.decision with input as hlj({"premises_abnormal": true, "reachable": false})
	d.alerts == []
}

test_hlj8_abnormal_registration_is_reported_as_not_assessed if {
	d := risk_alerts.decision with input as hlj({})
	count(d.not_assessed) == 1
	startswith(d.not_assessed[0], "异常注册")
	some r in d.reasons
	r.code == "not_assessed"
}
