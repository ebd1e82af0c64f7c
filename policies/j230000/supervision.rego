# 黑龙江 supervision: the national class-based supervision with this
# jurisdiction's refinements (HLJ-4..6), switched on in params/230000.
package j230000.supervision

import data.j100000.supervision as national

decision := national.decision
