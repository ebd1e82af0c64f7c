# 泉港 supervision: the national class-based supervision with this
# jurisdiction's refinements (QG-1,QG-4), switched on in params/350505.
package j350505.supervision

import data.j100000.supervision as national

decision := national.decision
