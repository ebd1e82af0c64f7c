package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/credpol/credpol/internal/version"
)

// versionView is GET /version: the build, and the policy revision this
// server answers with now.
type versionView struct {
	version.Info
	Policies struct {
		Revision string `json:"revision,omitempty"`
		Number   int64  `json:"number,omitempty"`
	} `json:"policies"`
}

func (s *server) version(c *gin.Context) {
	v := versionView{Info: version.Read()}
	if ps := s.Engine.Current(); ps != nil {
		v.Policies.Revision, v.Policies.Number = ps.Revision(), ps.Number()
	}
	c.JSON(http.StatusOK, v)
}
