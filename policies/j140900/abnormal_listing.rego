# 忻州 abnormal listing: the national rule with the buffers of XZ-6, XZ-7 and the guidance of XZ-6 in params/140900.
package j140900.abnormal_listing

import data.j100000.abnormal_listing as national

decision := national.decision
