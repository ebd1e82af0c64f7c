# CN-2's basis names its document (issue item 17): class-based double-random
# sampling is 国市监信发〔2022〕6号 (关于推进企业信用风险分类管理进一步提升监管效能
# 的意见), as supervision cites it. Hequ (140930) answers with the national
# sampling rule under Xinzhou's parameters, so its class_ratios reason cites it.
package j140900.cn2_sampling_basis_test

import data.j140900.sampling_plan

test_cn2_sampling_reasons_name_the_national_document if {
	d := sampling_plan.decision with input as {
		"as_of": "2026-03-01",
		"jurisdiction": {"code": "140930", "chain": ["140930", "140900", "140000", "100000"]},
		"enterprise": {},
		"context": {"task": {"year": 2026}},
	}
	some r in d.reasons
	r.code == "class_ratios"
	startswith(r.basis, "CN-2 国市监信发〔2022〕6号")
	some f in d.reasons
	f.code == "class_ratio_figures"
	not contains(f.basis, "双随机、一公开监管 [S]")
}
