package connect

import (
	"sync"
	"time"
)

// touchThrottle lets a "last used" time be written at most once a minute
// per id, so that busy keys and connections do not turn every request into
// a database statement. The store's own condition keeps replicas from
// writing more often than that either.
type touchThrottle struct {
	mu   sync.Mutex
	last map[string]time.Time
}

func newTouchThrottle() *touchThrottle { return &touchThrottle{last: map[string]time.Time{}} }

// due reports whether id's use at now should be written, and records it.
func (t *touchThrottle) due(id string, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if last, seen := t.last[id]; seen && now.Sub(last) < time.Minute {
		return false
	}
	if len(t.last) > 100000 {
		// Forgetting only lets one extra write through per id.
		t.last = map[string]time.Time{}
	}
	t.last[id] = now
	return true
}
