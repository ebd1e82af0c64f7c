package storage

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/credpol/credpol/admin"
	"github.com/credpol/credpol/internal/enterprise"
)

// Tables: drafts, gate_results, reviews.

type draftRow struct {
	ID           string `gorm:"primaryKey"`
	Jurisdiction string
	Base         int64
	Author       string
	Title        string
	State        string
	Hash         string
	Files        string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Revision     *int64
}

func (draftRow) TableName() string { return "drafts" }

func draftRowOf(d admin.Draft) (draftRow, error) {
	files, err := encodeFiles(d.Files)
	return draftRow{ID: d.ID, Jurisdiction: d.Jurisdiction, Base: d.Base, Author: d.Author, Title: d.Title,
		State: string(d.State), Hash: d.Hash, Files: files, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(),
		Revision: nonZero(d.Revision)}, err
}

func (r draftRow) draft() (admin.Draft, error) {
	var files map[string][]byte
	var err error
	if r.Files != "" { // a listing reads no files
		files, err = decodeFiles(r.Files)
	}
	return admin.Draft{ID: r.ID, Jurisdiction: r.Jurisdiction, Base: r.Base, Author: r.Author, Title: r.Title,
		State: admin.State(r.State), Hash: r.Hash, Files: files, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		Revision: enterprise.Value(r.Revision)}, err
}

// A tree's files are kept as one JSON object of path → text, in drafts and
// policy_revisions alike: trees hold only UTF-8 text (the engine and admin
// refuse anything else before a file is taken).
func encodeFiles(files map[string][]byte) (string, error) {
	text := make(map[string]string, len(files))
	for name, b := range files {
		text[name] = string(b)
	}
	b, err := json.Marshal(text)
	return string(b), err
}

func decodeFiles(s string) (map[string][]byte, error) {
	var text map[string]string
	if err := json.Unmarshal([]byte(s), &text); err != nil {
		return nil, err
	}
	files := make(map[string][]byte, len(text))
	for name, t := range text {
		files[name] = []byte(t)
	}
	return files, nil
}

// CreateDraft stores a new draft.
func (s *Store) CreateDraft(ctx context.Context, d admin.Draft) error {
	row, err := draftRowOf(d)
	if err != nil {
		return err
	}
	return conflictOr(s.db.WithContext(ctx).Create(&row).Error)
}

// Draft returns one draft.
func (s *Store) Draft(ctx context.Context, id string) (admin.Draft, error) {
	var row draftRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return admin.Draft{}, admin.ErrNotFound
	}
	if err != nil {
		return admin.Draft{}, err
	}
	return row.draft()
}

// Drafts returns every draft without its files.
func (s *Store) Drafts(ctx context.Context) ([]admin.Draft, error) {
	var rows []draftRow
	if err := s.db.WithContext(ctx).Omit("files").Order("updated_at DESC").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]admin.Draft, 0, len(rows))
	for _, r := range rows {
		d, err := r.draft()
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// UpdateDraft replaces the draft if its stored content hash is still
// expectHash (ErrConflict when another change came first).
func (s *Store) UpdateDraft(ctx context.Context, d admin.Draft, expectHash string) error {
	row, err := draftRowOf(d)
	if err != nil {
		return err
	}
	res := s.db.WithContext(ctx).Model(&draftRow{}).Where("id = ? AND hash = ? AND state <> ?", d.ID, expectHash, string(admin.Published)).
		Updates(map[string]any{"base": row.Base, "title": row.Title, "state": row.State, "hash": row.Hash,
			"files": row.Files, "updated_at": row.UpdatedAt})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return admin.ErrConflict
	}
	return nil
}

type gateRow struct {
	Hash       string `gorm:"primaryKey"`
	State      string
	Report     *string
	StartedAt  time.Time
	FinishedAt *time.Time
}

func (gateRow) TableName() string { return "gate_results" }

// GateResult returns the gate's verdict on a content hash.
func (s *Store) GateResult(ctx context.Context, hash string) (admin.GateResult, error) {
	var row gateRow
	err := s.db.WithContext(ctx).Where("hash = ?", hash).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return admin.GateResult{}, admin.ErrNotFound
	}
	if err != nil {
		return admin.GateResult{}, err
	}
	g := admin.GateResult{Hash: row.Hash, State: row.State, StartedAt: row.StartedAt.UTC(), FinishedAt: enterprise.Value(row.FinishedAt).UTC()}
	if row.Report != nil {
		g.Report = &admin.GateReport{}
		if err := json.Unmarshal([]byte(*row.Report), g.Report); err != nil {
			return admin.GateResult{}, err
		}
	}
	return g, nil
}

// SaveGateResult stores or replaces the verdict on a content hash.
func (s *Store) SaveGateResult(ctx context.Context, g admin.GateResult) error {
	row := gateRow{Hash: g.Hash, State: g.State, StartedAt: g.StartedAt.UTC()}
	if g.Report != nil {
		b, err := json.Marshal(g.Report)
		if err != nil {
			return err
		}
		row.Report = nonZero(string(b))
	}
	if !g.FinishedAt.IsZero() {
		t := g.FinishedAt.UTC()
		row.FinishedAt = &t
	}
	return s.db.WithContext(ctx).Save(&row).Error
}

type reviewRow struct {
	ID         string `gorm:"primaryKey"`
	DraftID    string
	Hash       string
	Reviewer   string
	Verdict    string
	Comment    string
	Comments   string
	ReviewedAt time.Time
}

func (reviewRow) TableName() string { return "reviews" }

// AddReview stores a review and moves the draft to state, if the draft's
// content hash is still expectHash.
func (s *Store) AddReview(ctx context.Context, r admin.Review, state admin.State, expectHash string) error {
	comments, err := json.Marshal(r.Comments)
	if err != nil {
		return err
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&draftRow{}).Where("id = ? AND hash = ? AND state = ?", r.DraftID, expectHash, string(admin.Submitted)).
			Updates(map[string]any{"state": string(state), "updated_at": r.At.UTC()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return admin.ErrConflict
		}
		return tx.Create(&reviewRow{ID: r.ID, DraftID: r.DraftID, Hash: r.Hash, Reviewer: r.Reviewer, Verdict: r.Verdict,
			Comment: r.Comment, Comments: string(comments), ReviewedAt: r.At.UTC()}).Error
	})
}

// Reviews lists a draft's reviews, oldest first.
func (s *Store) Reviews(ctx context.Context, draftID string) ([]admin.Review, error) {
	var rows []reviewRow
	if err := s.db.WithContext(ctx).Where("draft_id = ?", draftID).Order("reviewed_at, id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]admin.Review, len(rows))
	for i, r := range rows {
		out[i] = admin.Review{ID: r.ID, DraftID: r.DraftID, Hash: r.Hash, Reviewer: r.Reviewer, Verdict: r.Verdict,
			Comment: r.Comment, At: r.ReviewedAt.UTC()}
		if err := json.Unmarshal([]byte(r.Comments), &out[i].Comments); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// conflictOr turns a duplicate key into admin.ErrConflict.
func conflictOr(err error) error {
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == "23505" {
		return admin.ErrConflict
	}
	if err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed") {
		return admin.ErrConflict
	}
	return err
}
