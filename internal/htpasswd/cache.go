package htpasswd

import (
	"crypto/sha256"
	"sync"
)

// resultCache remembers Verify results for a bounded number of keys. When
// full it forgets the oldest key, so a client cycling through passwords
// evicts entries instead of growing memory; an evicted honest user just pays
// one more bcrypt compare.
type resultCache struct {
	mu    sync.Mutex
	ok    map[[sha256.Size]byte]bool
	order [][sha256.Size]byte // insertion order, used as a ring once full
	next  int                 // index in order of the oldest key once full
	size  int
}

func newResultCache(size int) *resultCache {
	return &resultCache{
		ok:   make(map[[sha256.Size]byte]bool, size),
		size: max(size, 1),
	}
}

func (c *resultCache) get(key [sha256.Size]byte) (ok, hit bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ok, hit = c.ok[key]
	return ok, hit
}

func (c *resultCache) put(key [sha256.Size]byte, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, exists := c.ok[key]; exists {
		c.ok[key] = ok
		return
	}
	if len(c.order) < c.size {
		c.order = append(c.order, key)
	} else {
		delete(c.ok, c.order[c.next])
		c.order[c.next] = key
		c.next = (c.next + 1) % c.size
	}
	c.ok[key] = ok
}

func (c *resultCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.ok)
}
