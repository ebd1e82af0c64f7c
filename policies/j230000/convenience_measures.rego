# Heilongjiang: convenience for honest enterprises, restrictions for seriously
# dishonest ones (HLJ-7), criteria in params/230000.
package j230000.convenience_measures

import data.lib.convenience

decision := convenience.decision
