//go:build !race

package verify

// raceEnabled says the tests run under the race detector, which slows
// policy evaluation about tenfold.
const raceEnabled = false
