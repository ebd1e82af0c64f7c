# Risk alerts (HLJ-8, XZ-2, QG-4, ST-5): each jurisdiction lists its items in
# params/<code> under risk_alerts.items as {item, risk_point, trigger,
# measure, basis, sectors?, example?}; an alert is raised for every item whose
# trigger fires on input.as_of. An item no document lists (example) and a
# threshold no document gives (trigger.source) are said to be so in the
# answer, not only in the data.
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
	"example": object.get(it, "example", false),
	"threshold_source": object.get(it.trigger, "source", null),
} |
	some it in params.items
	triggers.in_scope(it)
	triggers.fires(it.trigger)
]

not_assessed := object.get(params, "not_assessed", [])

# label says what in an alert no document gives.
label(a) := "【示例事项，非本局公布的清单】" if a.example

else := ""

threshold_label(a) := "（阈值为默认值，非文件规定）" if a.threshold_source != null

else := ""

not_assessed_reasons := [lib.reason(
	"not_assessed",
	sprintf("未评估：%s", [concat("；", not_assessed)]),
	lib.cite("risk_alerts", [["not_assessed"]]),
) |
	count(not_assessed) > 0
]

decision := {
	"alerts": alerts,
	"not_assessed": not_assessed,
	"reasons": array.concat(
		[lib.reason(
			concat("", ["alert_", a.trigger]),
			sprintf("%s%s：%s%s，措施：%s", [label(a), a.item, a.risk_point, threshold_label(a), a.measure]),
			a.basis,
		) |
			some a in alerts
		],
		not_assessed_reasons,
	),
} if {
	count(alerts) > 0
} else := {
	"alerts": [],
	"not_assessed": not_assessed,
	"reasons": array.concat(
		[lib.reason("no_alert", "未触发本辖区风险预警清单中的任何事项", lib.cite("risk_alerts", [["items"]]))],
		not_assessed_reasons,
	),
}
