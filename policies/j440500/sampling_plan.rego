# 汕头 sampling task parameters (ST-3): the national frame with params/440500.
package j440500.sampling_plan

import data.j100000.sampling_plan as national

decision := national.decision
