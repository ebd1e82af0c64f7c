# 黑龙江 sampling task parameters (HLJ-4): the national frame with params/230000.
package j230000.sampling_plan

import data.j100000.sampling_plan as national

decision := national.decision
