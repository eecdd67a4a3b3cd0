package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

type feedRec struct {
	Name string `json:"name"`
}

func TestChangeFeedReportsCommittedWritesInOrder(t *testing.T) {
	var mu sync.Mutex
	var got []Change
	f := NewChangeFeed(func(c Change) {
		mu.Lock()
		got = append(got, c)
		mu.Unlock()
	}, nil)
	defer f.Close()
	st := NewStore(nil)
	c := NewCollection(st, "recs", SequentialIDs("", 0), func(r *feedRec, m Meta) { f.Put("rec", m.ID, r, m.Updated) })

	c.Insert(feedRec{Name: "seed"}) // before Arm: learnt, not reported
	f.Arm()
	release := f.Claim("rec", "", "api")
	c.Insert(feedRec{Name: "new"})
	release()
	release = f.Claim("rec", "1", "api")
	if _, err := c.Update("1", func(r *feedRec) error { r.Name = "seed, changed"; return nil }); err != nil {
		t.Fatal(err)
	}
	release()
	release() // twice is harmless
	if _, err := c.Update("2", func(r *feedRec) error { r.Name = "changed by Go"; return nil }); err != nil {
		t.Fatal(err)
	}
	f.Remove("rec", "2", time.Now(), "api")
	f.Remove("rec", "2", time.Now(), "api") // gone already: nothing
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := f.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(got) != 4 {
		t.Fatalf("%d changes, want 4: %+v", len(got), got)
	}
	want := []struct {
		before, after string
		source        any
	}{
		{"", `{"name":"new"}`, "api"},
		{`{"name":"seed"}`, `{"name":"seed, changed"}`, "api"},
		{`{"name":"new"}`, `{"name":"changed by Go"}`, nil},
		{`{"name":"changed by Go"}`, "", "api"},
	}
	for i, w := range want {
		g := got[i]
		if string(g.Before) != w.before || string(g.After) != w.after || g.Source != w.source || g.Kind != "rec" {
			t.Fatalf("change %d: %+v (before %s after %s), want %+v", i, g, g.Before, g.After, w)
		}
	}
	if got[0].ID != "2" || got[1].ID != "1" || got[2].ID != "2" || got[3].ID != "2" {
		t.Fatalf("ids: %s %s %s %s", got[0].ID, got[1].ID, got[2].ID, got[3].ID)
	}
}

func TestChangeFeedQueuesNothingWhenNobodyListens(t *testing.T) {
	listening := false
	n := 0
	f := NewChangeFeed(func(Change) { n++ }, func() bool { return listening })
	f.Arm()
	f.Put("rec", "1", feedRec{Name: "a"}, time.Now())
	listening = true
	f.Put("rec", "1", feedRec{Name: "b"}, time.Now())
	if err := f.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.Close()
	f.Put("rec", "1", feedRec{Name: "c"}, time.Now())
	if err := f.Flush(context.Background()); err != nil || n != 1 {
		t.Fatalf("%d changes delivered (%v), want the 1 made while listening and open", n, err)
	}
}

// hookServer answers the statuses it is given in turn, then 200, and
// records the bodies.
func hookServer(t *testing.T, statuses ...int) (*httptest.Server, func() []string) {
	t.Helper()
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b struct{ N, Attempt int }
		_ = json.NewDecoder(r.Body).Decode(&b)
		mu.Lock()
		bodies = append(bodies, strconv.Itoa(b.N)+"/"+strconv.Itoa(b.Attempt))
		status := 200
		if len(statuses) > 0 {
			status, statuses = statuses[0], statuses[1:]
		}
		mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), bodies...) }
}

func post(url string, n int) func(int) (*http.Request, error) {
	return func(attempt int) (*http.Request, error) {
		b, _ := json.Marshal(map[string]int{"N": n, "Attempt": attempt})
		return http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	}
}

func TestWebhookSenderRetriesInOrder(t *testing.T) {
	srv, bodies := hookServer(t, 500, 502)
	s := NewWebhookSender(WebhookSenderOptions{Timeout: time.Second, Delays: []time.Duration{time.Millisecond, time.Millisecond}})
	defer s.Close()
	var reports []string
	var mu sync.Mutex
	for n := range 3 {
		s.Send(WebhookDelivery{Queue: "one record", Request: post(srv.URL, n), Report: func(attempt, status int, err error) {
			mu.Lock()
			reports = append(reports, strconv.Itoa(attempt)+":"+strconv.Itoa(status))
			mu.Unlock()
		}})
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []string{"0/0", "0/1", "0/2", "1/0", "2/0"}
	if got := bodies(); len(got) != len(want) || got[0] != want[0] || got[2] != want[2] || got[3] != want[3] || got[4] != want[4] {
		t.Fatalf("requests %v, want %v: a queue's deliveries go out in order, each with its retries", got, want)
	}
	if len(reports) != 5 || reports[0] != "0:500" || reports[1] != "1:502" || reports[2] != "2:200" {
		t.Fatalf("reports: %v", reports)
	}
	if st := s.Stats(); st != (WebhookStats{Sent: 3, Attempts: 5}) {
		t.Fatalf("stats: %+v", st)
	}
}

func TestWebhookSenderGivesUpDropsAndTimesOut(t *testing.T) {
	srv, bodies := hookServer(t, 500, 500, 500, 404)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // so that the server notices the client leave
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer slow.Close()
	s := NewWebhookSender(WebhookSenderOptions{Timeout: 50 * time.Millisecond, Delays: []time.Duration{time.Millisecond, time.Millisecond}})
	defer s.Close()
	s.Send(WebhookDelivery{Request: post(srv.URL, 1)}) // 500 three times: given up
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.Send(WebhookDelivery{Request: post(srv.URL, 2), Retry: func(status int, err error) bool { return status >= 500 }}) // 404: final
	s.Send(WebhookDelivery{Request: func(int) (*http.Request, error) { return nil, ErrDropDelivery }})
	var timeouts []error
	s.Send(WebhookDelivery{Request: post(slow.URL, 3), Report: func(_, _ int, err error) { timeouts = append(timeouts, err) }})
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := bodies(); len(got) != 4 {
		t.Fatalf("requests: %v", got)
	}
	if len(timeouts) != 3 || !errors.Is(timeouts[0], context.DeadlineExceeded) {
		t.Fatalf("a receiver too slow fails each attempt by timeout: %v", timeouts)
	}
	if st := s.Stats(); st != (WebhookStats{Failed: 3, Attempts: 7}) {
		t.Fatalf("stats: %+v", st)
	}
}

func TestWebhookSenderCloseCancelsWaitingRetries(t *testing.T) {
	srv, bodies := hookServer(t, 500)
	s := NewWebhookSender(WebhookSenderOptions{Timeout: time.Second, Delays: []time.Duration{time.Hour}})
	s.Send(WebhookDelivery{Queue: "q", Request: post(srv.URL, 1)})
	s.Send(WebhookDelivery{Queue: "q", Request: post(srv.URL, 2)})
	for len(bodies()) == 0 {
		time.Sleep(time.Millisecond)
	}
	done := make(chan struct{})
	go func() { s.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Close waited for a retry")
	}
	s.Send(WebhookDelivery{Request: post(srv.URL, 3)})
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := bodies(); len(got) != 1 {
		t.Fatalf("requests after Close: %v", got)
	}
	if st := s.Stats(); st.Pending != 0 {
		t.Fatalf("stats: %+v", st)
	}
}
