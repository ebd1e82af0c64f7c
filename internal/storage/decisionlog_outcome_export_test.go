package storage

import (
	"context"
	"strings"

	"github.com/credpol/credpol/internal/decisionlog"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// ExplainSearch returns Postgres's plan for the query SearchDecisions runs
// for q: the query is built on a dry-run handle, then explained for real.
func (s *Store) ExplainSearch(ctx context.Context, q decisionlog.LogQuery) (string, error) {
	dry, err := gorm.Open(s.db.Dialector, &gorm.Config{DryRun: true, Logger: logger.Discard})
	if err != nil {
		return "", err
	}
	if conn, err := dry.DB(); err == nil {
		defer conn.Close()
	}
	var (
		sqlText string
		vars    []any
	)
	err = dry.Callback().Query().After("gorm:query").Register("capture", func(tx *gorm.DB) {
		sqlText, vars = tx.Statement.SQL.String(), tx.Statement.Vars
	})
	if err != nil {
		return "", err
	}
	if _, err := (&Store{db: dry, dialect: s.dialect}).SearchDecisions(ctx, q); err != nil {
		return "", err
	}
	conn, err := s.db.DB()
	if err != nil {
		return "", err
	}
	rows, err := conn.QueryContext(ctx, "EXPLAIN "+sqlText, vars...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return "", err
		}
		plan = append(plan, line)
	}
	return strings.Join(plan, "\n"), rows.Err()
}
