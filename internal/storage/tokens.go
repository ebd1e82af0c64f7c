package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/credpol/credpol/internal/auth"
)

type tokenRow struct {
	ID            string
	Name          string
	Hash          string
	Jurisdictions string
	Decisions     string
	CreatedAt     time.Time
	ExpiresAt     *time.Time
	RevokedAt     *time.Time
}

func (tokenRow) TableName() string { return "api_tokens" }

var _ auth.TokenStore = (*Store)(nil)

// TokenByHash returns the token with hash, or auth.ErrInvalidToken.
func (s *Store) TokenByHash(ctx context.Context, hash string) (auth.Token, error) {
	var r tokenRow
	err := s.db.WithContext(ctx).Where("hash = ?", hash).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return auth.Token{}, auth.ErrInvalidToken
	}
	if err != nil {
		return auth.Token{}, fmt.Errorf("looking up token: %w", err)
	}
	return r.token(), nil
}

// TokensVersion summarises the token table in one cheap aggregate: it
// changes when a token is created or rotated (count, newest created_at) or
// revoked (count of revoked tokens, newest revoked_at). Counting revocations
// as well as taking their newest time keeps a revocation visible even when
// the revoking node's clock lags behind an earlier one's.
func (s *Store) TokensVersion(ctx context.Context) (string, error) {
	var n, revoked int64
	var created, lastRevoked any
	err := s.db.WithContext(ctx).Raw(`SELECT count(*), count(revoked_at), max(created_at), max(revoked_at) FROM api_tokens`).
		Row().Scan(&n, &revoked, &created, &lastRevoked)
	if err != nil {
		return "", fmt.Errorf("reading the tokens' version: %w", err)
	}
	return fmt.Sprint(n, "/", revoked, "/", created, "/", lastRevoked), nil
}

// CreateToken stores a token under name; a token of the same name is replaced,
// which is how a lost secret is rotated.
func (s *Store) CreateToken(ctx context.Context, t auth.Token) (auth.Token, error) {
	t.ID = uuid.NewString()
	t.CreatedAt = time.Now().UTC()
	r := tokenRow{ID: t.ID, Name: t.Name, Hash: t.Hash, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt,
		Jurisdictions: strings.Join(t.Jurisdictions, ","), Decisions: strings.Join(t.Decisions, ",")}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("name = ?", t.Name).Delete(&tokenRow{}).Error; err != nil {
			return err
		}
		return tx.Create(&r).Error
	})
	if err != nil {
		return auth.Token{}, fmt.Errorf("storing token: %w", err)
	}
	return t, nil
}

// RevokeToken marks the named token revoked.
func (s *Store) RevokeToken(ctx context.Context, name string) error {
	res := s.db.WithContext(ctx).Model(&tokenRow{}).Where("name = ? AND revoked_at IS NULL", name).
		Update("revoked_at", time.Now().UTC())
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("no active token named %q", name)
	}
	return nil
}

// Tokens lists every token, without secrets.
func (s *Store) Tokens(ctx context.Context) ([]auth.Token, error) {
	var rows []tokenRow
	if err := s.db.WithContext(ctx).Order("name").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]auth.Token, len(rows))
	for i, r := range rows {
		out[i] = r.token()
	}
	return out, nil
}

func (r tokenRow) token() auth.Token {
	return auth.Token{ID: r.ID, Name: r.Name, Hash: r.Hash, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt, RevokedAt: r.RevokedAt,
		Jurisdictions: splitList(r.Jurisdictions), Decisions: splitList(r.Decisions)}
}

// splitList reads a comma-separated column; empty means an empty list.
func splitList(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}
