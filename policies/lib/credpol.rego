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

# Where a parameter comes from. Parameters merge along the chain key by key,
# so the value a reason rests on may come from any level: the reason must cite
# the document of the level that set that value, not of whoever set the rest
# of the block. Each level's file labels what it sets with "basis": a string
# cites every value beneath it, an object cites the members it names, and the
# nearest label above a value counts. Labels (basis, source, *_source) and
# wording (text, *_text) describe values rather than set them.

# cite(name, paths) is the basis of a reason that rests on the values at paths
# (each a list of keys) of decision name's parameters: for each value, the
# basis given by the most specific jurisdiction on the chain that sets it,
# each document named once, in the order of paths.
cite(name, paths) := set_by(name)[concat("/", paths[0])].basis if {
	count(paths) == 1
} else := b if {
	# Two values are the usual case; spelt out, as a comprehension costs more.
	count(paths) == 2
	sb := set_by(name)
	b := join_two(sb[concat("/", paths[0])].basis, sb[concat("/", paths[1])].basis)
} else := concat("；", distinct([b |
	sb := set_by(name)
	some path in paths
	b := sb[concat("/", path)].basis
]))

join_two(a, a) := a

join_two(a, b) := concat("；", [a, b]) if a != b

# setter(name, path) is the most specific jurisdiction on the chain whose
# parameters of decision name set a value at path or beneath it.
setter(name, path) := set_by(name)[concat("/", path)].code

# source_of(name, path) is the source that level names for the value: the
# nearest "source" above it in its own file.
source_of(name, path) := s if {
	s := set_by(name)[concat("/", path)].source
} else := ""

# set_by(name) maps the path of every value of decision name's parameters
# ("regimes/CN-6/repair_after") to {code, basis, source}: who set it, citing
# what, from which document.
# The credpol engine computes it once per chain beside the merged parameters
# (input.params._set_by); without it (opa test, opa eval) it is computed here
# from data.params, with the same result.
set_by(name) := input.params._set_by[name] if {
	input.params._set_by
} else := object.union_n([level_set_by(data.params[code][name], code) |
	some code in array.reverse(input.jurisdiction.chain)
	is_object(data.params[code][name])
])

level_set_by(block, code) := {concat("/", path): {"code": code, "basis": basis_or_source(block, path, code), "source": label_or_empty(block, path, "source")} |
	walk(block, [path, v])
	count(path) > 0
	every k in path {
		is_string(k)
		not label_key(k)
	}
	holds_value(v)
}

basis_or_source(block, path, code) := b if {
	b := nearest_label(block, path, "basis")
} else := sprintf("%s（%s的参数，未注明依据）", [object.get(block, "source", ""), code])

label_or_empty(block, path, label) := l if {
	l := nearest_label(block, path, label)
} else := ""

holds_value(v) if not is_object(v)

holds_value(v) if {
	is_object(v)
	walk(v, [p, x])
	not is_object(x)
	not describes(p)
}

describes(p) if {
	some k in p
	is_string(k)
	label_key(k)
}

label_key(k) if k in {"basis", "source", "text"}

label_key(k) if endswith(k, "_source")

label_key(k) if endswith(k, "_text")

# nearest_label is the label closest above path: at each object from the
# value up to the block, a string label, or an object label's entry for the
# member that leads towards the value.
nearest_label(block, path, label) := [l |
	some i in numbers.range(count(path), 0)
	node := object.get(block, array.slice(path, 0, i), {})
	l := label_at(node, label, path, i)
][0]

label_at(node, label, _, _) := node[label] if is_string(node[label])

label_at(node, label, path, i) := node[label][path[i]] if is_string(node[label][path[i]])

# distinct keeps the first of equal items, in order.
distinct(xs) := [x | some i, x in xs; not x in array.slice(xs, 0, i)]

# join_bases joins citations, each once, leaving out empty ones.
join_bases(bases) := join_two(bases[0], bases[1]) if {
	count(bases) == 2
	bases[0] != ""
	bases[1] != ""
} else := concat("；", distinct([b | some b in bases; b != ""]))

# render fills a text's {placeholders} with the values at their dotted paths,
# looked up in each of scopes in turn (the list item, then the block), so a
# text that states a number never repeats it: the number is written once,
# where it takes effect. A period ({"months": 6}) reads 6个月, a list 、-joined.
render(text, scopes) := strings.replace_n(
	{m[0]: show(v) |
		some m in regex.find_all_string_submatch_n(`\{([^{}]+)\}`, text, -1)
		v := [x | some s in scopes; x := object.get(s, split(m[1], "."), absent); x != absent][0]
	},
	text,
)

# absent stands for a missing value: no parameter is this object.
absent := {"credpol.absent": true}

# placeholders are the dotted paths a text refers to, as key lists.
placeholders(text) := [split(m[1], ".") | some m in regex.find_all_string_submatch_n(`\{([^{}]+)\}`, text, -1)]

# overridden(name, own, paths) holds when a level more specific than the one
# that set the value at own sets a value at one of paths: a text its author
# wrote about the values then in force no longer describes what decides.
overridden(name, own, paths) if {
	mine := chain_index(setter(name, own))
	some path in paths
	chain_index(setter(name, path)) < mine
}

chain_index(code) := i if input.jurisdiction.chain[i] == code

# basis_for(name, topic) is what the block's basis object gives for a topic
# that is a rule rather than a value (the rule that ratios follow the class):
# merged along the chain, the most specific level's entry; "" when none.
basis_for(name, topic) := b if {
	b := params(name).basis[topic]
	is_string(b)
} else := ""

show(x) := concat("、", [scalar_text(e) | some e in x]) if is_array(x)

else := period_text(x) if is_object(x)

else := scalar_text(x)

scalar_text(x) := x if is_string(x)

else := sprintf("%v", [x])

# period_text reads a period of years, months and days in Chinese.
period_text(p) := concat("", [sprintf("%v%s", [n, unit]) |
	some [key, unit] in [["years", "年"], ["months", "个月"], ["days", "日"]]
	n := object.get(p, key, 0)
	n != 0
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

# credit_lists are the two lists of 企业信息公示暂行条例 Art. 17–18 that carry
# the national restrictions. The abnormal-status mark of an individual
# business (abnormal_mark, 个体工商户年度报告办法) is recorded beside them but
# is not one of them: only a rule that names it (ST-4) acts on it.
credit_lists := {"abnormal", "serious_dishonest"}

# active_credit_listings are the listings in force in either credit list.
active_credit_listings := [l | some l in active_listings; l.list in credit_lists]

# sectors_worked are the key sectors the enterprise works in; with
# producers_only, only those in which it is a producer (生产企业), as
# Shantou's key areas are (ST-1: 食品、特种设备等生产企业).
sectors_worked(producers_only) := object.get(enterprise, "production_sectors", []) if producers_only

else := object.get(enterprise, "key_sectors", [])

# list_names are the Chinese names of the two credit lists and of the mark.
list_names := {
	"abnormal": "经营异常名录",
	"serious_dishonest": "严重违法失信名单",
	"abnormal_mark": "经营异常状态标记",
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
