package server

import (
	"bytes"
	"net/http"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/credpol/credpol/admin"
	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/problem"
)

// BundlePath is where OPA agents poll for the live revision as a bundle
// (OPA's bundle service protocol: a bearer token, ETag and If-None-Match).
const BundlePath = "/bundles/credpol.tar.gz"

// bundles keeps the bundle of the revision served last: agents poll often,
// and a revision's bundle never changes.
type bundles struct {
	mu       sync.Mutex
	revision string
	data     []byte
}

func (b *bundles) of(c *gin.Context, ps *engine.PolicySet) ([]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.revision == ps.Revision() {
		return b.data, nil
	}
	var buf bytes.Buffer
	if err := ps.WriteBundle(c.Request.Context(), &buf); err != nil {
		return nil, err
	}
	b.revision, b.data = ps.Revision(), buf.Bytes()
	return b.data, nil
}

// bundle answers an OPA agent with the revision this server decides with:
// 304 when the agent has it already.
func (s *server) bundle(c *gin.Context) {
	ps := s.Engine.Current()
	if ps == nil {
		fail(c, s.Logger, problem.New(problem.Unavailable, "not_ready", "no policy revision is loaded yet"))
		return
	}
	etag := `"` + ps.Revision() + `"`
	c.Header("ETag", etag)
	c.Header("Cache-Control", "no-cache")
	if c.GetHeader("If-None-Match") == etag {
		c.Status(http.StatusNotModified)
		return
	}
	data, err := s.bundles.of(c, ps)
	if err != nil {
		fail(c, s.Logger, err)
		return
	}
	if s.Admin != nil {
		// Each agent's fetch of a revision is an export of the policies; a
		// 304 carries none, so polling adds nothing to the audit log.
		ctx := admin.WithOrigin(c.Request.Context(), admin.Origin{Addr: c.RemoteIP(), RequestID: requestID(c)})
		if err := s.Admin.BundleExported(ctx, principal(c).Name, ps.Number(), ps.Revision(), "OPA bundle service"); err != nil {
			fail(c, s.Logger, err)
			return
		}
	}
	c.Data(http.StatusOK, "application/gzip", data)
}
