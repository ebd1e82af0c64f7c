package storage

import (
	"context"
	"fmt"
	"reflect"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// copyTable is one table's rows in COPY form: rows is a slice of its row
// structs.
type copyTable struct {
	table rowTable
	rows  reflect.Value
}

// putPostgres replaces records with COPY, an order of magnitude faster than
// INSERT for demo populations and large imports: delete the stored records
// (their lists go with them, ON DELETE CASCADE), then copy every table, all in
// one transaction on one connection.
func (s *Store) putPostgres(ctx context.Context, rs rowSet) error {
	return s.withPgx(ctx, func(pc *pgx.Conn) error {
		tx, err := pc.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		if _, err := tx.Exec(ctx, "DELETE FROM enterprises WHERE uscc = ANY($1)", rs.usccs); err != nil {
			return fmt.Errorf("replacing enterprises: %w", err)
		}
		for _, t := range rs.copyTables() {
			if t.rows.Len() == 0 {
				continue
			}
			src := pgx.CopyFromSlice(t.rows.Len(), func(i int) ([]any, error) { return t.table.values(t.rows.Index(i)), nil })
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.table.name}, t.table.columns, src); err != nil {
				return fmt.Errorf("copying %s: %w", t.table.name, err)
			}
		}
		return tx.Commit(ctx)
	})
}

// withPgx runs fn on a pooled connection's native pgx connection, for COPY,
// which database/sql cannot express.
func (s *Store) withPgx(ctx context.Context, fn func(*pgx.Conn) error) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error { return fn(dc.(*stdlib.Conn).Conn()) })
}

// copyTables are the enterprise rows and then each list's, parents first for
// the foreign keys.
func (rs rowSet) copyTables() []copyTable {
	out := []copyTable{{enterpriseTable, reflect.ValueOf(rs.enterprises)}}
	for i, list := range rs.lists() {
		out = append(out, copyTable{listTables[i], reflect.ValueOf(list).Elem()})
	}
	return out
}
