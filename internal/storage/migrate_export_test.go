package storage

import (
	"context"
	"io/fs"
)

// MigrateFS runs Migrate with the migrations read from dir instead of the
// embedded ones.
func (s *Store) MigrateFS(ctx context.Context, dir fs.FS) ([]string, error) {
	return s.migrateFS(ctx, dir)
}

// CheckSchemaFS runs CheckSchema with the migrations read from dir.
func (s *Store) CheckSchemaFS(ctx context.Context, dir fs.FS) error {
	return s.checkSchemaFS(ctx, dir)
}
