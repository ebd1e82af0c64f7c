# 泉港 abnormal listing: the national rule with the guidance of QG-7 in params/350505.
package j350505.abnormal_listing

import data.j100000.abnormal_listing as national

decision := national.decision
