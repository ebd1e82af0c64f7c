# Risk alerts (HLJ-8, XZ-2, QG-4, ST-5): each jurisdiction lists its items in
# params/<code> under risk_alerts.items as {item, risk_point, trigger,
# measure, basis, sectors?}; an alert is raised for every item whose trigger
# fires on input.as_of.
package lib.alerts

import data.lib
import data.lib.triggers

params := lib.params("risk_alerts")

alerts := [{
	"item": it.item,
	"risk_point": lib.render(it.risk_point, [it, params]),
	"trigger": it.trigger.kind,
	"measure": it.measure,
	"basis": it.basis,
} |
	some it in params.items
	triggers.in_scope(it)
	triggers.fires(it.trigger)
]

decision := {
	"alerts": alerts,
	"reasons": [lib.reason(concat("", ["alert_", a.trigger]), sprintf("%s：%s，措施：%s", [a.item, a.risk_point, a.measure]), a.basis) | some a in alerts],
} if {
	count(alerts) > 0
} else := {
	"alerts": [],
	"reasons": [lib.reason("no_alert", "未触发本辖区风险预警清单中的任何事项", lib.cite("risk_alerts", [["items"]]))],
}
