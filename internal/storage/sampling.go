package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/credpol/credpol/internal/sampling"
)

var _ sampling.Store = (*Store)(nil)

type planRow struct {
	ID             string `gorm:"primaryKey"`
	Jurisdiction   string
	Name           string
	Year           int
	Seed           string
	Differentiated bool
	Summary        string // the whole plan as JSON: counts, groups, scope, inspectors
	CreatedAt      time.Time
}

func (planRow) TableName() string { return "sampling_plans" }

type planItemRow struct {
	PlanID       string `gorm:"primaryKey"`
	USCC         string `gorm:"column:uscc;primaryKey"`
	Grp          string
	Lean         bool
	Inspectors   string
	InspectedOn  *string
	Result       *string
	Published    bool
	FollowUpDone bool
}

func (planItemRow) TableName() string { return "sampling_plan_items" }

const populationSQL = `SELECT e.uscc, e.entity_type, e.status, COALESCE(e.risk_class, ''), e.key_sectors,
	COALESCE(e.premises_abnormal, FALSE),
	EXISTS (SELECT 1 FROM enterprise_penalties p WHERE p.uscc = e.uscc AND p.decided_on <= ?),
	EXISTS (SELECT 1 FROM enterprise_licenses l WHERE l.uscc = e.uscc AND l.expires_on < ?)
FROM enterprises e WHERE e.jurisdiction IN ?`

// StreamPopulation streams the population passes times inside one read
// transaction, so every pass sees the same rows; rows are scanned one at a
// time, never loaded together.
func (s *Store) StreamPopulation(ctx context.Context, q sampling.PopulationQuery, passes int, fn func(pass int, m sampling.Member) error) error {
	var opts []*sql.TxOptions
	if s.dialect == "postgres" {
		opts = append(opts, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for pass := 0; pass < passes; pass++ {
			rows, err := tx.Raw(populationSQL, q.AsOf, q.AsOf, q.Jurisdictions).Rows()
			if err != nil {
				return err
			}
			for rows.Next() {
				var m sampling.Member
				var sectors string
				if err := rows.Scan(&m.USCC, &m.EntityType, &m.Status, &m.Class, &sectors, &m.PremisesAbnormal,
					&m.Penalised, &m.LicenseExpired); err != nil {
					rows.Close()
					return err
				}
				if sectors != "" {
					m.Sectors = strings.Split(sectors, ",")
				}
				if err := fn(pass, m); err != nil {
					rows.Close()
					return err
				}
			}
			if err := errors.Join(rows.Err(), rows.Close()); err != nil {
				return err
			}
		}
		return nil
	}, opts...)
}

// PreviousInspectors returns who inspected each enterprise in the
// jurisdiction's latest plan.
func (s *Store) PreviousInspectors(ctx context.Context, jurisdiction string) (map[string][]string, error) {
	var last planRow
	err := s.db.WithContext(ctx).Where("jurisdiction = ?", jurisdiction).Order("created_at DESC").Take(&last).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return map[string][]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	rows, err := s.db.WithContext(ctx).Model(&planItemRow{}).Select("uscc, inspectors").Where("plan_id = ?", last.ID).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var uscc, inspectors string
		if err := rows.Scan(&uscc, &inspectors); err != nil {
			return nil, err
		}
		out[uscc] = splitList(inspectors)
	}
	return out, rows.Err()
}

// SavePlan stores a plan and its items in one transaction (COPY on Postgres).
func (s *Store) SavePlan(ctx context.Context, p sampling.Plan, items []sampling.Item) error {
	summary, err := json.Marshal(p)
	if err != nil {
		return err
	}
	row := planRow{ID: p.ID, Jurisdiction: p.Jurisdiction, Name: p.Name, Year: p.Year, Seed: p.Seed,
		Differentiated: p.Differentiated, Summary: string(summary), CreatedAt: p.CreatedAt}
	rows := make([]planItemRow, len(items))
	for i, it := range items {
		rows[i] = planItemRow{PlanID: p.ID, USCC: it.USCC, Grp: it.Group, Lean: it.Lean, Inspectors: strings.Join(it.Inspectors, ",")}
	}
	if s.dialect == "postgres" {
		return s.savePlanPostgres(ctx, row, rows)
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return createIfAny(tx, rows)
	})
}

func (s *Store) savePlanPostgres(ctx context.Context, p planRow, rows []planItemRow) error {
	return s.withPgx(ctx, func(pc *pgx.Conn) error {
		tx, err := pc.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		if _, err := tx.Exec(ctx, `INSERT INTO sampling_plans (id, jurisdiction, name, year, seed, differentiated, summary, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, p.ID, p.Jurisdiction, p.Name, p.Year, p.Seed, p.Differentiated, p.Summary, p.CreatedAt); err != nil {
			return err
		}
		src := pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
			r := rows[i]
			return []any{r.PlanID, r.USCC, r.Grp, r.Lean, r.Inspectors}, nil
		})
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"sampling_plan_items"}, []string{"plan_id", "uscc", "grp", "lean", "inspectors"}, src); err != nil {
			return fmt.Errorf("copying plan items: %w", err)
		}
		return tx.Commit(ctx)
	})
}

// Plan returns a stored plan.
func (s *Store) Plan(ctx context.Context, id string) (sampling.Plan, error) {
	var row planRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return sampling.Plan{}, sampling.ErrPlanNotFound
	}
	if err != nil {
		return sampling.Plan{}, err
	}
	var p sampling.Plan
	return p, json.Unmarshal([]byte(row.Summary), &p)
}

// PlanItems returns a page of a plan's items, by USCC, with enterprise names
// and key sectors (sampling marks those under the plan's key supervision).
func (s *Store) PlanItems(ctx context.Context, id string, offset, limit int) ([]sampling.Item, error) {
	rows, err := s.db.WithContext(ctx).Raw(`SELECT i.uscc, COALESCE(e.name, ''), i.grp, i.lean, i.inspectors,
			i.inspected_on, i.result, i.published, i.follow_up_done, COALESCE(e.key_sectors, '')
		FROM sampling_plan_items i LEFT JOIN enterprises e ON e.uscc = i.uscc
		WHERE i.plan_id = ? ORDER BY i.uscc LIMIT ? OFFSET ?`, id, limit, offset).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []sampling.Item{}
	for rows.Next() {
		it := sampling.Item{PlanID: id}
		var inspectors, sectors string
		if err := rows.Scan(&it.USCC, &it.Name, &it.Group, &it.Lean, &inspectors, &it.InspectedOn, &it.Result,
			&it.Published, &it.FollowUpDone, &sectors); err != nil {
			return nil, err
		}
		it.Inspectors, it.Sectors = splitList(inspectors), splitList(sectors)
		out = append(out, it)
	}
	return out, rows.Err()
}

// UpdateItem records an inspection outcome; a date and result also become an
// inspection in the enterprise's facts, in the same transaction.
func (s *Store) UpdateItem(ctx context.Context, id, uscc string, u sampling.ItemUpdate, task string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var item planItemRow
		err := tx.Where("plan_id = ? AND uscc = ?", id, uscc).Take(&item).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return sampling.ErrItemNotFound
		}
		if err != nil {
			return err
		}
		changes := map[string]any{}
		if u.InspectedOn != nil {
			changes["inspected_on"], changes["result"] = *u.InspectedOn, *u.Result
		}
		if u.Published != nil {
			changes["published"] = *u.Published
		}
		if u.FollowUpDone != nil {
			changes["follow_up_done"] = *u.FollowUpDone
		}
		if len(changes) > 0 {
			if err := tx.Model(&planItemRow{}).Where("plan_id = ? AND uscc = ?", id, uscc).Updates(changes).Error; err != nil {
				return err
			}
		}
		if u.InspectedOn == nil {
			return nil
		}
		var next int
		if err := tx.Raw("SELECT COALESCE(MAX(seq) + 1, 0) FROM enterprise_inspections WHERE uscc = ?", uscc).Scan(&next).Error; err != nil {
			return err
		}
		var exists int64
		if err := tx.Model(&enterpriseRow{}).Where("uscc = ?", uscc).Count(&exists).Error; err != nil || exists == 0 {
			return err // an enterprise deleted since the draw keeps only the plan's record
		}
		return tx.Create(&inspectionRow{USCC: uscc, Seq: next, Task: task, InspectedOn: *u.InspectedOn, Result: *u.Result}).Error
	})
}

// ComplianceCounts counts a jurisdiction's plans of one year.
func (s *Store) ComplianceCounts(ctx context.Context, jurisdiction string, codes []string, year int) (sampling.Counts, error) {
	var c sampling.Counts
	db := s.db.WithContext(ctx)
	var total int64
	if err := db.Model(&enterpriseRow{}).Where("jurisdiction IN ? AND status NOT IN ?", codes, []string{"revoked", "deregistered"}).
		Count(&total).Error; err != nil {
		return c, err
	}
	c.Enterprises = int(total)
	var agg struct {
		Items, Differentiated, Sampled, Inspected, Published, Problems, FollowedUp int
	}
	err := db.Raw(`SELECT COUNT(*) AS items,
			COALESCE(SUM(CASE WHEN p.differentiated THEN 1 ELSE 0 END), 0) AS differentiated,
			COUNT(DISTINCT i.uscc) AS sampled,
			COALESCE(SUM(CASE WHEN i.inspected_on IS NOT NULL THEN 1 ELSE 0 END), 0) AS inspected,
			COALESCE(SUM(CASE WHEN i.inspected_on IS NOT NULL AND i.published THEN 1 ELSE 0 END), 0) AS published,
			COALESCE(SUM(CASE WHEN i.result = 'problem' THEN 1 ELSE 0 END), 0) AS problems,
			COALESCE(SUM(CASE WHEN i.result = 'problem' AND i.follow_up_done THEN 1 ELSE 0 END), 0) AS followed_up
		FROM sampling_plan_items i JOIN sampling_plans p ON p.id = i.plan_id
		WHERE p.jurisdiction = ? AND p.year = ?`, jurisdiction, year).Scan(&agg).Error
	c.Items, c.Differentiated, c.Sampled, c.Inspected = agg.Items, agg.Differentiated, agg.Sampled, agg.Inspected
	c.Published, c.Problems, c.FollowedUp = agg.Published, agg.Problems, agg.FollowedUp
	return c, err
}

// UndifferentiatedPlans returns the jurisdiction's plans of the year drawn
// without the classification, oldest first, from their stored summaries.
func (s *Store) UndifferentiatedPlans(ctx context.Context, jurisdiction string, year int) ([]sampling.Plan, error) {
	var rows []planRow
	if err := s.db.WithContext(ctx).Where("jurisdiction = ? AND year = ? AND NOT differentiated", jurisdiction, year).
		Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]sampling.Plan, len(rows))
	for i, row := range rows {
		if err := json.Unmarshal([]byte(row.Summary), &out[i]); err != nil {
			return nil, fmt.Errorf("plan %s: %w", row.ID, err)
		}
	}
	return out, nil
}
