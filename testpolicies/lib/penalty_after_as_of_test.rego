# Facts dated after input.as_of are not facts on the decision date (issue
# item 6): a penalty decided after as_of had not been decided. Its publicity
# (市场监督管理行政处罚信息公示规定 第九条、第十三条) and its 信用修复告知书
# (QG-6, 泉港市监〔2023〕67号 (十一) “两书同送”) cannot be answered for it.
package lib.penalty_after_as_of_test

import data.j100000.penalty_publicity
import data.j350505.repair_notice

penalty(no, on) := {"decision_no": no, "decided_on": on, "kinds": ["fine"], "fine_amount": 50000, "sector": "general", "procedure": "ordinary"}

req(code, chain, facts, ctx) := {
	"as_of": "2025-06-01",
	"jurisdiction": {"code": code, "chain": chain},
	"enterprise": facts,
	"context": ctx,
}

test_cn5_a_stored_penalty_decided_after_as_of_is_left_out if {
	d := penalty_publicity.decision with input as req("100000", ["100000"], {"penalties": [penalty("罚1", "2025-05-30"), penalty("罚2", "2025-06-02")]}, {})
	[p.decision_no | some p in d.penalties] == ["罚1"]
	every r in d.reasons {
		not contains(r.message, "罚2")
	}
}

test_cn5_a_penalty_decided_on_as_of_counts if {
	d := penalty_publicity.decision with input as req("100000", ["100000"], {"penalties": [penalty("罚1", "2025-06-01")]}, {})
	count(d.penalties) == 1
}

test_cn5_a_penalty_asked_about_decided_after_as_of_is_refused if {
	d := penalty_publicity.decision with input as req("100000", ["100000"], {}, {"penalty": penalty("罚3", "2025-06-02")})
	d.error.code == "dated_after_as_of"
	d.error.details.field == "context.penalty.decided_on"
}

test_qg6_no_repair_notice_for_a_penalty_decided_after_as_of if {
	d := repair_notice.decision with input as req("350505", ["350505", "350500", "350000", "100000"], {}, {"penalty": penalty("罚4", "2025-06-02")})
	d.error.code == "dated_after_as_of"
}
