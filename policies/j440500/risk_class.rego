# Shantou risk class: key-area enterprises are graded with a professional
# sub-model on top of the general model (ST-2). The sectors are in params/440500.
package j440500.risk_class

import data.j100000.risk_class as national

decision := national.decision
