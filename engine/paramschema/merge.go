package paramschema

// Merge lays b over a as the policies merge parameters along a chain
// (object.union in lib.params, and the engine's merge): objects merge key by
// key, anything else in b replaces what a had. Each value keeps the file it
// came from, so a problem in the merged block points at the level that set it.
func Merge(a, b *Value) *Value {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	if a.Kind != Object || b.Kind != Object {
		return b
	}
	out := &Value{Kind: Object, Members: make(map[string]*Value, len(a.Keys)+len(b.Keys)), src: b.src, off: b.off}
	for _, k := range a.Keys {
		out.Keys = append(out.Keys, k)
		out.Members[k] = a.Members[k]
	}
	for _, k := range b.Keys {
		if _, seen := out.Members[k]; !seen {
			out.Keys = append(out.Keys, k)
		}
		out.Members[k] = Merge(out.Members[k], b.Members[k])
	}
	return out
}
