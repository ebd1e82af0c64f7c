# Heilongjiang public credit comprehensive evaluation grade (HLJ-1, HLJ-2).
package j230000.credit_grade

import data.lib
import data.lib.grade

params := grade.params

decision := lib.refusal(
	"missing_fact",
	"缺少市场主体公共信用综合评价得分（public_credit_score），无法评定信用等级",
	{"field": "enterprise.public_credit_score"},
) if {
	not grade.has_score
} else := lib.refusal(
	"invalid_fact",
	sprintf("公共信用综合评价得分应在0至%v分之间，实际为%v", [params.total, grade.score]),
	{"field": "enterprise.public_credit_score", "min": 0, "max": params.total},
) if {
	not grade.in_range
} else := {
	"grade": grade.band.grade,
	"score": grade.score,
	"max_score": params.total,
	"reasons": [
		lib.reason(
			"evaluation_total",
			sprintf("市场主体公共信用综合评价总分%v分：基本情况%v分、经营状况%v分、社会责任%v分", [
				params.total,
				params.indicators.basic_situation,
				params.indicators.operating_status,
				params.indicators.social_responsibility,
			]),
			lib.cite("credit_grade", [["total"], ["indicators"]]),
		),
		lib.reason(
			concat("", ["grade_", grade.band.grade]),
			sprintf("综合得分%v分，属于%s级（%s）", [grade.score, grade.band.grade, grade.band_range]),
			lib.cite("credit_grade", [["bands"]]),
		),
	],
}
