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

# band is the first band (highest minimum first) whose minimum the score reaches.
band := [b | some b in params.bands; score >= b.min][0] if in_range
