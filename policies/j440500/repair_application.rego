# 汕头 credit-repair applications: the national rules with ST-6 in params/440500.
package j440500.repair_application

import data.j100000.repair_application as national

decision := national.decision
