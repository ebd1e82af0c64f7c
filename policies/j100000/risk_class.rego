# National baseline credit risk class (CN-1): the official class, or a class
# derived where the chain's parameters give a derivation.
package j100000.risk_class

import data.lib
import data.lib.classify

decision := classify.result if classify.result

else := lib.refusal("class_unavailable", classify.missing, {"fields": ["enterprise.risk_class", "enterprise.public_credit_score"]})
