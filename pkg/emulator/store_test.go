package emulator

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

type rec struct {
	ID      string    `json:"id"`
	N       int       `json:"n"`
	Tags    []string  `json:"tags"`
	Updated time.Time `json:"updated"`
}

func newColl(s *Store) *Collection[rec] {
	return NewCollection(s, "recs", SequentialIDs("r", 100), func(r *rec, m Meta) { r.ID, r.Updated = m.ID, m.Updated })
}

func TestListPagesFiltersAndCursors(t *testing.T) {
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	s := NewStore(func() time.Time { return base.Add(time.Hour) })
	c := newColl(s)
	for i := range 25 {
		at := base.Add(time.Duration(i) * time.Minute)
		c.InsertAt(rec{N: i}, at, at)
	}
	var got []rec
	cursor := ""
	for pages := 0; ; pages++ {
		items, next, total, err := c.List(Query[rec]{After: cursor, Limit: 10})
		if err != nil || total != 25-len(got) && cursor == "" && total != 25 {
			t.Fatalf("page %d: %v, total %d", pages, err, total)
		}
		got = append(got, items...)
		if next == "" {
			break
		}
		cursor = next
	}
	if len(got) != 25 || got[0].ID != "r101" || got[24].N != 24 {
		t.Fatalf("paged %d records: first %v last %v", len(got), got[0], got[24])
	}
	since, _, total, _ := c.List(Query[rec]{Limit: 100, UpdatedSince: base.Add(20 * time.Minute)})
	if len(since) != 5 || total != 5 {
		t.Fatalf("updated since: %d", len(since))
	}
	even, _, _, _ := c.List(Query[rec]{Limit: 100, Match: func(r *rec) bool { return r.N%2 == 0 }})
	if len(even) != 13 {
		t.Fatalf("match: %d", len(even))
	}
	off, _, _, _ := c.List(Query[rec]{Limit: 3, Offset: 22})
	if len(off) != 3 || off[0].N != 22 {
		t.Fatalf("offset: %v", off)
	}
	for _, bad := range []string{"%%", "b3RoZXI6MQ"} { // garbage, and a cursor of another collection
		if _, _, _, err := c.List(Query[rec]{After: bad, Limit: 1}); err != ErrBadCursor {
			t.Errorf("cursor %q: %v", bad, err)
		}
	}
}

func TestUpdateIsIsolatedAtomicAndStampsTime(t *testing.T) {
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	now := base
	var mu sync.Mutex
	s := NewStore(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	c := newColl(s)
	r := c.Insert(rec{Tags: []string{"a"}})
	mu.Lock()
	now = base.Add(time.Minute)
	mu.Unlock()
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			_, err := c.Update(r.ID, func(x *rec) error {
				x.N++
				x.Tags = append(x.Tags, "b")
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got, meta, _ := c.Get(r.ID)
	if got.N != 50 || len(got.Tags) != 51 {
		t.Fatalf("after 50 concurrent updates: n=%d tags=%d", got.N, len(got.Tags))
	}
	if !meta.Updated.Equal(base.Add(time.Minute)) || !got.Updated.Equal(meta.Updated) {
		t.Fatalf("update time %v / %v", meta.Updated, got.Updated)
	}
	if r.Tags[0] != "a" || len(r.Tags) != 1 {
		t.Fatal("a returned record changed under its holder")
	}
	if _, err := c.Update("nope", func(*rec) error { return nil }); err != ErrNotFound {
		t.Fatalf("missing: %v", err)
	}
	if !c.Delete(r.ID) || c.Delete(r.ID) || c.Exists(r.ID) {
		t.Fatal("delete")
	}
}

func TestSaveLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s := NewStore(nil)
	c := newColl(s)
	for i := range 3 {
		c.Insert(rec{N: i})
	}
	c.Delete("r102")
	if err := s.Save(path); err != nil {
		t.Fatal(err)
	}
	s2 := NewStore(nil)
	c2 := newColl(s2)
	ok, err := s2.Load(path)
	if err != nil || !ok || c2.Len() != 2 || c2.Exists("r102") {
		t.Fatalf("load: %v %v len=%d", ok, err, c2.Len())
	}
	if n := c2.Insert(rec{}); n.ID != "r104" {
		t.Fatalf("sequence not restored: %s", n.ID)
	}
	if ok, err := NewStore(nil).Load(filepath.Join(t.TempDir(), "none")); ok || err != nil {
		t.Fatal("a missing file loaded")
	}
}

func TestLimiter(t *testing.T) {
	now := time.Unix(0, 0)
	l := NewLimiter(3, time.Second, func() time.Time { return now })
	for i := range 3 {
		if d := l.Take("k"); !d.Allowed || d.Remaining != 2-i {
			t.Fatalf("take %d: %+v", i, d)
		}
	}
	d := l.Take("k")
	if d.Allowed || d.RetryAfter <= 0 || d.RetryAfter > time.Second {
		t.Fatalf("over the limit: %+v", d)
	}
	if !l.Take("other").Allowed {
		t.Fatal("keys share a bucket")
	}
	now = now.Add(400 * time.Millisecond)
	if !l.Take("k").Allowed {
		t.Fatal("the bucket did not refill")
	}
}

func TestFaults(t *testing.T) {
	f := NewFaults()
	h := f.Wrap(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }))
	srv := httptest.NewServer(h)
	defer srv.Close()
	f.Add(Fault{Method: "GET", PathPrefix: "/a", Status: 503, Times: 2, Header: http.Header{"Retry-After": {"1"}}})
	codes := []int{}
	for range 3 {
		resp, err := http.Get(srv.URL + "/a/x")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		codes = append(codes, resp.StatusCode)
	}
	if strconv.Itoa(codes[0])+strconv.Itoa(codes[1])+strconv.Itoa(codes[2]) != "503503200" {
		t.Fatalf("codes %v", codes)
	}
	if f.Calls("GET", "/a") != 3 || f.Calls("POST", "/a") != 0 {
		t.Fatalf("calls %d", f.Calls("GET", "/a"))
	}
}
