# XZ-2, 001 二(一)4: 向信用风险较高的市场主体发布信用警示提醒和指导. 信用风险较高
# is class C's national name (国市监信发〔2022〕6号: C 信用风险较高, D 信用风险高),
# as this jurisdiction's new_format source says of 二(一)4. Warning D too is
# this system's reading: the answer must not call D 信用风险较高, and says the
# reading is not the notice's.
package j140900.xz2_class_names_test

import data.j140900.risk_alerts

req(class) := {
	"as_of": "2025-06-01",
	"jurisdiction": {"code": "140930", "chain": ["140930", "140900", "140000", "100000"]},
	"enterprise": {"risk_class": class},
	"context": {},
}

test_xz2_class_d_is_not_called_higher_risk_and_its_inclusion_is_a_reading if {
	d := risk_alerts.decision with input as req("D")
	[a] := d.alerts
	not contains(a.risk_point, "C、D类")
	contains(a.risk_point, "信用风险较高（C类）")
	contains(a.risk_point, "信用风险高（D类）")
	contains(a.risk_point, "本系统解读，非文件原文")
	some r in d.reasons
	contains(r.message, "本系统解读，非文件原文")
}

test_xz2_class_b_gets_no_warning if {
	d := risk_alerts.decision with input as req("B")
	d.alerts == []
}
