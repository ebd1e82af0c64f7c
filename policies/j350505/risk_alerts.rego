# 泉港 risk alerts (QG-4): the items are policy data in params/350505.
package j350505.risk_alerts

import data.lib.alerts

decision := alerts.decision
