# ST-5, 003 三(二)10: 对重点领域屡禁不止、屡罚不改以及严重失信的企业，实施集中公示、
# 重点曝光. Shantou's key areas are producers (ST-1, 三: 以食品、特种设备等生产企业
# 监管为切入点), as supervision and the sub-model read them: a restaurant in
# the serious list is not exposed as a key-area enterprise.
package j440500.st5_producers_test

import data.j440500.risk_alerts
import data.j440500.supervision

serious := [{"list": "serious_dishonest", "cause": "严重违法", "listed_on": "2025-01-01", "removed_on": null}]

req(facts) := {
	"as_of": "2025-06-01",
	"jurisdiction": {"code": "440500", "chain": ["440500", "440000", "100000"]},
	"enterprise": facts,
	"context": {},
}

test_st5_a_seriously_dishonest_caterer_is_not_a_key_area_enterprise if {
	facts := {"risk_class": "D", "key_sectors": ["food"], "listings": serious}
	d := risk_alerts.decision with input as req(facts)
	d.alerts == []
	s := supervision.decision with input as req(facts)
	not s.key_supervision
}

test_st5_a_seriously_dishonest_food_producer_is_exposed if {
	d := risk_alerts.decision with input as req({"key_sectors": ["food"], "production_sectors": ["food"], "listings": serious})
	[a.item | some a in d.alerts] == ["重点领域严重失信"]
}
