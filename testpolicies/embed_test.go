package testpolicies_test

import (
	"path/filepath"
	"runtime"
	"testing"

	"github.com/credpol/credpol/engine/enginetest"
	"github.com/credpol/credpol/testpolicies"
)

// Every test, data and case file of the source suite is in the binary, byte for
// byte, whatever directory it sits in: a jurisdiction added as a new
// directory must not be left out of the built-in suite.
func TestEveryFileIsEmbedded(t *testing.T) {
	_, self, _, _ := runtime.Caller(0)
	dir := filepath.Dir(self)
	enginetest.EveryFileEmbedded(t, dir, testpolicies.FS, "testpolicies")
}
