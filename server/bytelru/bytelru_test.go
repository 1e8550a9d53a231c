package bytelru

import (
	"fmt"
	"sync"
	"testing"
)

func TestBudget(t *testing.T) {
	type op struct {
		key  string
		cost int64
		kept bool // what Add reports
	}
	tests := []struct {
		name       string
		budget     int64
		maxEntries int
		ops        []op
		get        string // touched after the adds, before the last add
		want       []string
		wantBytes  int64
	}{
		{name: "within budget", budget: 100, ops: []op{{"a", 40, true}, {"b", 40, true}}, want: []string{"a", "b"}, wantBytes: 80},
		{name: "oldest evicted by bytes", budget: 100, ops: []op{{"a", 40, true}, {"b", 40, true}, {"c", 40, true}}, want: []string{"b", "c"}, wantBytes: 80},
		{name: "one large entry evicts several", budget: 100, ops: []op{{"a", 30, true}, {"b", 30, true}, {"c", 30, true}, {"d", 90, true}}, want: []string{"d"}, wantBytes: 90},
		{name: "an entry over the budget is refused", budget: 100, ops: []op{{"a", 40, true}, {"b", 101, false}}, want: []string{"a"}, wantBytes: 40},
		{name: "replacing a key recharges it", budget: 100, ops: []op{{"a", 40, true}, {"b", 40, true}, {"a", 10, true}}, want: []string{"a", "b"}, wantBytes: 50},
		{name: "replacing a key with one over the budget drops it", budget: 100, ops: []op{{"a", 40, true}, {"a", 200, false}}, want: nil, wantBytes: 0},
		{name: "a recent get survives", budget: 100, ops: []op{{"a", 40, true}, {"b", 40, true}, {"c", 40, true}}, get: "a", want: []string{"a", "c"}, wantBytes: 80},
		{name: "zero budget keeps nothing", budget: 0, ops: []op{{"a", 1, false}}, want: nil, wantBytes: 0},
		{name: "entry bound", budget: 1000, maxEntries: 2, ops: []op{{"a", 1, true}, {"b", 1, true}, {"c", 1, true}}, want: []string{"b", "c"}, wantBytes: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New[string, string](tt.budget, tt.maxEntries)
			for i, o := range tt.ops {
				if tt.get != "" && i == len(tt.ops)-1 {
					c.Get(tt.get)
				}
				if got := c.Add(o.key, "v"+o.key, o.cost); got != o.kept {
					t.Errorf("Add(%s, %d) = %v, want %v", o.key, o.cost, got, o.kept)
				}
			}
			for _, k := range []string{"a", "b", "c", "d"} {
				v, ok := c.Get(k)
				want := contains(tt.want, k)
				if ok != want || ok && v != "v"+k {
					t.Errorf("Get(%s) = %q, %v; want held: %v", k, v, ok, want)
				}
			}
			if c.Len() != len(tt.want) || c.Bytes() != tt.wantBytes {
				t.Errorf("Len %d, Bytes %d; want %d, %d", c.Len(), c.Bytes(), len(tt.want), tt.wantBytes)
			}
		})
	}
}

func contains(s []string, k string) bool {
	for _, x := range s {
		if x == k {
			return true
		}
	}
	return false
}

// TestConcurrent runs under -race: the accounting must stay exact while many
// goroutines add and read.
func TestConcurrent(t *testing.T) {
	const budget = 1000
	c := New[int, int](budget, 0)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				k := (g*7919 + i) % 300
				c.Add(k, k, int64(1+k%50))
				c.Get(k / 2)
				if b := c.Bytes(); b > budget {
					panic(fmt.Sprintf("%d bytes held, over the budget", b))
				}
			}
		}()
	}
	wg.Wait()
	var sum int64
	for k := range 300 {
		if _, ok := c.Get(k); ok {
			sum += int64(1 + k%50)
		}
	}
	if sum != c.Bytes() || sum > budget {
		t.Errorf("entries held cost %d, the cache counts %d (budget %d)", sum, c.Bytes(), budget)
	}
}
