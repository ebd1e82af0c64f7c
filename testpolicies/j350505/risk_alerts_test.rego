# QG-4: trigger-based supervision lists per industry.
package j350505.risk_alerts_test

import data.j350505.risk_alerts

qg(facts) := {
	"as_of": "2026-11-21",
	"jurisdiction": {"code": "350505", "chain": ["350505", "350500", "350000", "100000"]},
	"enterprise": facts,
}

complaint(day) := {"received_on": day, "kind": "quality"}

test_qg4_food_licence_expiry_only_for_food_firms if {
	expired := [{"kind": "食品经营许可证", "number": "1", "expires_on": "2026-01-01"}]
	food := risk_alerts.decision with input as qg({"key_sectors": ["food"], "licenses": expired})
	[a.item | some a in food.alerts] == ["食品经营许可"]
	other := risk_alerts.decision with input as qg({"key_sectors": ["cosmetics"], "licenses": expired})
	other.alerts == []
	other.reasons[0].code == "no_alert"
}

test_qg4_complaints_within_90_days_boundary if {
	# 2026-08-23 is exactly 90 days before 2026-11-21 and falls outside the window.
	outside := risk_alerts.decision with input as qg({"complaints": [complaint("2026-08-23"), complaint("2026-10-01"), complaint("2026-11-21")]})
	outside.alerts == []
	inside := risk_alerts.decision with input as qg({"complaints": [complaint("2026-08-24"), complaint("2026-10-01"), complaint("2026-11-21")]})
	[a.trigger | some a in inside.alerts] == ["complaints_recent"]
}

test_qg4_premises_abnormal if {
	d := risk_alerts.decision with input as qg({"premises_abnormal": true})
	d.alerts[0].risk_point == "经营场所异常"
	startswith(d.reasons[0].basis, "QG-4 ")
}

# QG-4, 000 (八): 梳理触发式监管的“事项、风险点、触发点、监管措施”四项清单 — the
# seed asks for the lists and gives none of their items: the shipped items
# are examples, and every alert says so.
test_qg4_example_items_are_marked_in_the_answer if {
	expired := [{"kind": "食品经营许可证", "number": "1", "expires_on": "2026-01-01"}]
	d := risk_alerts.decision with input as qg({"key_sectors": ["food"], "licenses": expired, "premises_abnormal": true})
	count(d.alerts) == 2
	every a in d.alerts {
		a.example
	}
	every r in d.reasons {
		startswith(r.message, "【示例事项，非本局公布的清单】")
	}
}
