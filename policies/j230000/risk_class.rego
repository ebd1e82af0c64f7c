# Heilongjiang risk class: without an official class, derived from the public
# credit evaluation (HLJ-3); individual businesses and farmer cooperatives are
# classified directly from it (HLJ-10). The table is in params/230000.
package j230000.risk_class

import data.j100000.risk_class as national

decision := national.decision
