package events_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/auth"
	"github.com/unimesh/unimesh/pkg/server"
	"github.com/unimesh/unimesh/pkg/store"
	"github.com/unimesh/unimesh/pkg/vault"
	"github.com/unimesh/unimesh/pkg/webhook"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
	meshv1 "github.com/unimesh/unimesh/proto/unimesh/mesh/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
	"github.com/unimesh/unimesh/services/events"
)

const (
	internalToken = "test-internal-token"
	adminKey      = "umk_aaaaaaaaaaaa_admin-key-for-the-events-tests-0123456789"
	readKey       = "umk_bbbbbbbbbbbb_read-key-for-the-events-tests-01234567890"
	projectID     = "proj_events"
)

// keys is a verifier of two fixed keys.
type keys struct{}

func (keys) Verify(_ context.Context, key string) (*auth.Principal, error) {
	switch key {
	case adminKey:
		return &auth.Principal{ProjectID: projectID, KeyID: "admin", Scopes: []platformv1.Scope{platformv1.Scope_SCOPE_ADMIN}}, nil
	case readKey:
		return &auth.Principal{ProjectID: projectID, KeyID: "read", Scopes: []platformv1.Scope{platformv1.Scope_SCOPE_READ}}, nil
	}
	return nil, apierr.New(codes.Unauthenticated, apierr.ReasonAPIKeyInvalid, "invalid API key")
}

// fixture is one events service over a store, served on a real gRPC
// listener, with clients for the API (as the project's admin) and for the
// mesh's internal calls.
type fixture struct {
	st       *store.Store
	svc      *events.Service
	api      platformv1.WebhookServiceClient
	internal meshv1.EventsInternalServiceClient
	conn     *grpc.ClientConn
	stop     func()
}

func newKeyring(t testing.TB) *vault.Keyring {
	t.Helper()
	k, err := vault.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	kr, err := vault.NewKeyring(k)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

// seedProject makes the project the tests' keys belong to.
func seedProject(t testing.TB, st *store.Store) {
	t.Helper()
	now := time.Now()
	if err := st.CreateProject(context.Background(), store.Project{ID: projectID, DisplayName: "Events", CreateTime: now, UpdateTime: now}); err != nil && err != store.ErrConflict {
		t.Fatal(err)
	}
}

// seedConnection makes a connection of the project (fingerprints belong to one).
func seedConnection(t testing.TB, st *store.Store, id, integration string) {
	t.Helper()
	now := time.Now()
	err := st.CreateConnection(context.Background(), store.Connection{ID: id, ProjectID: projectID, Integration: integration,
		Status: int32(platformv1.ConnectionStatus_CONNECTION_STATUS_ACTIVE), CreateTime: now, UpdateTime: now},
		store.Credential{ConnectionID: id, KeyID: "k", Sealed: []byte("sealed"), UpdateTime: now})
	if err != nil && err != store.ErrConflict {
		t.Fatal(err)
	}
}

// start serves an events service; run says whether its loops run.
func start(t testing.TB, st *store.Store, kr *vault.Keyring, run bool, tune ...func(*events.Options)) *fixture {
	t.Helper()
	seedProject(t, st)
	for _, c := range []string{"conn_a", "conn_x", "conn_y"} {
		seedConnection(t, st, c, "sandbox-crm")
	}
	opts := events.Options{Store: st, Keyring: kr, AllowPrivateNetworks: true, Tick: 20 * time.Millisecond,
		RetryBase: 20 * time.Millisecond, RetryCap: 200 * time.Millisecond, DeliveryTimeout: 2 * time.Second}
	for _, f := range tune {
		f(&opts)
	}
	svc := events.New(opts)
	srv, err := server.New(server.Config{Name: "events", Logger: slog.New(slog.DiscardHandler), TracerProvider: noop.NewTracerProvider(),
		Auth: &auth.Policy{Verifier: keys{}, InternalToken: internalToken}})
	if err != nil {
		t.Fatal(err)
	}
	svc.Register(srv.GRPC())
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = srv.Serve(ctx, lis)
	}()
	if run {
		wg.Add(1)
		go func() {
			defer wg.Done()
			svc.Run(ctx)
		}()
	}
	conn, err := server.Dial(lis.Addr().String(), noop.NewTracerProvider(), grpc.WithPerRPCCredentials(auth.InternalToken(internalToken)))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: st, svc: svc, api: platformv1.NewWebhookServiceClient(conn), internal: meshv1.NewEventsInternalServiceClient(conn), conn: conn}
	var once sync.Once
	f.stop = func() {
		once.Do(func() {
			cancel()
			wg.Wait()
			_ = conn.Close()
		})
	}
	t.Cleanup(f.stop)
	return f
}

// as returns a context calling with an API key.
func as(key string) context.Context {
	return auth.ForwardAPIKey(context.Background(), key)
}

// contactChange is a contact updated through Unimesh on a connection.
func contactChange(t testing.TB, connection, id, lastName string) *meshv1.RecordChange {
	t.Helper()
	rec, err := anypb.New(&crmv1.Contact{Id: id, FirstName: "Ada", LastName: lastName})
	if err != nil {
		t.Fatal(err)
	}
	return &meshv1.RecordChange{ProjectId: projectID, ConnectionId: connection, Integration: "sandbox-crm", Category: "crm",
		Object: "contact", Kind: meshv1.ChangeKind_CHANGE_KIND_UPDATED, RecordId: id, Record: rec, OccurTime: timestamppb.Now()}
}

// delivery is one POST a hook received.
type delivery struct {
	header http.Header
	body   []byte
}

// hook is a receiver whose answers the test scripts.
type hook struct {
	*httptest.Server
	mu         sync.Mutex
	deliveries []delivery
	// answer returns the status for the n-th delivery (0-based).
	answer func(n int) int
}

func newHook(t testing.TB, answer func(n int) int) *hook {
	h := &hook{answer: answer}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		n := len(h.deliveries)
		h.deliveries = append(h.deliveries, delivery{header: r.Header.Clone(), body: body})
		h.mu.Unlock()
		w.WriteHeader(h.answer(n))
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hook) got() []delivery {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]delivery(nil), h.deliveries...)
}

// waitFor polls cond until it holds or the time is up.
func waitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// verified checks a delivery's signature with secrets.
func verified(d delivery, secrets ...string) error {
	return webhook.Verify(d.header.Get(webhook.SignatureHeader), d.body, time.Now(), 0, secrets...)
}
