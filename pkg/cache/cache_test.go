package cache

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestExpiry(t *testing.T) {
	c := New[string](10)
	now := time.Unix(1000, 0)
	c.now = func() time.Time { return now }
	c.Set("a", "x", time.Minute)
	if v, ok := c.Get("a"); !ok || v != "x" {
		t.Fatalf("Get = %q, %v; want x, true", v, ok)
	}
	now = now.Add(time.Minute)
	if _, ok := c.Get("a"); ok {
		t.Fatal("entry alive at its expiry time")
	}
}

func TestBounded(t *testing.T) {
	c := New[int](3)
	for i := range 10 {
		c.Set(string(rune('a'+i)), i, time.Hour)
	}
	if n := c.Len(); n > 3 {
		t.Fatalf("Len = %d, want at most 3", n)
	}
	if v, ok := c.Get("j"); !ok || v != 9 {
		t.Fatalf("newest entry lost: %v %v", v, ok)
	}
}

func TestLoadCoalescesAndDoesNotCacheErrors(t *testing.T) {
	c := New[int](10)
	var calls atomic.Int32
	release := make(chan struct{})
	load := func(context.Context) (int, time.Duration, error) {
		calls.Add(1)
		<-release
		return 42, time.Minute, nil
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			v, err := c.Load(context.Background(), "k", load)
			if err != nil || v != 42 {
				t.Errorf("Load = %v, %v", v, err)
			}
		})
	}
	time.Sleep(20 * time.Millisecond)
	close(release)
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Fatalf("load ran %d times for concurrent callers, want 1", n)
	}

	boom := errors.New("boom")
	_, err := c.Load(context.Background(), "e", func(context.Context) (int, time.Duration, error) { return 0, time.Minute, boom })
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if _, ok := c.Get("e"); ok {
		t.Fatal("an error was cached")
	}
}
