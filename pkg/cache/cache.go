// Package cache is a small bounded TTL cache with load coalescing, for
// values every request needs and that change rarely: resolved API keys and
// connection credentials.
package cache

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// Cache maps string keys to values that expire. It holds at most Max
// entries; when full, expired entries go first, then arbitrary ones.
type Cache[V any] struct {
	mu    sync.Mutex
	items map[string]entry[V]
	max   int
	now   func() time.Time
	group singleflight.Group
}

type entry[V any] struct {
	value   V
	expires time.Time
}

// New returns a cache of at most max entries.
func New[V any](max int) *Cache[V] {
	if max <= 0 {
		max = 1024
	}
	return &Cache[V]{items: make(map[string]entry[V]), max: max, now: time.Now}
}

// Get returns the live value of key.
func (c *Cache[V]) Get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[key]
	if !ok || !c.now().Before(e.expires) {
		var zero V
		return zero, false
	}
	return e.value, true
}

// Set stores value under key for ttl. A ttl <= 0 stores nothing.
func (c *Cache[V]) Set(key string, value V, ttl time.Duration) {
	if ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, exists := c.items[key]; !exists && len(c.items) >= c.max {
		c.evictLocked()
	}
	c.items[key] = entry[V]{value: value, expires: c.now().Add(ttl)}
}

// Delete drops key.
func (c *Cache[V]) Delete(key string) {
	c.mu.Lock()
	delete(c.items, key)
	c.mu.Unlock()
}

// Len counts entries, live or not yet evicted.
func (c *Cache[V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items)
}

func (c *Cache[V]) evictLocked() {
	now := c.now()
	for k, e := range c.items {
		if !now.Before(e.expires) {
			delete(c.items, k)
		}
	}
	for k := range c.items {
		if len(c.items) < c.max {
			return
		}
		delete(c.items, k)
	}
}

// Load returns the cached value of key or calls load once, however many
// callers ask for the same key at the same time, and caches its result for
// the ttl it returns. Errors are not cached.
func (c *Cache[V]) Load(ctx context.Context, key string, load func(context.Context) (V, time.Duration, error)) (V, error) {
	if v, ok := c.Get(key); ok {
		return v, nil
	}
	ch := c.group.DoChan(key, func() (any, error) {
		// The load belongs to every waiting caller, not only the first: one
		// caller giving up must not cancel it for the others.
		v, ttl, err := load(context.WithoutCancel(ctx))
		if err != nil {
			return v, err
		}
		c.Set(key, v, ttl)
		return v, nil
	})
	select {
	case <-ctx.Done():
		var zero V
		return zero, ctx.Err()
	case r := <-ch:
		v, _ := r.Val.(V)
		return v, r.Err
	}
}
