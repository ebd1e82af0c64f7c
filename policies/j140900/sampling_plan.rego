# 忻州 sampling task parameters (XZ-4): the national frame with params/140900.
package j140900.sampling_plan

import data.j100000.sampling_plan as national

decision := national.decision
