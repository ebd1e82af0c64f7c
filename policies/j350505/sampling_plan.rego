# 泉港 sampling task parameters (QG-1..3): the national frame with params/350505.
package j350505.sampling_plan

import data.j100000.sampling_plan as national

decision := national.decision
