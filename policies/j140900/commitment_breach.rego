# 忻州: handling a false credit commitment (XZ-1), measures in params/140900.
package j140900.commitment_breach

import data.lib.commitment

decision := commitment.decision
