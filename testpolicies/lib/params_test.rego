# Checks over every jurisdiction's parameters: a typo in policy data must fail
# the suite instead of silently switching a rule off.
package lib.params_test

import data.lib.triggers

test_every_alert_trigger_kind_is_known if {
	every _, p in data.params {
		every it in object.get(p, ["risk_alerts", "items"], []) {
			triggers.kinds[it.trigger.kind]
			it.basis != ""
			it.measure != ""
		}
	}
}

test_every_ratio_is_a_range_within_0_and_1 if {
	every _, p in data.params {
		every _, r in object.remove(object.get(p, ["supervision", "ratios"], {}), ["source"]) {
			0 <= r.min
			r.min <= r.max
			r.max <= 1
		}
	}
}

test_every_ratio_table_names_its_source if {
	every _, p in data.params {
		every ratios in [r | r := p.supervision.ratios] {
			ratios.source != ""
		}
	}
}

test_every_parameter_block_names_a_source if {
	every _, p in data.params {
		every _, block in p {
			object.get(block, "source", "") != ""
		}
	}
}
