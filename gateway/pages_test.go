package gateway

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/auth"
	meshv1 "github.com/unimesh/unimesh/proto/unimesh/mesh/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

// backend stands for the services behind the gateway: it records the
// metadata of the calls it gets.
type backend struct {
	platformv1.UnimplementedIntegrationServiceServer
	meshv1.UnimplementedConnectPagesServiceServer
	mu sync.Mutex
	md metadata.MD
}

func (b *backend) ListIntegrations(ctx context.Context, _ *platformv1.ListIntegrationsRequest) (*platformv1.ListIntegrationsResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	b.mu.Lock()
	b.md = md
	b.mu.Unlock()
	return &platformv1.ListIntegrationsResponse{}, nil
}

func (b *backend) OpenConnectSession(context.Context, *meshv1.OpenConnectSessionRequest) (*meshv1.ConnectPage, error) {
	return nil, apierr.NotFound(apierr.ReasonConnectSessionNotFound, "no such link")
}

type anyKey struct{}

func (anyKey) Verify(context.Context, string) (*auth.Principal, error) {
	return &auth.Principal{ProjectID: "proj_1", KeyID: "key_1", Scopes: []platformv1.Scope{platformv1.Scope_SCOPE_ADMIN}}, nil
}

func newTestGateway(t *testing.T, logs *bytes.Buffer, spans *tracetest.SpanRecorder) (*Gateway, *backend) {
	t.Helper()
	be := &backend{}
	srv := grpc.NewServer()
	platformv1.RegisterIntegrationServiceServer(srv, be)
	meshv1.RegisterConnectPagesServiceServer(srv, be)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	g, err := New(context.Background(), Options{
		Backends: Backends{Connect: conn, CRM: conn, Ticketing: conn, HRIS: conn, Accounting: conn, ATS: conn, Events: conn},
		Verifier: anyKey{}, TracerProvider: tp, Logger: slog.New(slog.NewTextHandler(logs, nil)),
		PublicURL: "https://unimesh.example.com",
	})
	if err != nil {
		t.Fatal(err)
	}
	return g, be
}

func TestRESTCallsCarryTheirMethodAndPath(t *testing.T) {
	g, be := newTestGateway(t, &bytes.Buffer{}, tracetest.NewSpanRecorder())
	req := httptest.NewRequest(http.MethodGet, "/platform/v1/integrations?category=CATEGORY_CRM", nil)
	req.Header.Set("Authorization", "Bearer umk_test")
	// A caller must not be able to put words in the request log, nor pass
	// for the mesh (DefaultHeaderMatcher forwards no Grpc-Metadata- header;
	// the legacy one would).
	req.Header.Set("Grpc-Metadata-X-Unimesh-Http-Path", "/forged")
	req.Header.Set("Grpc-Metadata-X-Unimesh-Transport", "mcp")
	req.Header.Set("Grpc-Metadata-X-Unimesh-Internal-Token", "forged")
	w := httptest.NewRecorder()
	g.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	be.mu.Lock()
	md := be.md
	be.mu.Unlock()
	for key, want := range map[string]string{"x-unimesh-transport": "rest", "x-unimesh-http-method": "GET", "x-unimesh-http-path": "/platform/v1/integrations"} {
		if got := md.Get(key); len(got) != 1 || got[0] != want {
			t.Fatalf("%s = %q, want only %q", key, got, want)
		}
	}
	if got := md.Get("x-unimesh-internal-token"); len(got) != 0 {
		t.Fatalf("a caller's header became the mesh's internal token metadata: %q", got)
	}
}

// TestPlatformRoutes checks that connect links and OAuth apps have their
// REST routes (the backend here implements neither: 501, not a 404 of the
// router).
func TestPlatformRoutes(t *testing.T) {
	g, _ := newTestGateway(t, &bytes.Buffer{}, tracetest.NewSpanRecorder())
	for _, r := range []struct{ method, path, body string }{
		{http.MethodPost, "/platform/v1/connectSessions", `{"endUser":{"originId":"a"}}`},
		{http.MethodGet, "/platform/v1/connectSessions", ""},
		{http.MethodGet, "/platform/v1/oauthApps", ""},
	} {
		req := httptest.NewRequest(r.method, r.path, strings.NewReader(r.body))
		req.Header.Set("Authorization", "Bearer umk_test")
		w := httptest.NewRecorder()
		g.ServeHTTP(w, req)
		if w.Code != http.StatusNotImplemented {
			t.Errorf("%s %s: %d %s", r.method, r.path, w.Code, w.Body)
		}
	}
}

func TestPagesAreServedWithoutAPIKeyAndHideTheLinkSecret(t *testing.T) {
	var logs bytes.Buffer
	spans := tracetest.NewSpanRecorder()
	g, _ := newTestGateway(t, &logs, spans)
	const secret = "cst_TheLinksSecretMustNotBeLogged0123456789"

	w := httptest.NewRecorder()
	g.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/connect/"+secret+"/pipedrive", nil))
	if w.Code != http.StatusNotFound || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") ||
		!strings.Contains(w.Body.String(), `data-reason="CONNECT_SESSION_NOT_FOUND"`) || w.Header().Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("connect page through the gateway: %d %v\n%s", w.Code, w.Header(), w.Body)
	}
	if !strings.Contains(logs.String(), "path=/connect/{token}/pipedrive") || strings.Contains(logs.String(), secret) {
		t.Fatalf("request log: %s", logs.String())
	}
	ended := spans.Ended()
	if len(ended) == 0 {
		t.Fatal("no span")
	}
	sawPath := false
	for _, s := range ended {
		for _, a := range s.Attributes() {
			if strings.Contains(a.Value.Emit(), secret) {
				t.Fatalf("span %s records the secret in %s", s.Name(), a.Key)
			}
			if a.Key == "url.path" && a.Value.AsString() == "/connect/{token}/pipedrive" {
				sawPath = true
			}
		}
	}
	if !sawPath {
		t.Fatal("the span has no redacted url.path")
	}

	w = httptest.NewRecorder()
	g.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/console/", nil))
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/console/login" {
		t.Fatalf("console without a session: %d %v", w.Code, w.Header())
	}
	w = httptest.NewRecorder()
	g.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/oauth/callback?state=x&code=y", nil))
	if !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("callback: %d %v", w.Code, w.Header())
	}

	// The API itself still wants a key.
	w = httptest.NewRecorder()
	g.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/platform/v1/integrations", nil))
	if w.Code != http.StatusUnauthorized || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("API without a key: %d %s", w.Code, w.Body)
	}
}
