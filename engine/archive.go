package engine

import (
	"context"
	"fmt"
	"sync"
	"testing/fstest"
)

// Archive gives access to every policy revision ever served, so a logged
// decision can be evaluated again under the tree it was made under. It
// compiles a revision's files on first use and keeps a few compiled sets.
type Archive struct {
	engine *Engine
	load   func(ctx context.Context, revision string) (map[string][]byte, error)

	mu    sync.Mutex
	cache map[string]*PolicySet
	order []string
}

const archiveSize = 8

// NewArchive returns an archive that serves e's current set directly and
// loads older revisions' files with load.
func NewArchive(e *Engine, load func(ctx context.Context, revision string) (map[string][]byte, error)) *Archive {
	return &Archive{engine: e, load: load, cache: map[string]*PolicySet{}}
}

// Get returns the compiled set of revision.
func (a *Archive) Get(ctx context.Context, revision string) (*PolicySet, error) {
	if cur := a.engine.Current(); cur != nil && cur.Revision() == revision {
		return cur, nil
	}
	a.mu.Lock()
	ps, ok := a.cache[revision]
	a.mu.Unlock()
	if ok {
		return ps, nil
	}
	files, err := a.load(ctx, revision)
	if err != nil {
		return nil, err
	}
	fsys := FilesFS(files)
	if got := revisionOf(files); got != revision {
		return nil, fmt.Errorf("stored files of revision %s hash to %s", revision, got)
	}
	// Revisions stored before the jurisdiction tree and the catalogue were
	// files of the tree lack them; they served with the tree and catalogue
	// later kept as these files, so the serving set's stand in.
	if cur := a.engine.Current(); cur != nil {
		for _, name := range treeDataFiles {
			if _, ok := fsys[name]; !ok {
				if b, ok := cur.Files()[name]; ok {
					fsys[name] = &fstest.MapFile{Data: b}
				}
			}
		}
	}
	ps, err = Compile(ctx, fsys, Options{Archived: true, Budget: a.engine.Budget})
	if err != nil {
		return nil, fmt.Errorf("compiling revision %s: %w", revision, err)
	}
	ps.revision = revision // the stand-in files are not part of what served
	a.mu.Lock()
	if _, ok := a.cache[revision]; !ok {
		a.cache[revision] = ps
		a.order = append(a.order, revision)
		if len(a.order) > archiveSize {
			delete(a.cache, a.order[0])
			a.order = a.order[1:]
		}
	}
	a.mu.Unlock()
	return ps, nil
}

// treeDataFiles are the data files every tree has had since the jurisdiction
// tree and the catalogue moved into it.
var treeDataFiles = []string{JurisdictionsFile, CatalogueFile}

// FilesFS is a tree held in memory (a stored revision, a draft) as a file system.
func FilesFS(files map[string][]byte) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, b := range files {
		fsys[name] = &fstest.MapFile{Data: b, Mode: 0o644}
	}
	return fsys
}
