package engine

import "io/fs"

// TreeRevision is the revision the tree in fsys has when it compiles, read
// without compiling it: the tools name the tree they work on before they know
// whether it compiles, and a tree that does not still has a name.
func TreeRevision(fsys fs.FS) (string, error) {
	files, err := readTree(fsys)
	if err != nil {
		return "", err
	}
	return revisionOf(files), nil
}
