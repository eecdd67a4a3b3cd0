package events_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/unimesh/unimesh/pkg/store"
	"github.com/unimesh/unimesh/pkg/vault"
	"github.com/unimesh/unimesh/pkg/webhook"
	meshv1 "github.com/unimesh/unimesh/proto/unimesh/mesh/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
	"github.com/unimesh/unimesh/services/events"
)

// The child process of TestAKilledProcessStillDelivers: it publishes one
// change into the database and runs (or not) its delivery loop until the
// parent kills it.
const childEnv = "UNIMESH_EVENTS_TEST_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		runChild(mode, os.Getenv("CHILD_DB"), os.Getenv("CHILD_KEYS"))
		return
	}
	os.Exit(m.Run())
}

func runChild(mode, db, keys string) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+db)
	if err != nil {
		os.Exit(3)
	}
	ks, err := vault.ParseKeys(keys)
	if err != nil {
		os.Exit(4)
	}
	kr, err := vault.NewKeyring(ks...)
	if err != nil {
		os.Exit(5)
	}
	svc := events.New(events.Options{Store: st, Keyring: kr, AllowPrivateNetworks: true, Tick: 20 * time.Millisecond,
		DeliveryTimeout: time.Second})
	c := contactChange(&testing.T{}, "conn_a", "c1", "Killed")
	if _, err := svc.PublishChanges(ctx, &meshv1.PublishChangesRequest{Changes: []*meshv1.RecordChange{c}}); err != nil {
		os.Exit(6)
	}
	if mode == "inflight" {
		go svc.Run(ctx)
	}
	os.Stdout.WriteString("published\n")
	select {} // until killed
}

// Kill the process between the enqueue of an event and its delivery — once
// before any attempt, once while an attempt is in flight — and start again:
// the event is still delivered, with the event id it was made with.
func TestAKilledProcessStillDelivers(t *testing.T) {
	for _, mode := range []string{"queued", "inflight"} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "unimesh.db")
			st, err := store.Open(context.Background(), "sqlite:"+db)
			if err != nil {
				t.Fatal(err)
			}
			if err := st.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			key, _ := vault.GenerateKey()
			kr, _ := vault.NewKeyring(key)

			var (
				mu       sync.Mutex
				attempts []string // event ids, in order
				firstIn  = make(chan struct{})
				once     sync.Once
			)
			h := newHook(t, func(int) int { return http.StatusOK })
			h.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				// Reading the body lets the server notice the sender's death.
				_, _ = io.Copy(io.Discard, r.Body)
				mu.Lock()
				attempts = append(attempts, r.Header.Get(webhook.EventIDHeader))
				n := len(attempts)
				mu.Unlock()
				if n == 1 && mode == "inflight" {
					once.Do(func() { close(firstIn) })
					<-r.Context().Done() // the sender dies mid-request
					return
				}
				w.WriteHeader(http.StatusNoContent)
			})
			f := start(t, st, kr, false)
			ep, _ := createEndpoint(t, f, &platformv1.WebhookEndpoint{Url: h.URL})
			f.stop()

			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), childEnv+"="+mode, "CHILD_DB="+db, "CHILD_KEYS="+vault.FormatKeys([]vault.Key{key}))
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 10)
			if _, err := out.Read(buf); err != nil {
				t.Fatalf("the child did not publish: %v", err)
			}
			if mode == "inflight" {
				select {
				case <-firstIn:
				case <-time.After(10 * time.Second):
					t.Fatal("the child never sent")
				}
			}
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			mu.Lock()
			before := len(attempts)
			mu.Unlock()
			if (mode == "queued") != (before == 0) {
				t.Fatalf("%s: %d attempts before the kill", mode, before)
			}

			// Start again on the same database.
			f = start(t, st, kr, true, func(o *events.Options) { o.DeliveryTimeout = time.Second })
			waitFor(t, 20*time.Second, "the delivery after the restart", func() bool {
				l, err := f.api.ListWebhookDeliveries(as(adminKey), &platformv1.ListWebhookDeliveriesRequest{Endpoint: ep.GetId()})
				return err == nil && len(l.GetDeliveries()) == 1 && l.GetDeliveries()[0].GetState() == platformv1.DeliveryState_DELIVERY_STATE_SUCCEEDED
			})
			mu.Lock()
			defer mu.Unlock()
			if len(attempts) != before+1 {
				t.Fatalf("%d attempts after the restart, want 1", len(attempts)-before)
			}
			for _, id := range attempts {
				if id != attempts[0] || id == "" {
					t.Fatalf("event ids differ: %v", attempts)
				}
			}
		})
	}
}
