package server

import "time"

// SetPlanTimeout shortens the time a plan may take, for the tests of an
// abandoned plan; it returns the function restoring it. Call it before the
// server starts: the handler reads it without a lock.
func SetPlanTimeout(d time.Duration) (restore func()) {
	old := planTimeout
	planTimeout = d
	return func() { planTimeout = old }
}
