//go:build race

package verify

// raceSlowdown widens the corpus limit in a race-detector build, where every
// evaluation runs several times slower: the limit is about trees too slow to
// serve, not about the instrumentation.
const raceSlowdown = 5
