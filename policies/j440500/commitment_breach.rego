# 汕头: handling a false credit commitment (ST-7), measures in params/440500.
package j440500.commitment_breach

import data.lib.commitment

decision := commitment.decision
