package storage

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/credpol/credpol/internal/enterprise"
)

// factsPostgres decodes each list from json_agg, whose keys are the columns,
// through the list rows' json tags: a tag that is not its column would leave
// a fact empty on Postgres alone.
func TestListRowsDecodeByColumn(t *testing.T) {
	var rs rowSet
	for i, l := range rs.lists() {
		typ := reflect.TypeOf(l).Elem().Elem()
		var tags []string
		for f := range typ.Fields() {
			tags = append(tags, jsonName(f))
		}
		if want := listTables[i].columns; !slices.Equal(tags, want) {
			t.Errorf("%s: json tags %v, columns %v", typ, tags, want)
		}
	}
}

// Every fact has its column, and every list its table with a column for each
// field of its items: a fact added to enterprise.Facts fails here until the
// row structs (and a migration) hold it.
func TestEveryFactHasItsColumn(t *testing.T) {
	tables := map[string]rowTable{enterpriseTable.name: enterpriseTable}
	for _, lt := range listTables {
		tables[lt.name] = lt
	}
	scalars := []string{"updated_at"}
	for f := range reflect.TypeFor[enterprise.Facts]().Fields() {
		name := jsonName(f)
		if f.Type.Kind() != reflect.Slice || f.Type.Elem().Kind() != reflect.Struct {
			scalars = append(scalars, name)
			continue
		}
		lt, ok := tables["enterprise_"+name]
		if !ok {
			t.Errorf("list %s has no table enterprise_%s", name, name)
			continue
		}
		want := []string{"uscc", "seq"}
		for item := range f.Type.Elem().Fields() {
			want = append(want, jsonName(item))
		}
		if !sameSet(lt.columns, want) {
			t.Errorf("%s: columns %v, want uscc, seq and the fields of %s %v", lt.name, lt.columns, f.Type.Elem(), want)
		}
	}
	if !sameSet(enterpriseTable.columns, scalars) {
		t.Errorf("%s: columns %v, want the scalar facts and updated_at %v", enterpriseTable.name, enterpriseTable.columns, scalars)
	}
}

func sameSet(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return name
}
