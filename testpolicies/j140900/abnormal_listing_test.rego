# XZ-6 and XZ-7 (忻市监信用〔2023〕32号 二(二)7) on top of CN-8.
package j140900.abnormal_listing_test

import data.j140900.abnormal_listing

xz(ctx) := {
	"as_of": "2026-11-21",
	"jurisdiction": {"code": "140900", "chain": ["140900", "140000", "100000"]},
	"context": ctx,
}

# XZ-6 “对于市场主体决定暂时不从事经营活动的，可以引导其进行歇业备案”: guidance,
# not a ground to leave a cause unlisted; no seed asks for “no other violations”.
test_xz6_suspension_filing_is_guidance_beside_the_listing if {
	d := abnormal_listing.decision with input as xz({"cause": "unreachable_at_domicile", "stopped_operating": true, "other_violations": true})
	d.list == true
	d.action == "list"
	d.guidance == ["guide_suspension_filing"]
	some r in d.reasons
	r.code == "guide_suspension_filing"
	startswith(r.basis, "XZ-6 ")
	contains(r.message, "不影响是否列入")
}

# XZ-6 暂不列入 is granted only in the force-majeure domicile case; guidance
# rides along with it.
test_xz6_force_majeure_buffer_keeps_the_guidance if {
	d := abnormal_listing.decision with input as xz({"cause": "unreachable_at_domicile", "force_majeure": true, "reachable_by_other_means": true, "other_violations": false, "reasonable_explanation": true, "stopped_operating": true})
	d.list == false
	d.action == "guide_domicile_change"
	d.guidance == ["guide_suspension_filing"]
}

# XZ-7 allows one amendment; an unintentional error beyond it is still not
# 隐瞒真实情况、弄虚作假 (企业信息公示暂行条例 第十七条第（二）项).
test_xz7_a_second_unintentional_error_is_corrected_not_listed if {
	d := abnormal_listing.decision with input as xz({"cause": "publicity_info_error", "error_fields": ["phone"], "intentional": false, "adverse_effect": false, "prior_amendments": 1})
	d.list == false
	d.action == "require_correction"
}

test_xz7_first_tolerated_error_may_be_amended_once if {
	d := abnormal_listing.decision with input as xz({"cause": "publicity_info_error", "error_fields": ["phone"], "intentional": false, "adverse_effect": false, "prior_amendments": 0})
	d.action == "allow_amendment"
	startswith(d.reasons[0].basis, "XZ-7 ")
}
