// Package bytelru is a least-recently-used cache bounded by the bytes its
// entries pin, not by their number: one entry may be a 20-byte answer and
// the next a 500 KB query, so a count says nothing about memory.
package bytelru

import (
	"math"
	"sync"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// Cache is safe for concurrent use. Each entry is charged the cost its
// caller gives, which should count everything the entry keeps alive (key,
// value and bookkeeping; see Overhead).
type Cache[K comparable, V any] struct {
	mu     sync.Mutex
	lru    *simplelru.LRU[K, entry[V]]
	budget int64
	used   int64
}

type entry[V any] struct {
	value V
	cost  int64
}

// Overhead is what the cache itself keeps per entry beyond key and value:
// the list element, the map slot and the cost. Callers add it to a cost.
const Overhead = 128

// New returns a cache holding at most budget bytes and, when maxEntries is
// positive, at most that many entries. A budget of 0 or less keeps nothing:
// every Add is refused, which is how a cache is turned off.
func New[K comparable, V any](budget int64, maxEntries int) *Cache[K, V] {
	if maxEntries <= 0 {
		maxEntries = math.MaxInt
	}
	c := &Cache[K, V]{budget: budget}
	// NewLRU fails only for a size below 1.
	c.lru, _ = simplelru.NewLRU(maxEntries, func(_ K, e entry[V]) { c.used -= e.cost })
	return c
}

// Get returns the value under key and marks it as recently used.
func (c *Cache[K, V]) Get(key K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.lru.Get(key)
	return e.value, ok
}

// Add keeps value under key, charged cost bytes, and evicts the least
// recently used entries until the cache is within its budget again. It
// reports false, keeping nothing, when the entry alone exceeds the budget.
func (c *Cache[K, V]) Add(key K, value V, cost int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cost > c.budget {
		c.lru.Remove(key)
		return false
	}
	// simplelru replaces a value in place without calling back.
	if old, ok := c.lru.Peek(key); ok {
		c.used -= old.cost
	}
	c.lru.Add(key, entry[V]{value, cost})
	c.used += cost
	for c.used > c.budget {
		c.lru.RemoveOldest()
	}
	return true
}

// Len is the number of entries held.
func (c *Cache[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

// Bytes is the sum of the costs of the entries held.
func (c *Cache[K, V]) Bytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.used
}
