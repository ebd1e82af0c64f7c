# QG-6, 000 (十一): 在作出行政处罚决定时，同时送达信用修复告知书，告知信用修复的条件、
# 时限和程序 — the document asks for the procedure and gives none, and names no
# channel: the shipped procedure and channel are examples, and the answer says so.
package j350505.repair_notice_example_test

import data.j350505.repair_notice

req := {
	"as_of": "2026-11-21",
	"jurisdiction": {"code": "350505", "chain": ["350505", "350500", "350000", "100000"]},
	"enterprise": {},
	"context": {"penalty": {"decision_no": "泉港市监罚〔2026〕1号", "decided_on": "2026-11-01", "kinds": ["fine"], "fine_amount": 50000, "sector": "general", "procedure": "ordinary"}},
}

test_qg6_procedure_and_channel_are_marked_as_examples if {
	d := repair_notice.decision with input as req
	startswith(d.notice.sources.procedure, "example")
	startswith(d.notice.sources.channel, "example")
	startswith(d.notice.sources.conditions, "CN-6 ")
	some r in d.reasons
	r.code == "notice_text_example"
	contains(r.message, "办理程序、办理渠道为示例文字")
}
