package htpasswd

import (
	"container/list"
	"crypto/sha256"
	"sync"
)

// verifiedCache remembers credentials that verified, for a bounded number of
// keys, least recently used first out. Only successes go in: a client
// cycling through wrong passwords adds nothing, so it cannot push an honest
// sender's entry out and make it queue behind the guesses again.
type verifiedCache struct {
	mu    sync.Mutex
	keys  map[[sha256.Size]byte]*list.Element
	order *list.List // of [sha256.Size]byte, most recently used at the front
	size  int
}

func newVerifiedCache(size int) *verifiedCache {
	return &verifiedCache{
		keys:  make(map[[sha256.Size]byte]*list.Element),
		order: list.New(),
		size:  max(size, 1),
	}
}

// has reports whether key verified before, and makes it the most recently
// used.
func (c *verifiedCache) has(key [sha256.Size]byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.keys[key]
	if ok {
		c.order.MoveToFront(e)
	}
	return ok
}

func (c *verifiedCache) add(key [sha256.Size]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.keys[key]; ok {
		c.order.MoveToFront(e)
		return
	}
	if c.order.Len() >= c.size {
		oldest := c.order.Back()
		delete(c.keys, oldest.Value.([sha256.Size]byte))
		c.order.Remove(oldest)
	}
	c.keys[key] = c.order.PushFront(key)
}

func (c *verifiedCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.keys)
}
