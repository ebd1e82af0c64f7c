// Package web holds the policy staff's web UI (信用监管策略管理台): static
// HTML, CSS and JavaScript modules embedded in the binary, served by
// api/server at /admin/. The UI talks only to the documented /admin/v1 and
// /v1 APIs; nothing is built or fetched at run time.
package web

import (
	"embed"
	"io/fs"
)

//go:embed ui
var files embed.FS

// UI is the UI's files: index.html at the root, everything else beside it.
var UI fs.FS = mustSub(files, "ui")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}
