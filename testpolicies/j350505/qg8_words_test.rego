# QG-8, 泉港市监〔2023〕67号 (二): 推动构建承诺信息记录公示、守诺情况核查、不实承诺处理、
# 失信惩戒、信用修复的闭环管理. The answer names each step in the notice's words.
package j350505.qg8_words_test

import data.j350505.commitment_breach

test_qg8_the_closed_loop_in_the_notice_words if {
	d := commitment_breach.decision with input as {
		"as_of": "2025-06-01",
		"jurisdiction": {"code": "350505", "chain": ["350505", "350500", "350000", "100000"]},
		"enterprise": {},
		"context": {"commitment": {"item": "食品经营许可告知承诺"}},
	}
	[m.name | some m in d.measures] == ["不实承诺处理", "失信惩戒"]
	[m.name | some m in d.follow_up] == ["承诺信息记录公示", "守诺情况核查", "信用修复"]
	some r in d.reasons
	contains(r.message, "承诺信息记录公示、守诺情况核查、不实承诺处理、失信惩戒、信用修复")
}
