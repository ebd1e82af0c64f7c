# 忻州 risk alerts (XZ-2): the items are policy data in params/140900.
package j140900.risk_alerts

import data.lib.alerts

decision := alerts.decision
