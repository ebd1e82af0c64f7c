# 黑龙江 risk alerts (HLJ-8): the items are policy data in params/230000.
package j230000.risk_alerts

import data.lib.alerts

decision := alerts.decision
