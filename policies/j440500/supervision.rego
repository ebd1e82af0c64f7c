# 汕头 supervision: the national class-based supervision with this
# jurisdiction's refinements (ST-1,ST-3), switched on in params/440500.
package j440500.supervision

import data.j100000.supervision as national

decision := national.decision
