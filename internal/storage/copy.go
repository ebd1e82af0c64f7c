package storage

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// copyTable is one table's rows in COPY form.
type copyTable struct {
	name    string
	columns []string
	n       int
	row     func(i int) []any
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
			if t.n == 0 {
				continue
			}
			src := pgx.CopyFromSlice(t.n, func(i int) ([]any, error) { return t.row(i), nil })
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.columns, src); err != nil {
				return fmt.Errorf("copying %s: %w", t.name, err)
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

func (rs rowSet) copyTables() []copyTable {
	return []copyTable{
		{"enterprises", []string{"uscc", "name", "entity_type", "jurisdiction", "established_on", "status", "key_sectors",
			"new_format", "public_credit_score", "risk_class", "premises_abnormal", "reachable", "updated_at"},
			len(rs.enterprises), func(i int) []any {
				r := rs.enterprises[i]
				return []any{r.USCC, r.Name, r.EntityType, r.Jurisdiction, r.EstablishedOn, r.Status, r.KeySectors,
					r.NewFormat, r.PublicCreditScore, r.RiskClass, r.PremisesAbnormal, r.Reachable, r.UpdatedAt}
			}},
		{"enterprise_penalties", []string{"uscc", "seq", "decision_no", "decided_on", "published_on", "kinds", "fine_amount",
			"sector", "procedure", "duties_fulfilled", "harm_removed"},
			len(rs.penalties), func(i int) []any {
				r := rs.penalties[i]
				return []any{r.USCC, r.Seq, r.DecisionNo, r.DecidedOn, r.PublishedOn, r.Kinds, r.FineAmount,
					r.Sector, r.Procedure, r.DutiesFulfilled, r.HarmRemoved}
			}},
		{"enterprise_listings", []string{"uscc", "seq", "list", "cause", "listed_on", "removed_on"},
			len(rs.listings), func(i int) []any {
				r := rs.listings[i]
				return []any{r.USCC, r.Seq, r.List, r.Cause, r.ListedOn, r.RemovedOn}
			}},
		{"enterprise_licenses", []string{"uscc", "seq", "kind", "number", "expires_on"},
			len(rs.licenses), func(i int) []any {
				r := rs.licenses[i]
				return []any{r.USCC, r.Seq, r.Kind, r.Number, r.ExpiresOn}
			}},
		{"enterprise_inspections", []string{"uscc", "seq", "task", "inspected_on", "result"},
			len(rs.inspections), func(i int) []any {
				r := rs.inspections[i]
				return []any{r.USCC, r.Seq, r.Task, r.InspectedOn, r.Result}
			}},
		{"enterprise_complaints", []string{"uscc", "seq", "received_on", "kind"},
			len(rs.complaints), func(i int) []any {
				r := rs.complaints[i]
				return []any{r.USCC, r.Seq, r.ReceivedOn, r.Kind}
			}},
		{"enterprise_commitments", []string{"uscc", "seq", "item", "made_on", "status"},
			len(rs.commitments), func(i int) []any {
				r := rs.commitments[i]
				return []any{r.USCC, r.Seq, r.Item, r.MadeOn, r.Status}
			}},
		{"enterprise_annual_reports", []string{"uscc", "seq", "year", "filed_on", "amendments"},
			len(rs.reports), func(i int) []any {
				r := rs.reports[i]
				return []any{r.USCC, r.Seq, r.Year, r.FiledOn, r.Amendments}
			}},
	}
}
