# 泉港 penalty discretion: the national rules with the three lists of QG-7 in params/350505.
package j350505.penalty_discretion

import data.j100000.penalty_discretion as national

decision := national.decision
