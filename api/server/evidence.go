package server

import (
	"bytes"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/credpol/credpol/internal/problem"
)

// evidencePackage answers GET /admin/v1/evidence/{decision_id}: the signed
// ZIP an administrative review needs (admin/evidence).
func (s *server) evidencePackage(c *gin.Context) {
	if s.Evidence == nil {
		fail(c, s.Logger, problem.New(problem.NotFound, "not_found", "evidence packages are not enabled on this server"))
		return
	}
	var buf bytes.Buffer
	id := c.Param("id")
	if err := s.Evidence.Package(c.Request.Context(), user(c), id, &buf); err != nil {
		fail(c, s.Logger, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="evidence-`+id+`.zip"`)
	c.Data(http.StatusOK, "application/zip", buf.Bytes())
}
