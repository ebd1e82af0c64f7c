# ST-7, 003 三(二)5: 在企业登记注册、行政审批等环节开展市场主体事前信用承诺工作。
# 在公示系统中设置信用承诺公示模块，推动食品生产企业等通过公示系统主动公示信用承诺，
# 市场监管部门对企业公开承诺情况进行检查，检查情况将纳入信用记录并通过公示系统公示。
package j440500.commitment_breach_test

import data.j440500.commitment_breach

st(facts) := {
	"as_of": "2026-11-21",
	"jurisdiction": {"code": "440500", "chain": ["440500", "440000", "100000"]},
	"enterprise": facts,
	"context": {"commitment": {"item": "食品生产许可告知承诺"}},
}

# 三(二)5 检查情况将纳入信用记录并通过公示系统公示: the sentence names no
# 责令整改, so no measure orders rectification.
test_st7_check_results_recorded_and_published_no_order_to_rectify if {
	d := commitment_breach.decision with input as st({})
	d.record
	d.publicize
	every m in d.measures {
		m.code != "order_rectification"
		not contains(m.name, "整改")
	}
	d.measures == [
		{"code": "record_in_credit_file", "name": "检查情况纳入信用记录"},
		{"code": "publicize", "name": "通过公示系统公示"},
	]
}

# 三(二)5 推动食品生产企业等…主动公示信用承诺: publicity is encouraged, not a duty.
test_st7_food_producer_publicity_is_encouraged_not_required if {
	d := commitment_breach.decision with input as st({"key_sectors": ["food"], "production_sectors": ["food"]})
	some r in d.reasons
	r.code == "food_commitment_publicity"
	contains(r.message, "主动公示")
	not contains(r.message, "应当")
	not contains(r.message, "必须")
	contains(r.basis, "ST-7")
}

# 三(二)5 推动食品生产企业等: a food distributor or caterer (food sector, not a
# producer) is not addressed by the sentence.
test_st7_only_food_producers_are_addressed if {
	d := commitment_breach.decision with input as st({"key_sectors": ["food"]})
	every r in d.reasons {
		r.code != "food_commitment_publicity"
	}
	p := commitment_breach.decision with input as st({"key_sectors": ["food"], "production_sectors": ["food"]})
	some r in p.reasons
	r.code == "food_commitment_publicity"
}
