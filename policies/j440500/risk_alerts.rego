# 汕头 risk alerts (ST-5): the items are policy data in params/440500.
package j440500.risk_alerts

import data.lib.alerts

decision := alerts.decision
