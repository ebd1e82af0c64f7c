package storage

import "slices"

// EnterpriseTables maps each enterprise table to its columns as the row
// structs give them, for holding the migrations to the structs.
func EnterpriseTables() map[string][]string {
	out := map[string][]string{enterpriseTable.name: slices.Clone(enterpriseTable.columns)}
	for _, t := range listTables {
		out[t.name] = slices.Clone(t.columns)
	}
	return out
}
