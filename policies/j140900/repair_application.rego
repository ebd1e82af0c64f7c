# 忻州 credit-repair applications: the national rules with XZ-9 in params/140900.
package j140900.repair_application

import data.j100000.repair_application as national

decision := national.decision
