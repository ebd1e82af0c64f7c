# A reason cites the level whose value decided it: a county that overrides a
# number changes the answer and the cited basis together, and texts that
# state numbers follow the numbers.
package lib.cite_test

import data.j140900.penalty_publicity
import data.j230000.credit_grade
import data.lib

xinfu := ["140902", "140900", "140000", "100000"]

# Xinfu (a county of Xinzhou) shortens the wait before repair to 3 months.
xinfu_params := object.union(data.params, {"140902": {"penalty_publicity": {
	"source": "忻府市监〔2025〕3号",
	"basis": "XF-2 忻府市监〔2025〕3号 二(一)",
	"regimes": {"CN-6": {"repair_after": {"months": 3}}},
}}})

fine_of(amount) := {"penalty": {
	"decision_no": "忻府罚1",
	"decided_on": "2025-01-10",
	"kinds": ["fine"],
	"fine_amount": amount,
	"sector": "general",
	"procedure": "ordinary",
}}

publicity_in(chain, params, ctx) := d if {
	d := penalty_publicity.decision with input as {
		"as_of": "2025-06-01",
		"jurisdiction": {"code": chain[0], "chain": chain},
		"context": ctx,
	}
		with data.params as params
}

test_county_override_changes_the_answer_and_the_cited_basis if {
	before := publicity_in(xinfu, data.params, fine_of(50000))
	before.repair_eligible_on == "2025-07-10"
	not contains(before.reasons[0].basis, "XF-2")

	after := publicity_in(xinfu, xinfu_params, fine_of(50000))
	after.repair_eligible_on == "2025-04-10"
	reason := after.reasons[0]
	contains(reason.basis, "XF-2 忻府市监〔2025〕3号")

	# The publicity period itself is still the national one, and says so.
	after.publicity_ends_on == "2028-01-10"
	startswith(reason.basis, "CN-6 ")
}

test_city_rule_restating_the_overridden_period_is_no_longer_cited if {
	city := publicity_in(xinfu, data.params, fine_of(50000))
	some r in city.reasons
	r.code == "local_publicity_rule"
	contains(r.message, "公示满6个月")

	county := publicity_in(xinfu, xinfu_params, fine_of(50000))
	every r in county.reasons {
		r.code != "local_publicity_rule"
		not contains(r.basis, "忻市监信用〔2023〕32号")
	}
}

test_local_rule_text_states_the_periods_in_force if {
	d := publicity_in(["140930", "140900", "140000", "100000"], data.params, fine_of(50000))
	some r in d.reasons
	r.code == "local_publicity_rule"
	r.message == "忻州市：仅受警告处罚的不予公示；受到通报批评或较低数额罚款的，公示满3个月停止公示；其他行政处罚（食品、药品、特种设备领域除外）公示满6个月、符合条件的可申请信用修复"
}

test_a_province_lower_fine_cites_the_province if {
	d := publicity_in(["140000", "100000"], data.params, fine_of(5000))
	d.reasons[0].code == "publicity_light"
	contains(d.reasons[0].basis, "山西省")
}

hlj := ["230000", "100000"]

grade_at(score, params) := d if {
	d := credit_grade.decision with input as {
		"as_of": "2026-11-21",
		"jurisdiction": {"code": "230000", "chain": hlj},
		"enterprise": {"public_credit_score": score},
	}
		with data.params as params
}

# Grade B from 790 points, and a province that raises it to 800. Both are
# set here: a shared test must not depend on what Heilongjiang's own
# parameters say today, or a change to them would break lib's tests.
b_from(points) := json.patch(data.params, [{"op": "replace", "path": "/230000/credit_grade/bands/1/min", "value": points}])

raised_b := b_from(800)

test_band_text_follows_a_changed_threshold if {
	grade_at(820, b_from(790)).reasons[1].message == "综合得分820分，属于B级（790分及以上、不足850分）"
	grade_at(795, b_from(790)).reasons[1].message == "综合得分795分，属于B级（790分及以上、不足850分）"

	grade_at(820, raised_b).reasons[1].message == "综合得分820分，属于B级（800分及以上、不足850分）"
	grade_at(795, raised_b).reasons[1].message == "综合得分795分，属于C级（730分及以上、不足800分）"
}

test_top_and_bottom_bands_read_as_open_ranges if {
	grade_at(900, data.params).reasons[1].message == "综合得分900分，属于A级（850分及以上）"
	grade_at(100, data.params).reasons[1].message == "综合得分100分，属于E级（不足670分）"
}

# A county of Heilongjiang with its own bands cites its own document for the
# grade, and the province's for the total it did not change.
hlj_county := object.union(data.params, {"230102": {"credit_grade": {
	"source": "县局文件",
	"basis": {"bands": "HX-1 县局文件 二"},
	"bands": [{"grade": "A", "min": 900}, {"grade": "E", "min": 0}],
}}})

test_county_bands_cite_the_county if {
	d := credit_grade.decision with input as {
		"as_of": "2026-11-21",
		"jurisdiction": {"code": "230102", "chain": ["230102", "230000", "100000"]},
		"enterprise": {"public_credit_score": 880},
	}
		with data.params as hlj_county
	d.grade == "E"
	d.reasons[1].message == "综合得分880分，属于E级（不足900分）"
	d.reasons[1].basis == "HX-1 县局文件 二"
	startswith(d.reasons[0].basis, "HLJ-1 ")
}

test_a_value_without_a_basis_cites_its_source_and_level if {
	params := object.union(data.params, {"230102": {"credit_grade": {
		"source": "县局文件",
		"bands": [{"grade": "A", "min": 900}, {"grade": "E", "min": 0}],
	}}})
	lib.cite("credit_grade", [["bands"]]) == "县局文件（230102的参数，未注明依据）" with input as {"jurisdiction": {"chain": ["230102", "230000", "100000"]}}
		with data.params as params
}

test_cite_names_each_document_once_in_order if {
	lib.cite("penalty_publicity", [["regimes", "CN-6", "publicity"], ["regimes", "CN-6", "repair_after"], ["never_early_kinds"]]) == "CN-6 信用修复管理办法（国市监信规〔2021〕3号）[S]；XF-2 忻府市监〔2025〕3号 二(一)；CN-5 市场监督管理行政处罚信息公示规定（市场监管总局令第45号）" with input as {"jurisdiction": {"chain": xinfu}}
		with data.params as xinfu_params
}

test_setting_only_a_label_does_not_take_over_a_value if {
	params := object.union(data.params, {"140902": {"penalty_publicity": {
		"source": "x",
		"regimes": {"CN-6": {"repair_after": {"source": "只改说明"}}},
	}}})
	lib.setter("penalty_publicity", ["regimes", "CN-6", "repair_after"]) == "100000" with input as {"jurisdiction": {"chain": xinfu}}
		with data.params as params
}

test_render_fills_periods_numbers_and_lists if {
	scopes := [{"trigger": {"days": 90, "at_least": 3, "classes": ["C", "D"]}}, {"p": {"years": 1, "months": 6}}]
	lib.render("{trigger.days}日内投诉{trigger.at_least}件；{trigger.classes}类；{p}；{unknown}", scopes) == "90日内投诉3件；C、D类；1年6个月；{unknown}"
}

test_source_of_names_the_level_that_set_a_ratio if {
	params := object.union(data.params, {"350505": {"supervision": {
		"source": "泉港市监〔2024〕1号",
		"basis": {"ratios": "QG-1 泉港市监〔2024〕1号"},
		"ratios": {"B": {"min": 0.08, "max": 0.25}},
	}}})
	chain := {"jurisdiction": {"chain": ["350505", "350500", "350000", "100000"]}}
	lib.source_of("supervision", ["ratios", "B"]) == "泉港市监〔2024〕1号" with input as chain with data.params as params
	startswith(lib.source_of("supervision", ["ratios", "A"]), "default, not from a published document") with input as chain with data.params as params
}
