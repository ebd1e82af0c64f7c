# 泉港 penalty publicity: the national regimes with QG-5, switched on in params/350505.
package j350505.penalty_publicity

import data.j100000.penalty_publicity as national

decision := national.decision
