package storage_test

import (
	"context"

	"github.com/credpol/credpol/storage"
)

func storetestOpen(u string) (*storage.Store, error) { return storage.Open(context.Background(), u, nil) }
