# 忻州 supervision: the national class-based supervision with this
# jurisdiction's refinements (XZ-3), switched on in params/140900.
package j140900.supervision

import data.j100000.supervision as national

decision := national.decision
