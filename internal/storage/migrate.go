package storage

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Migrations are SQL files named NNNN_description.sql, applied in order, each
// in its own transaction and recorded in schema_migrations. A file named
// NNNN_description.<dialect>.sql replaces the common one on that dialect
// (postgres or sqlite) where the two must differ.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

func migrationsFor(dialect string) ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	byVersion := map[int]migration{}
	specific := map[int]bool{}
	for _, e := range entries {
		base := strings.TrimSuffix(e.Name(), ".sql")
		name, variant, hasVariant := strings.Cut(base, ".")
		if hasVariant && variant != dialect {
			continue
		}
		num, _, _ := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number", e.Name())
		}
		if specific[v] && !hasVariant {
			continue
		}
		b, err := fs.ReadFile(migrationFiles, path.Join("migrations", e.Name()))
		if err != nil {
			return nil, err
		}
		byVersion[v] = migration{version: v, name: name, sql: string(b)}
		specific[v] = specific[v] || hasVariant
	}
	out := make([]migration, 0, len(byVersion))
	for _, m := range byVersion {
		out = append(out, m)
	}
	sort.Slice(out, func(i, k int) bool { return out[i].version < out[k].version })
	return out, nil
}

// Migrate applies every migration the database has not seen. On Postgres an
// advisory lock keeps replicas that start together from racing.
func (s *Store) Migrate(ctx context.Context) (applied []string, err error) {
	db := s.db.WithContext(ctx)
	if s.dialect == "postgres" {
		conn, err := db.DB()
		if err != nil {
			return nil, err
		}
		c, err := conn.Conn(ctx)
		if err != nil {
			return nil, err
		}
		defer c.Close()
		const lockID = 0x637265647031 // "credp1"
		if _, err := c.ExecContext(ctx, "SELECT pg_advisory_lock($1)", lockID); err != nil {
			return nil, fmt.Errorf("migration lock: %w", err)
		}
		defer c.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", lockID)
	}
	if err := db.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name VARCHAR(200) NOT NULL, applied_at TIMESTAMP NOT NULL)`).Error; err != nil {
		return nil, fmt.Errorf("creating schema_migrations: %w", err)
	}
	var done []int
	if err := db.Raw("SELECT version FROM schema_migrations").Scan(&done).Error; err != nil {
		return nil, err
	}
	seen := map[int]bool{}
	for _, v := range done {
		seen[v] = true
	}
	all, err := migrationsFor(s.dialect)
	if err != nil {
		return nil, err
	}
	for _, m := range all {
		if seen[m.version] {
			continue
		}
		err := db.Transaction(func(tx *gorm.DB) error {
			for _, stmt := range statements(m.sql) {
				if err := tx.Exec(stmt).Error; err != nil {
					return fmt.Errorf("%s: %w", firstLine(stmt), err)
				}
			}
			return tx.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
				m.version, m.name, time.Now().UTC()).Error
		})
		if err != nil {
			return applied, fmt.Errorf("migration %s: %w", m.name, err)
		}
		applied = append(applied, m.name)
	}
	return applied, nil
}

// statements splits a migration on semicolons that end a line, after dropping
// comment lines, so one file can hold several statements on both drivers.
func statements(sql string) []string {
	var kept []string
	for _, line := range strings.Split(sql, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			kept = append(kept, line)
		}
	}
	var out []string
	for _, s := range strings.Split(strings.Join(kept, "\n"), ";\n") {
		if s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), ";")); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
