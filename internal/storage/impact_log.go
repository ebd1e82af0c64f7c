package storage

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/credpol/credpol/internal/decisionlog"
)

// An impact run re-evaluates the decision log of a time window in key ranges
// of entry ids (UUIDv7, so in the order they were logged), a chunk at a
// time, as it walks stored enterprises by USCC: the window is never held
// whole. A scope maps each decision to the jurisdictions whose entries are
// wanted; an empty scope holds nothing.

// DecisionKeys returns, in id order, the ids of the entries logged in
// [from, to) whose decision and jurisdiction scope holds, after after (all
// when ""), up to and including through (no bound when ""), at most limit
// of them (no limit when 0).
func (s *Store) DecisionKeys(ctx context.Context, from, to time.Time, scope map[string][]string, after, through string, limit int) ([]string, error) {
	out := []string{}
	q, ok := s.logRange(ctx, from, to, scope, after, through)
	if !ok {
		return out, nil
	}
	if limit > 0 {
		q = q.Limit(limit)
	}
	if err := q.Pluck("id", &out).Error; err != nil {
		return nil, fmt.Errorf("listing decision log entries: %w", err)
	}
	return out, nil
}

// DecisionRange returns the whole entries DecisionKeys lists from after
// through through, in id order.
func (s *Store) DecisionRange(ctx context.Context, from, to time.Time, scope map[string][]string, after, through string) ([]decisionlog.Record, error) {
	out := []decisionlog.Record{}
	q, ok := s.logRange(ctx, from, to, scope, after, through)
	if !ok {
		return out, nil
	}
	var rows []decisionRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("loading decision log entries: %w", err)
	}
	for _, r := range rows {
		rec, err := r.record()
		if err != nil {
			return nil, fmt.Errorf("decoding decision log entry %s: %w", r.ID, err)
		}
		out = append(out, rec)
	}
	return out, nil
}

// DecisionCounts counts the entries logged in [from, to) per decision and
// jurisdiction, of the decisions and jurisdictions given (pairs holding
// none are absent).
func (s *Store) DecisionCounts(ctx context.Context, from, to time.Time, decisions, jurisdictions []string) (map[string]map[string]int64, error) {
	out := map[string]map[string]int64{}
	if len(decisions) == 0 || len(jurisdictions) == 0 {
		return out, nil
	}
	var rows []struct {
		Decision     string
		Jurisdiction string
		N            int64
	}
	if err := s.db.WithContext(ctx).Model(&decisionRow{}).Select("decision, jurisdiction, COUNT(*) AS n").
		Where("logged_at >= ? AND logged_at < ?", from.UTC(), to.UTC()).
		Where("decision IN ? AND jurisdiction IN ?", decisions, jurisdictions).
		Group("decision, jurisdiction").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("counting decision log entries: %w", err)
	}
	for _, r := range rows {
		if out[r.Decision] == nil {
			out[r.Decision] = map[string]int64{}
		}
		out[r.Decision][r.Jurisdiction] = r.N
	}
	return out, nil
}

// logRange is the query of the entries in a window, scope and key range,
// in id order; false when the scope holds nothing.
func (s *Store) logRange(ctx context.Context, from, to time.Time, scope map[string][]string, after, through string) (*gorm.DB, bool) {
	var conds []string
	var args []any
	for _, name := range slices.Sorted(maps.Keys(scope)) {
		if len(scope[name]) > 0 {
			conds = append(conds, "(decision = ? AND jurisdiction IN ?)")
			args = append(args, name, scope[name])
		}
	}
	if len(conds) == 0 {
		return nil, false
	}
	// The window on logged_at lets Postgres read only its monthly partitions.
	q := s.db.WithContext(ctx).Model(&decisionRow{}).Where("logged_at >= ? AND logged_at < ?", from.UTC(), to.UTC()).
		Where("("+strings.Join(conds, " OR ")+")", args...).Order("id")
	if after != "" {
		q = q.Where("id > ?", after)
	}
	if through != "" {
		q = q.Where("id <= ?", through)
	}
	return q, true
}
