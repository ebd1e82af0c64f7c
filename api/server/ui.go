package server

import (
	"io/fs"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/credpol/credpol/internal/problem"
	"github.com/credpol/credpol/web"
)

// The web UI (/admin/): the embedded files of package web, under a
// Content-Security-Policy that runs only the server's own scripts and
// styles, so injected markup can neither run nor call elsewhere.

const uiCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func (s *server) uiRoutes(r *gin.Engine) {
	files := http.FileServerFS(web.UI)
	index, err := fs.ReadFile(web.UI, "index.html")
	if err != nil {
		panic("web: the UI has no index.html: " + err.Error())
	}
	r.GET("/admin/", func(c *gin.Context) {
		uiHeaders(c)
		c.Header("Cache-Control", "no-cache")
		c.Data(http.StatusOK, "text/html; charset=utf-8", index)
	})
	r.GET("/admin/assets/*file", func(c *gin.Context) {
		name := strings.TrimPrefix(c.Param("file"), "/")
		if name == "" || strings.HasSuffix(name, "/") {
			fail(c, s.Logger, problem.New(problem.NotFound, "not_found", "no such file"))
			return
		}
		uiHeaders(c)
		c.Header("Cache-Control", "no-cache")
		c.Request.URL.Path = "/assets/" + name
		files.ServeHTTP(c.Writer, c.Request)
	})
}

func uiHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", uiCSP)
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
}
