package storage

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/credpol/credpol/admin"
	"github.com/credpol/credpol/internal/enterprise"
)

// Tables: users, sessions.

type userRow struct {
	Name          string `gorm:"primaryKey"`
	PasswordHash  string
	Roles         string
	Jurisdictions string
	CreatedAt     time.Time
	FailedLogins  int
	LockedUntil   *time.Time
	Disabled      bool
	CreatedBy     *string
}

func (userRow) TableName() string { return "users" }

func userRowOf(u admin.User) (userRow, error) {
	roles, err1 := json.Marshal(u.Roles)
	juris, err2 := json.Marshal(u.Jurisdictions)
	row := userRow{Name: u.Name, PasswordHash: u.PasswordHash, Roles: string(roles), Jurisdictions: string(juris),
		CreatedAt: u.CreatedAt.UTC(), FailedLogins: u.FailedLogins, Disabled: u.Disabled, CreatedBy: nonZero(u.CreatedBy)}
	if !u.LockedUntil.IsZero() {
		t := u.LockedUntil.UTC()
		row.LockedUntil = &t
	}
	return row, errors.Join(err1, err2)
}

func (r userRow) user() (admin.User, error) {
	u := admin.User{Name: r.Name, PasswordHash: r.PasswordHash, CreatedAt: r.CreatedAt.UTC(), FailedLogins: r.FailedLogins,
		LockedUntil: enterprise.Value(r.LockedUntil).UTC(), Disabled: r.Disabled, CreatedBy: enterprise.Value(r.CreatedBy)}
	err := errors.Join(json.Unmarshal([]byte(r.Roles), &u.Roles), json.Unmarshal([]byte(r.Jurisdictions), &u.Jurisdictions))
	return u, err
}

// CreateUser stores a new user (admin.ErrConflict when the name is taken).
func (s *Store) CreateUser(ctx context.Context, u admin.User) error {
	row, err := userRowOf(u)
	if err != nil {
		return err
	}
	return conflictOr(s.db.WithContext(ctx).Create(&row).Error)
}

// User returns the named user.
func (s *Store) User(ctx context.Context, name string) (admin.User, error) {
	var row userRow
	err := s.db.WithContext(ctx).Where("name = ?", name).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return admin.User{}, admin.ErrNotFound
	}
	if err != nil {
		return admin.User{}, err
	}
	return row.user()
}

// Users lists every user by name.
func (s *Store) Users(ctx context.Context) ([]admin.User, error) {
	var rows []userRow
	if err := s.db.WithContext(ctx).Order("name").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]admin.User, 0, len(rows))
	for _, r := range rows {
		u, err := r.user()
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

// LoginFailed counts a failed login and, from the lockAfter-th failure in
// a row, locks the user until lock(failures) from now. One statement each,
// so logins racing each other cannot lose a count.
func (s *Store) LoginFailed(ctx context.Context, name string, lockAfter int, lock func(failures int) time.Time) error {
	var failures []int
	if err := s.db.WithContext(ctx).Raw("UPDATE users SET failed_logins = failed_logins + 1 WHERE name = ? RETURNING failed_logins", name).
		Scan(&failures).Error; err != nil {
		return err
	}
	if len(failures) == 0 || failures[0] < lockAfter {
		return nil
	}
	return s.db.WithContext(ctx).Model(&userRow{}).Where("name = ?", name).Update("locked_until", lock(failures[0]).UTC()).Error
}

// LoginSucceeded clears the user's failure count.
func (s *Store) LoginSucceeded(ctx context.Context, name string) error {
	return s.db.WithContext(ctx).Model(&userRow{}).Where("name = ? AND failed_logins <> 0", name).
		Updates(map[string]any{"failed_logins": 0, "locked_until": nil}).Error
}

// DisableUser disables the user; only this column is written, so nothing
// read before can undo it.
func (s *Store) DisableUser(ctx context.Context, name string) error {
	return s.db.WithContext(ctx).Model(&userRow{}).Where("name = ?", name).Update("disabled", true).Error
}

// UpdateUser sets the user's roles and jurisdictions; only those columns
// are written.
func (s *Store) UpdateUser(ctx context.Context, name string, roles []admin.Role, jurisdictions []string) error {
	r, err1 := json.Marshal(roles)
	j, err2 := json.Marshal(jurisdictions)
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	return s.db.WithContext(ctx).Model(&userRow{}).Where("name = ?", name).
		Updates(map[string]any{"roles": string(r), "jurisdictions": string(j)}).Error
}

type sessionRow struct {
	Hash      string `gorm:"primaryKey"`
	UserName  string
	CreatedAt time.Time
	ExpiresAt time.Time
	RevokedAt *time.Time
}

func (sessionRow) TableName() string { return "sessions" }

// CreateSession stores a login session.
func (s *Store) CreateSession(ctx context.Context, sess admin.Session) error {
	return s.db.WithContext(ctx).Create(&sessionRow{Hash: sess.Hash, UserName: sess.User,
		CreatedAt: sess.CreatedAt.UTC(), ExpiresAt: sess.ExpiresAt.UTC()}).Error
}

// Session returns the session with this token hash.
func (s *Store) Session(ctx context.Context, hash string) (admin.Session, error) {
	var row sessionRow
	err := s.db.WithContext(ctx).Where("hash = ?", hash).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return admin.Session{}, admin.ErrNotFound
	}
	if err != nil {
		return admin.Session{}, err
	}
	return admin.Session{Hash: row.Hash, User: row.UserName, CreatedAt: row.CreatedAt.UTC(), ExpiresAt: row.ExpiresAt.UTC(),
		RevokedAt: utcPtr(row.RevokedAt)}, nil
}

// RevokeSessions ends the session with hash, or every session of user when
// hash is empty.
func (s *Store) RevokeSessions(ctx context.Context, user, hash string, at time.Time) error {
	q := s.db.WithContext(ctx).Model(&sessionRow{}).Where("user_name = ? AND revoked_at IS NULL", user)
	if hash != "" {
		q = q.Where("hash = ?", hash)
	}
	return q.Update("revoked_at", at.UTC()).Error
}
