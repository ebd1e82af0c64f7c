package sampling

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

func pool(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("执法人员%05d", i)
	}
	return out
}

func usccs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("91350505%09d0", i)
	}
	return out
}

// Teams cost draws in proportion to the team, not to the pool: the largest
// pool (10,000) and team (50) take 50 draws per enterprise, where ranking
// the whole pool took tens of thousands.
func TestTeamsCostDrawsInProportionToTheTeam(t *testing.T) {
	calls := 0
	rnd := func(key string) float64 { calls++; return uniform("seed", key) }
	targets := usccs(200)
	avoid := map[string][]string{targets[0]: pool(50)} // the first enterprise's previous team
	teams, short, err := assignTeams(context.Background(), rnd, targets, pool(10000), 50, avoid)
	if err != nil || len(short) != 0 {
		t.Fatalf("err %v, short %v", err, short)
	}
	// 50 per enterprise, plus a redraw for each previous inspector drawn again.
	if max := 200*50 + 50; calls > max {
		t.Errorf("%d draws for 200 teams of 50 from 10,000, want at most %d", calls, max)
	}
	for _, u := range targets {
		if team := teams[u]; len(team) != 50 || len(slices.Compact(slices.Sorted(slices.Values(team)))) != 50 {
			t.Fatalf("%s: team of %d, distinct %v", u, len(team), team)
		}
	}
}

func TestTeamsAreSeededUniformAndAvoidThePreviousInspectors(t *testing.T) {
	rnd := func(seed string) func(string) float64 {
		return func(key string) float64 { return uniform(seed, key) }
	}
	ctx := context.Background()
	p := pool(10)
	targets := usccs(3000)
	a, _, _ := assignTeams(ctx, rnd("s1"), targets, p, 3, nil)
	reversed := slices.Clone(p)
	slices.Reverse(reversed)
	b, _, _ := assignTeams(ctx, rnd("s1"), targets, reversed, 3, nil)
	c, _, _ := assignTeams(ctx, rnd("s2"), targets, p, 3, nil)
	same, counts := 0, map[string]int{}
	for _, u := range targets {
		if !slices.Equal(a[u], b[u]) {
			t.Fatalf("%s: the pool's order changed the team: %v vs %v", u, a[u], b[u])
		}
		if slices.Equal(a[u], c[u]) {
			same++
		}
		for _, id := range a[u] {
			counts[id]++
		}
	}
	if same > len(targets)/10 {
		t.Errorf("another seed gave %d of %d teams unchanged", same, len(targets))
	}
	// Each inspector is on 3/10 of 3,000 teams, 900 expected (sd about 25).
	for id, n := range counts {
		if n < 800 || n > 1000 {
			t.Errorf("%s is on %d teams, want about 900", id, n)
		}
	}

	avoid := map[string][]string{targets[0]: a[targets[0]], targets[1]: p[:8]}
	d, short, _ := assignTeams(ctx, rnd("s1"), targets[:2], p, 3, avoid)
	for _, id := range d[targets[0]] {
		if slices.Contains(avoid[targets[0]], id) {
			t.Errorf("%s inspected %s again", id, targets[0])
		}
	}
	if len(d[targets[0]]) != 3 || len(d[targets[1]]) != 2 || !slices.Equal(short, targets[1:2]) {
		t.Errorf("teams %v, short %v: want a full team, then the 2 inspectors not avoided and a short team", d, short)
	}
}

func TestTeamsStopWhenTheRequestEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := assignTeams(ctx, func(string) float64 { return 0.5 }, usccs(10), pool(10), 2, nil); err == nil {
		t.Fatal("teams drawn for an ended request")
	}
}
