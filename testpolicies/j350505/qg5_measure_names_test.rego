# QG-5, 泉港市监〔2023〕67号 (九): 扎实推进事前提醒公示、审慎列异列严、线上线下畅通办、
# 免申自动修复、放宽修复期限、承诺容缺办理、提高修复效率、全程行政指导等八项措施落实
# 到位. The reason that names the eight measures names them in the notice's words.
package j350505.qg5_measure_names_test

import data.j350505.penalty_publicity

test_qg5_the_eight_measures_in_the_notice_words if {
	d := penalty_publicity.decision with input as {
		"as_of": "2024-06-01",
		"jurisdiction": {"code": "350505", "chain": ["350505", "350500", "350000", "100000"]},
		"enterprise": {},
		"context": {"penalty": {"decision_no": "泉罚1", "decided_on": "2024-03-31", "kinds": ["fine"], "fine_amount": 50000, "sector": "general", "procedure": "ordinary"}},
	}
	some r in d.reasons
	r.code == "auto_repair"
	contains(r.message, "事前提醒公示、审慎列异列严、线上线下畅通办、免申自动修复、放宽修复期限、承诺容缺办理、提高修复效率、全程行政指导")
}
