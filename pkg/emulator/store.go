// Package emulator holds the building blocks of Unimesh's provider
// emulators: stateful fakes that speak a provider's wire format, for tests
// and for the sandbox providers of `unimesh dev`. A vendor's emulator
// combines typed collections (its records), a rate limiter answering 429
// with the vendor's headers, injectable faults, and its own HTTP routes,
// envelopes and error bodies.
package emulator

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Store holds the collections of one emulator under one lock, with a clock.
type Store struct {
	mu          sync.RWMutex
	now         func() time.Time
	collections map[string]persistable
}

type persistable interface {
	snapshot() (json.RawMessage, error)
	restore(json.RawMessage) error
}

// NewStore returns an empty store whose clock is now (time.Now when nil).
func NewStore(now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{now: now, collections: map[string]persistable{}}
}

// Now is the store's clock, truncated to the microsecond as a database would keep it.
func (s *Store) Now() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// Meta is what the engine keeps about every record.
type Meta struct {
	ID      string
	Seq     int64
	Created time.Time
	Updated time.Time
}

// Collection is one kind of record, kept in insertion order.
type Collection[T any] struct {
	s       *Store
	name    string
	seq     int64
	entries []*entry[T]
	byID    map[string]*entry[T]
	newID   func(seq int64) string
	setMeta func(rec *T, m Meta)
}

type entry[T any] struct {
	Meta    Meta  `json:"meta"`
	Rec     T     `json:"rec"`
	version int64 // bumped on every update, for optimistic commits
}

// NewCollection adds a collection to the store. newID makes the id of the
// n-th record; setMeta writes the engine's id and times into the vendor's
// record (in whatever fields and format the vendor uses).
func NewCollection[T any](s *Store, name string, newID func(seq int64) string, setMeta func(rec *T, m Meta)) *Collection[T] {
	c := &Collection[T]{s: s, name: name, byID: map[string]*entry[T]{}, newID: newID, setMeta: setMeta}
	s.mu.Lock()
	s.collections[name] = c
	s.mu.Unlock()
	return c
}

// SequentialIDs makes ids "<prefix><start+seq>", such as 1001, 1002...
func SequentialIDs(prefix string, start int64) func(int64) string {
	return func(seq int64) string { return prefix + strconv.FormatInt(start+seq, 10) }
}

// Insert adds rec now and returns it as stored.
func (c *Collection[T]) Insert(rec T) T {
	now := c.s.Now()
	return c.InsertAt(rec, now, now)
}

// InsertAt adds rec with the given times (seed data), and returns it as stored.
func (c *Collection[T]) InsertAt(rec T, created, updated time.Time) T {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	c.seq++
	m := Meta{ID: c.newID(c.seq), Seq: c.seq, Created: created.UTC(), Updated: updated.UTC()}
	c.setMeta(&rec, m)
	e := &entry[T]{Meta: m, Rec: rec}
	c.entries = append(c.entries, e)
	c.byID[m.ID] = e
	return rec
}

// Get returns a record by id.
func (c *Collection[T]) Get(id string) (T, Meta, bool) {
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	e, ok := c.byID[id]
	if !ok {
		var zero T
		return zero, Meta{}, false
	}
	return e.Rec, e.Meta, true
}

// Exists reports whether id is a record of the collection.
func (c *Collection[T]) Exists(id string) bool {
	_, _, ok := c.Get(id)
	return ok
}

// ErrNotFound is returned for unknown ids.
var ErrNotFound = errors.New("emulator: no such record")

// Update changes a record: fn gets a deep copy and may refuse the change
// with an error, which Update returns as is. On success the record's
// update time moves to now.
//
// fn runs without the store's lock, so that it may read other collections
// (to check references); the change is committed only if nobody changed
// the record meanwhile, else fn runs again on the newer record.
func (c *Collection[T]) Update(id string, fn func(rec *T) error) (T, error) {
	var zero T
	for {
		c.s.mu.RLock()
		e, ok := c.byID[id]
		var (
			cp      T
			err     error
			version int64
		)
		if ok {
			cp, err = deepCopy(e.Rec)
			version = e.version
		}
		c.s.mu.RUnlock()
		if !ok {
			return zero, ErrNotFound
		}
		if err != nil {
			return zero, err
		}
		if err := fn(&cp); err != nil {
			return zero, err
		}
		c.s.mu.Lock()
		cur, ok := c.byID[id]
		switch {
		case !ok:
			c.s.mu.Unlock()
			return zero, ErrNotFound
		case cur.version != version:
			c.s.mu.Unlock()
			continue
		}
		cur.version++
		cur.Meta.Updated = c.s.Now()
		if !cur.Meta.Updated.After(cur.Meta.Created) {
			cur.Meta.Updated = cur.Meta.Created.Add(time.Microsecond)
		}
		c.setMeta(&cp, cur.Meta)
		cur.Rec = cp
		c.s.mu.Unlock()
		return cp, nil
	}
}

// Delete removes a record.
func (c *Collection[T]) Delete(id string) bool {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	e, ok := c.byID[id]
	if !ok {
		return false
	}
	delete(c.byID, id)
	i := sort.Search(len(c.entries), func(i int) bool { return c.entries[i].Meta.Seq >= e.Meta.Seq })
	c.entries = append(c.entries[:i], c.entries[i+1:]...)
	return true
}

// Len counts the records.
func (c *Collection[T]) Len() int {
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	return len(c.entries)
}

// Query selects records for a list call.
type Query[T any] struct {
	// After is an opaque cursor from a previous page; empty for the first.
	After string
	// Offset skips this many matching records (offset-paged vendors).
	Offset int
	// Limit is the page size.
	Limit int
	// UpdatedSince keeps records updated at or after it, when not zero.
	UpdatedSince time.Time
	// Match keeps the records it returns true for, when set.
	Match func(rec *T) bool
}

// ErrBadCursor is returned for cursors the collection did not issue.
var ErrBadCursor = errors.New("emulator: invalid cursor")

// List returns one page in insertion order and the cursor of the next page
// ("" on the last), with the total of matching records.
func (c *Collection[T]) List(q Query[T]) (items []T, next string, total int, err error) {
	var afterSeq int64
	if q.After != "" {
		raw, err := base64.RawURLEncoding.DecodeString(q.After)
		if err != nil || !strings.HasPrefix(string(raw), c.name+":") {
			return nil, "", 0, ErrBadCursor
		}
		afterSeq, err = strconv.ParseInt(strings.TrimPrefix(string(raw), c.name+":"), 10, 64)
		if err != nil {
			return nil, "", 0, ErrBadCursor
		}
	}
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	skipped := 0
	var lastSeq int64
	more := false
	for _, e := range c.entries {
		if e.Meta.Seq <= afterSeq {
			continue
		}
		if !q.UpdatedSince.IsZero() && e.Meta.Updated.Before(q.UpdatedSince) {
			continue
		}
		if q.Match != nil && !q.Match(&e.Rec) {
			continue
		}
		total++
		if skipped < q.Offset {
			skipped++
			continue
		}
		if len(items) >= q.Limit {
			more = true
			continue
		}
		items = append(items, e.Rec)
		lastSeq = e.Meta.Seq
	}
	if more {
		next = base64.RawURLEncoding.EncodeToString([]byte(c.name + ":" + strconv.FormatInt(lastSeq, 10)))
	}
	return items, next, total, nil
}

// Each calls fn with every record in order, under the store's read lock,
// until fn returns false. fn must not keep the pointer nor call into the store.
func (c *Collection[T]) Each(fn func(rec *T) bool) {
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	for _, e := range c.entries {
		if !fn(&e.Rec) {
			return
		}
	}
}

// All returns every record, in order.
func (c *Collection[T]) All() []T {
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	out := make([]T, 0, len(c.entries))
	for _, e := range c.entries {
		out = append(out, e.Rec)
	}
	return out
}

func deepCopy[T any](v T) (T, error) {
	var out T
	b, err := json.Marshal(v)
	if err != nil {
		return out, fmt.Errorf("emulator: copy record: %w", err)
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return out, fmt.Errorf("emulator: copy record: %w", err)
	}
	return out, nil
}

type collectionState[T any] struct {
	Seq     int64       `json:"seq"`
	Entries []*entry[T] `json:"entries"`
}

func (c *Collection[T]) snapshot() (json.RawMessage, error) {
	return json.Marshal(collectionState[T]{Seq: c.seq, Entries: c.entries})
}

func (c *Collection[T]) restore(b json.RawMessage) error {
	var st collectionState[T]
	if err := json.Unmarshal(b, &st); err != nil {
		return err
	}
	c.seq, c.entries, c.byID = st.Seq, st.Entries, map[string]*entry[T]{}
	for _, e := range c.entries {
		c.byID[e.Meta.ID] = e
	}
	return nil
}

// Save writes every collection to path (atomically, via a temporary file).
func (s *Store) Save(path string) error {
	s.mu.RLock()
	out := map[string]json.RawMessage{}
	for name, c := range s.collections {
		b, err := c.snapshot()
		if err != nil {
			s.mu.RUnlock()
			return fmt.Errorf("emulator: snapshot %s: %w", name, err)
		}
		out[name] = b
	}
	s.mu.RUnlock()
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Load replaces the collections present in the file at path. It reports
// false when there is no file.
func (s *Store) Load(path string) (bool, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var in map[string]json.RawMessage
	if err := json.Unmarshal(b, &in); err != nil {
		return false, fmt.Errorf("emulator: read %s: %w", path, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for name, raw := range in {
		if c, ok := s.collections[name]; ok {
			if err := c.restore(raw); err != nil {
				return false, fmt.Errorf("emulator: restore %s: %w", name, err)
			}
		}
	}
	return true, nil
}
