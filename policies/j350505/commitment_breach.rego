# 泉港: handling a false credit commitment (QG-8), measures in params/350505.
package j350505.commitment_breach

import data.lib.commitment

decision := commitment.decision
