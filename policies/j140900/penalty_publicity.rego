# 忻州 penalty publicity: the national regimes with XZ-8, switched on in params/140900.
package j140900.penalty_publicity

import data.j100000.penalty_publicity as national

decision := national.decision
