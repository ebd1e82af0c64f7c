# 忻州 penalty discretion: the national rules with the lists of XZ-5 in params/140900.
package j140900.penalty_discretion

import data.j100000.penalty_discretion as national

decision := national.decision
