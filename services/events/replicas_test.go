package events_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/unimesh/unimesh/pkg/store"
	"github.com/unimesh/unimesh/pkg/store/storetest"
	"github.com/unimesh/unimesh/pkg/webhook"
	meshv1 "github.com/unimesh/unimesh/proto/unimesh/mesh/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

// twoStores opens two handles on one database, as two replicas have.
func twoStores(t *testing.T, dialect string) (*store.Store, *store.Store) {
	t.Helper()
	var url string
	switch dialect {
	case "sqlite":
		url = "sqlite:" + filepath.Join(t.TempDir(), "unimesh.db")
	case "postgres":
		if url = storetest.PostgresURL(t); url == "" {
			t.Skip(storetest.PostgresEnv + " is not set")
		}
	}
	open := func() *store.Store {
		st, err := store.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		if err := st.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return st
	}
	return open(), open()
}

// Two replicas share the deliveries: each is sent once, however the
// claims interleave.
func TestTwoReplicasSendEachDeliveryOnce(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			a, b := twoStores(t, dialect)
			kr := newKeyring(t)
			var (
				mu    sync.Mutex
				byID  = map[string]int{}
				total atomic.Int64
			)
			h := newHook(t, func(int) int { return http.StatusOK })
			h.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				byID[r.Header.Get(webhook.DeliveryHeader)]++
				mu.Unlock()
				total.Add(1)
				time.Sleep(2 * time.Millisecond) // let the replicas overlap
				w.WriteHeader(http.StatusOK)
			})
			fa := start(t, a, kr, false)
			createEndpoint(t, fa, &platformv1.WebhookEndpoint{Url: h.URL})
			const n = 200
			var changes []*meshv1.RecordChange
			for i := 0; i < n; i++ {
				changes = append(changes, contactChange(t, "conn_a", fmt.Sprintf("c%d", i), "Replica"))
			}
			publish(t, fa, changes...)
			fa.stop()
			// Both replicas start on the queue at once.
			start(t, a, kr, true)
			start(t, b, kr, true)
			waitFor(t, 30*time.Second, "every delivery", func() bool { return total.Load() >= n })
			time.Sleep(200 * time.Millisecond)
			mu.Lock()
			defer mu.Unlock()
			if len(byID) != n || total.Load() != n {
				t.Fatalf("%d deliveries sent %d times, want %d once each", len(byID), total.Load(), n)
			}
		})
	}
}

// Only one replica holds a connection's poll lease at a time, however many try.
func TestOnePollerPerConnection(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			a, b := twoStores(t, dialect)
			seedProject(t, a)
			seedConnection(t, a, "conn_a", "sandbox-crm")
			ctx := context.Background()
			now := time.Now()
			if err := a.EnsurePollConnection(ctx, "conn_a", projectID, now.Add(-time.Second)); err != nil {
				t.Fatal(err)
			}
			var wins atomic.Int64
			var wg sync.WaitGroup
			for i := 0; i < 16; i++ {
				st := a
				if i%2 == 1 {
					st = b
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					ok, err := st.ClaimPoll(ctx, "conn_a", fmt.Sprintf("replica-%d", i), time.Now(), time.Now().Add(time.Minute))
					if err != nil {
						t.Error(err)
					}
					if ok {
						wins.Add(1)
					}
				}()
			}
			wg.Wait()
			if wins.Load() != 1 {
				t.Fatalf("%d replicas hold the poll lease", wins.Load())
			}
			// An expired lease can be taken over; a finished poll is due later.
			if ok, _ := b.ClaimPoll(ctx, "conn_a", "late", time.Now().Add(2*time.Minute), time.Now().Add(3*time.Minute)); !ok {
				t.Fatal("an expired lease was not taken over")
			}
			if err := b.FinishPoll(ctx, "conn_a", "late", time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			if ok, _ := a.ClaimPoll(ctx, "conn_a", "early", time.Now(), time.Now().Add(time.Minute)); ok {
				t.Fatal("a connection not yet due was claimed")
			}
		})
	}
}
