# Trigger conditions that risk-alert lists in policy data refer to by kind.
# A list item is {"kind": ..., parameters...}; kinds is the full vocabulary, and
# the regression suite checks every configured item uses one of them.
package lib.triggers

import data.lib
import data.lib.classify
import data.lib.dates

kinds := {
	"complaints_recent": "近期投诉举报达到阈值（days 天内 at_least 件）",
	"penalties_recent": "近期行政处罚达到阈值（years 年内 at_least 次）",
	"class_in": "信用风险分类属于 classes",
	"listed": "被列入 lists 中的名录或名单",
	"license_expired": "许可证已过期",
	"premises_abnormal": "经营场所异常",
	"unreachable": "通过登记的联系方式无法联系",
	"changes_recent": "近期登记事项变更达到阈值（days 天内 items 中的事项变更 at_least 次）",
	"complaints_growth": "投诉举报异常增长（days 天内至少 at_least 件，且达到此前同样天数内件数的 factor 倍）",
}

complaints := object.get(lib.enterprise, "complaints", [])

penalties := object.get(lib.enterprise, "penalties", [])

fires(t) if {
	t.kind == "complaints_recent"
	since := dates.days_before(t.days)
	count([c | some c in complaints; c.received_on > since; c.received_on <= input.as_of]) >= t.at_least
}

fires(t) if {
	t.kind == "changes_recent"
	since := dates.days_before(t.days)
	count([c |
		some c in object.get(lib.enterprise, "registration_changes", [])
		c.item in t.items
		c.changed_on > since
		c.changed_on <= input.as_of
	]) >= t.at_least
}

# Growth compares the recent period with the one just before it, of the same
# length: at_least keeps one or two complaints from counting as growth.
fires(t) if {
	t.kind == "complaints_growth"
	since := dates.days_before(t.days)
	before := dates.days_before(2 * t.days)
	recent := count([c | some c in complaints; c.received_on > since; c.received_on <= input.as_of])
	earlier := count([c | some c in complaints; c.received_on > before; c.received_on <= since])
	recent >= t.at_least
	recent >= t.factor * earlier
}

fires(t) if {
	t.kind == "penalties_recent"
	count([p | some p in penalties; p.decided_on <= input.as_of; not dates.reached(p.decided_on, t.years, 0)]) >= t.at_least
}

fires(t) if {
	t.kind == "class_in"
	classify.result.class in t.classes
}

fires(t) if {
	t.kind == "listed"
	some l in lib.active_listings
	l.list in t.lists
}

fires(t) if {
	t.kind == "license_expired"
	some l in object.get(lib.enterprise, "licenses", [])
	l.expires_on < input.as_of
}

fires(t) if {
	t.kind == "premises_abnormal"
	lib.enterprise.premises_abnormal == true
}

fires(t) if {
	t.kind == "unreachable"
	lib.enterprise.reachable == false
}

# in_scope holds when an item applies to the enterprise's sectors: items
# without sectors apply to all. Where the jurisdiction's key areas are
# producers (Shantou, ST-1: 食品、特种设备等生产企业), its list says
# producers_only, and ST-5's 重点领域 is read as supervision reads it: a food
# shop or restaurant is not in it.
in_scope(item) if not item.sectors

in_scope(item) if {
	some s in lib.sectors_worked(object.get(lib.params("risk_alerts"), "producers_only", false))
	s in item.sectors
}
