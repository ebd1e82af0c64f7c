// Package sampling draws double-random inspection plans (双随机、一公开):
// targets per risk class at the ratios the jurisdiction's sampling_plan policy
// gives, inspectors at random from a pool, reproducibly from a published
// seed, and reports a year's plans against the jurisdiction's targets.
package sampling

import (
	"container/heap"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"math"
	"slices"
	"strconv"
)

// Member is one enterprise of the population as the draw sees it.
type Member struct {
	USCC             string
	EntityType       string
	Status           string
	Class            string // official class, "" when unclassified
	Sectors          []string
	PremisesAbnormal bool
	Penalised        bool
	LicenseExpired   bool
}

// uniform maps (seed, key) to a number in (0, 1). It is the plan's documented
// random generator: SHA-256 over the seed, a NUL and the key; the first 8
// bytes, top 53 bits, as a fraction. Anyone with the seed can check a draw.
func uniform(seed, key string) float64 {
	sum := sha256.Sum256([]byte(seed + "\x00" + key))
	x := binary.BigEndian.Uint64(sum[:8]) >> 11
	return (float64(x) + 0.5) / (1 << 53)
}

// priority is the weighted sampling key u^(1/w) (Efraimidis–Spirakis): the k
// members with the largest keys are a weighted draw of k without replacement,
// the same whatever order the population streams in.
func priority(seed, uscc string, weight float64) float64 {
	return math.Pow(uniform(seed, uscc), 1/weight)
}

// picked is a member chosen by the draw.
type picked struct {
	USCC          string
	Group         string
	Lean          bool
	KeySupervised bool // in a sector under key supervision
	key           float64
}

// topK keeps the k members with the largest keys (ties: smaller USCC first).
type topK struct {
	k     int
	items []picked
}

func (t *topK) Len() int { return len(t.items) }
func (t *topK) Less(i, j int) bool {
	a, b := t.items[i], t.items[j]
	if a.key != b.key {
		return a.key < b.key
	}
	return a.USCC > b.USCC
}
func (t *topK) Swap(i, j int) { t.items[i], t.items[j] = t.items[j], t.items[i] }
func (t *topK) Push(x any)    { t.items = append(t.items, x.(picked)) }
func (t *topK) Pop() any {
	last := t.items[len(t.items)-1]
	t.items = t.items[:len(t.items)-1]
	return last
}

func (t *topK) offer(p picked) {
	if t.k == 0 {
		return
	}
	if len(t.items) < t.k {
		heap.Push(t, p)
		return
	}
	if worst := t.items[0]; p.key > worst.key || (p.key == worst.key && p.USCC < worst.USCC) {
		t.items[0] = p
		heap.Fix(t, 0)
	}
}

// quota is round(ratio × n), the number drawn from a group of n.
func quota(ratio float64, n int) int {
	return int(math.Floor(ratio*float64(n) + 0.5))
}

// assignTeams gives each drawn enterprise teamSize inspectors from pool by a
// seeded partial Fisher–Yates shuffle of the pool in code-point order: pick j
// for enterprise u takes position j + ⌊x·(n−j)⌋ of the positions not yet
// taken, x = uniform(seed, "inspector" NUL u NUL j), and anyone in avoid[u]
// is passed over. Only the positions a shuffle touched are remembered, so
// each enterprise costs O(teamSize + len(avoid[u])) draws, not O(pool). It
// returns the enterprises for which the pool was too small to avoid them all.
func assignTeams(ctx context.Context, rnd func(key string) float64, usccs []string, pool []string, teamSize int,
	avoid map[string][]string) (map[string][]string, []string, error) {
	ordered := slices.Clone(pool)
	slices.Sort(ordered) // the same pool in any order gives the same teams
	n := len(ordered)
	teams := make(map[string][]string, len(usccs))
	var short []string
	moved := map[int]int{} // position → pool index it now holds, where a swap changed it
	at := func(i int) int {
		if v, ok := moved[i]; ok {
			return v
		}
		return i
	}
	for e, u := range usccs {
		if e%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, nil, err
			}
		}
		clear(moved)
		skip := func(id string) bool { return slices.Contains(avoid[u], id) }
		if len(avoid[u]) > 64 { // teams of plans drawn before team_size was bounded
			set := make(map[string]bool, len(avoid[u]))
			for _, id := range avoid[u] {
				set[id] = true
			}
			skip = func(id string) bool { return set[id] }
		}
		team := make([]string, 0, teamSize)
		for j := 0; j < n && len(team) < teamSize; j++ {
			k := j + int(rnd("inspector\x00"+u+"\x00"+strconv.Itoa(j))*float64(n-j))
			k = min(k, n-1) // x < 1, but never trust a float at the edge
			pick := at(k)
			moved[k] = at(j)
			if id := ordered[pick]; !skip(id) {
				team = append(team, id)
			}
		}
		if len(team) < teamSize {
			short = append(short, u)
		}
		teams[u] = team
	}
	return teams, short, nil
}
