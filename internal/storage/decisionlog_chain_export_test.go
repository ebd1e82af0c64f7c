package storage

import "context"

// Tamper runs SQL behind the application's back, as someone with the
// database's rights would.
func (s *Store) Tamper(ctx context.Context, sql string, args ...any) error {
	return s.db.WithContext(ctx).Exec(sql, args...).Error
}
