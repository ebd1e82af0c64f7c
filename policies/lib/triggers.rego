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
}

complaints := object.get(lib.enterprise, "complaints", [])

penalties := object.get(lib.enterprise, "penalties", [])

fires(t) if {
	t.kind == "complaints_recent"
	since := dates.days_before(t.days)
	count([c | some c in complaints; c.received_on > since; c.received_on <= input.as_of]) >= t.at_least
}

fires(t) if {
	t.kind == "penalties_recent"
	since := dates.years_before(t.years)
	count([p | some p in penalties; p.decided_on > since; p.decided_on <= input.as_of]) >= t.at_least
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
# without sectors apply to all.
in_scope(item) if not item.sectors

in_scope(item) if {
	some s in object.get(lib.enterprise, "key_sectors", [])
	s in item.sectors
}
