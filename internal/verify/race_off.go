//go:build !race

package verify

// raceSlowdown is 1 outside race-detector builds (see race_on.go).
const raceSlowdown = 1
