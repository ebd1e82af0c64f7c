package storage

import (
	"fmt"
	"reflect"
	"sync"

	"gorm.io/gorm/schema"
)

// rowTable is a row struct as GORM maps it: its table and its columns in
// field order. COPY and the one-query load of enterprises take their column
// lists from it, so a column is spelt in its struct (and its migration) alone.
type rowTable struct {
	name    string
	columns []string
	fields  [][]int // each column's field index in the struct
}

// tableOf parses the row struct type t once, at start-up; a type GORM cannot
// map is a programming error, and every test would hit the panic.
func tableOf(t reflect.Type) rowTable {
	s, err := schema.Parse(reflect.New(t).Interface(), &sync.Map{}, schema.NamingStrategy{})
	if err != nil {
		panic(fmt.Sprintf("storage: row type %s: %v", t, err))
	}
	rt := rowTable{name: s.Table}
	for _, f := range s.Fields {
		if f.DBName != "" {
			rt.columns = append(rt.columns, f.DBName)
			rt.fields = append(rt.fields, f.StructField.Index)
		}
	}
	return rt
}

// values returns the column values of row, a row struct, in column order.
func (t rowTable) values(row reflect.Value) []any {
	out := make([]any, len(t.fields))
	for i, idx := range t.fields {
		// Boxed by kind, as a literal []any{r.A, r.B} would box them: Interface
		// allocates a copy of every value, while an empty string, a bool or a
		// small int boxes for free, and COPY boxes every column of every row.
		switch f := row.FieldByIndex(idx); f.Kind() {
		case reflect.String:
			out[i] = f.String()
		case reflect.Bool:
			out[i] = f.Bool()
		case reflect.Int:
			out[i] = int(f.Int())
		default:
			out[i] = f.Interface()
		}
	}
	return out
}

// pointers returns pointers to the column fields of row, an addressable row
// struct, in column order, for Scan.
func (t rowTable) pointers(row reflect.Value) []any {
	out := make([]any, len(t.fields))
	for i, idx := range t.fields {
		out[i] = row.FieldByIndex(idx).Addr().Interface()
	}
	return out
}
