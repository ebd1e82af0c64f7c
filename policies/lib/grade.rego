# The public credit comprehensive evaluation grade (HLJ-1, HLJ-2), computed
# from the score and the bands in the chain's credit_grade parameters. Shared
# by credit_grade and by class derivations that start from the grade.
package lib.grade

import data.lib

params := lib.params("credit_grade")

score := lib.enterprise.public_credit_score

has_score if is_number(score)

in_range if {
	score >= 0
	score <= params.total
}

# band is the first band (highest minimum first) whose minimum the score
# reaches, with its range in words.
band := object.union(params.bands[i], {"range": range_text(params.bands, i)}) if {
	in_range
	i := [i | some i, b in params.bands; score >= b.min][0]
}

# range_text says which scores band i covers, from the minimums alone, so a
# changed threshold changes the words too: 790分及以上、不足850分.
range_text(bands, i) := concat("、", array.concat(
	[sprintf("%v分及以上", [bands[i].min]) | bands[i].min > 0],
	[sprintf("不足%v分", [bands[i - 1].min]) | i > 0],
)) if {
	count(bands) > 1
} else := "全部分值"
