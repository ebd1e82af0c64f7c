# 泉港 credit-repair applications: the national rules with QG-5 in params/350505.
package j350505.repair_application

import data.j100000.repair_application as national

decision := national.decision
