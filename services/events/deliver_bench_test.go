package events_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/pkg/store"
	"github.com/unimesh/unimesh/pkg/store/storetest"
	meshv1 "github.com/unimesh/unimesh/proto/unimesh/mesh/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
	"github.com/unimesh/unimesh/services/events"
)

// benchDeliveriesEnv sets how many events BenchmarkDeliveries sends (5,000 by default).
const benchDeliveriesEnv = "UNIMESH_BENCH_DELIVERIES"

// benchHandles opens n handles on one fresh, migrated database, as n
// replicas have; PostgreSQL is skipped when UNIMESH_TEST_POSTGRES_URL is
// unset, as in the tests.
func benchHandles(b *testing.B, dialect string, n int) []*store.Store {
	b.Helper()
	var url string
	switch dialect {
	case "sqlite":
		url = "sqlite:" + filepath.Join(b.TempDir(), "unimesh.db")
	case "postgres":
		if url = storetest.PostgresURL(b); url == "" {
			b.Skip(storetest.PostgresEnv + " is not set")
		}
	}
	var out []*store.Store
	for range n {
		st, err := store.Open(context.Background(), url)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = st.Close() })
		if err := st.Migrate(context.Background()); err != nil {
			b.Fatal(err)
		}
		out = append(out, st)
	}
	return out
}

// countSucceeded counts the deliveries that succeeded.
func countSucceeded(b *testing.B, st *store.Store) int64 {
	b.Helper()
	var n int64
	q := fmt.Sprintf("SELECT COUNT(*) FROM webhook_deliveries WHERE state = %d", store.DeliverySucceeded)
	if err := st.DB().QueryRowContext(context.Background(), q).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

// BenchmarkDeliveries measures deliveries per second to a local receiver
// answering 204: M events (UNIMESH_BENCH_DELIVERIES, 5,000 by default)
// of one endpoint are enqueued through PublishChanges with the loops
// stopped (outside the timer; the rate is reported as publish-events/s),
// then the timer runs from the start of the services' loops (Service.Run,
// default options: 16 delivery workers) until every delivery is SUCCEEDED
// in the store. The two-replica variant runs two services over two store
// handles on the same database.
func BenchmarkDeliveries(b *testing.B) {
	m := 5000
	if v := os.Getenv(benchDeliveriesEnv); v != "" {
		var err error
		if m, err = strconv.Atoi(v); err != nil || m < 1 {
			b.Fatalf("%s=%q: want a number of events", benchDeliveriesEnv, v)
		}
	}
	for _, dialect := range []string{"sqlite", "postgres"} {
		for _, replicas := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/replicas=%d", dialect, replicas), func(b *testing.B) {
				benchDeliveries(b, dialect, replicas, m)
			})
		}
	}
}

func benchDeliveries(b *testing.B, dialect string, replicas, m int) {
	stores := benchHandles(b, dialect, replicas)
	kr := newKeyring(b)
	var posts atomic.Int64
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		posts.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	b.Cleanup(recv.Close)
	// An events service without its loops takes the endpoint and the changes.
	f := start(b, stores[0], kr, false)
	if _, err := f.api.CreateWebhookEndpoint(as(adminKey), &platformv1.CreateWebhookEndpointRequest{
		WebhookEndpoint: &platformv1.WebhookEndpoint{Url: recv.URL + "/hook"}}); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	var publish time.Duration
	next := 0
	for i := 0; i < b.N; i++ {
		// Enqueue m events, 500 changes per call (the API's limit).
		t0 := time.Now()
		for sent := 0; sent < m; {
			var changes []*meshv1.RecordChange
			for ; sent < m && len(changes) < 500; sent++ {
				rec, err := anypb.New(events.SyntheticContact(next, 0))
				if err != nil {
					b.Fatal(err)
				}
				changes = append(changes, &meshv1.RecordChange{ProjectId: projectID, ConnectionId: "conn_a", Integration: "sandbox-crm",
					Category: "crm", Object: "contact", Kind: meshv1.ChangeKind_CHANGE_KIND_UPDATED, RecordId: strconv.Itoa(next),
					Record: rec, OccurTime: timestamppb.Now()})
				next++
			}
			if _, err := f.internal.PublishChanges(context.Background(), &meshv1.PublishChangesRequest{Changes: changes}); err != nil {
				b.Fatal(err)
			}
		}
		publish += time.Since(t0)
		want := int64((i + 1) * m)
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		b.StartTimer()
		for _, st := range stores {
			svc := events.New(events.Options{Store: st, Keyring: kr, AllowPrivateNetworks: true})
			wg.Add(1)
			go func() {
				defer wg.Done()
				svc.Run(ctx)
			}()
		}
		deadline := time.Now().Add(10 * time.Minute)
		for posts.Load() < want || countSucceeded(b, stores[0]) < want {
			if time.Now().After(deadline) {
				b.Fatalf("after 10 minutes %d posts, %d succeeded, of %d", posts.Load(), countSucceeded(b, stores[0]), want)
			}
			time.Sleep(2 * time.Millisecond)
		}
		b.StopTimer()
		cancel()
		wg.Wait()
	}
	if extra := posts.Load() - int64(b.N*m); extra != 0 {
		b.Errorf("%d deliveries were sent more than once", extra)
	}
	b.ReportMetric(float64(b.N*m)/b.Elapsed().Seconds(), "deliveries/s")
	b.ReportMetric(float64(b.N*m)/publish.Seconds(), "publish-events/s")
}
