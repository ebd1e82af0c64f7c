# Shared helpers for every jurisdiction's decisions: reasons, parameters looked
# up along the jurisdiction chain, and date-aware reading of enterprise facts.
package lib

# reason builds one entry of a decision's reasons; basis cites the rule ID and
# the document it comes from (RULES.md).
reason(code, message, basis) := {"code": code, "message": message, "basis": basis}

# refusal is a decision that cannot be taken from the input given; the server
# answers it as a 422 with this code and message.
refusal(code, message, details) := {"error": {"code": code, "message": message, "details": details}}

# params(name) merges the parameters of decision `name` along the chain, the
# most specific jurisdiction winning key by key, so a county can change one
# parameter without copying the rest. Parameters live in
# params/<code>/data.json, keyed by decision name. The credpol engine merges
# them once per chain and passes them as input.params; without it (opa test,
# opa eval) the policy merges them itself, with the same result.
params(name) := object.get(input.params, name, {}) if {
	input.params
} else := object.union_n([p |
	some code in array.reverse(input.jurisdiction.chain)
	p := data.params[code][name]
])

# enterprise is the facts document, empty when none were given.
default enterprise := {}

enterprise := input.enterprise

# active_listing holds for a listing in force on input.as_of: listed on or
# before that day and not removed by then.
active_listing(l) if {
	l.listed_on <= input.as_of
	not removed_by(l, input.as_of)
}

removed_by(l, day) if {
	l.removed_on != null
	l.removed_on <= day
}

# active_listings are the enterprise's listings in force on input.as_of.
active_listings := [l | some l in object.get(enterprise, "listings", []); active_listing(l)]

# list_names are the Chinese names of the two credit lists.
list_names := {
	"abnormal": "经营异常名录",
	"serious_dishonest": "严重违法失信名单",
}

# sector_names are the Chinese names of the key sectors.
sector_names := {
	"food": "食品",
	"drug": "药品",
	"special_equipment": "特种设备",
	"medical_device": "医疗器械",
	"cosmetics": "化妆品",
	"industrial_product": "工业产品",
	"general": "一般领域",
}

# concat_arrays joins a list of arrays in order: reasons are built from parts.
concat_arrays(parts) := [x | some part in parts; some x in part]
