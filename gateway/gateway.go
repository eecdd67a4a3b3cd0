// Package gateway is Unimesh's HTTP edge: REST for every service through
// grpc-gateway, over real gRPC client connections (so that every call goes
// through the services' interceptors and is traced as one request), API-key
// authentication, per-key rate limits, AIP-193 errors, body size limits,
// /healthz and the merged OpenAPI document; and, for browsers, the hosted
// connect pages and the admin console (package web).
package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/unimesh/unimesh/gateway/web"
	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/auth"
	"github.com/unimesh/unimesh/pkg/telemetry"
	accountingv1 "github.com/unimesh/unimesh/proto/unimesh/accounting/v1"
	atsv1 "github.com/unimesh/unimesh/proto/unimesh/ats/v1"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
	hrisv1 "github.com/unimesh/unimesh/proto/unimesh/hris/v1"
	meshv1 "github.com/unimesh/unimesh/proto/unimesh/mesh/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
	ticketingv1 "github.com/unimesh/unimesh/proto/unimesh/ticketing/v1"
)

// Metadata a REST call carries to the services, so that the request log
// shows the REST method and path the caller used rather than the gRPC
// method. The names are connector.TransportHeader, HTTPMethodHeader and
// HTTPPathHeader, which the category services read.
const (
	mdTransport  = "x-unimesh-transport"
	mdHTTPMethod = "x-unimesh-http-method"
	mdHTTPPath   = "x-unimesh-http-path"
)

// Backends are the gRPC connections to the services.
type Backends struct {
	Connect, CRM, Ticketing, HRIS, Accounting, ATS, Events *grpc.ClientConn
}

func (b Backends) named() map[string]*grpc.ClientConn {
	return map[string]*grpc.ClientConn{
		"connect": b.Connect, "crm": b.CRM, "ticketing": b.Ticketing, "hris": b.HRIS,
		"accounting": b.Accounting, "ats": b.ATS, "events": b.Events,
	}
}

// Options configure the gateway.
type Options struct {
	Backends       Backends
	Verifier       auth.Verifier
	TracerProvider trace.TracerProvider
	Logger         *slog.Logger
	// RatePerSecond and Burst bound each API key (20/s, bursts of 40, by default).
	RatePerSecond float64
	Burst         int
	// MaxBodyBytes caps request bodies (2 MiB by default).
	MaxBodyBytes int64
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// PublicURL is the gateway as browsers reach it, such as
	// https://unimesh.example.com: the connect pages and the console make
	// their cookies Secure when it is https, and take form posts only from
	// its origin. Empty: each request's own host.
	PublicURL string
}

// Gateway is the HTTP handler of the edge.
type Gateway struct {
	opts    Options
	limiter *keyLimiter
	openapi []byte
	handler http.Handler
}

// New builds the gateway and registers every service's REST routes.
func New(ctx context.Context, opts Options) (*Gateway, error) {
	if opts.RatePerSecond == 0 {
		opts.RatePerSecond, opts.Burst = 20, 40
	}
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = 2 << 20
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	doc, err := openAPIDocument()
	if err != nil {
		return nil, err
	}
	mux := runtime.NewServeMux(
		runtime.WithMarshalerOption(runtime.MIMEWildcard, &runtime.HTTPBodyMarshaler{Marshaler: &runtime.JSONPb{
			// lowerCamelCase names, no noise for unset fields, and unknown
			// fields refused rather than silently dropped.
			MarshalOptions:   protojson.MarshalOptions{UseProtoNames: false, EmitUnpopulated: false},
			UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
		}}),
		runtime.WithErrorHandler(errorHandler),
		runtime.WithRoutingErrorHandler(routingErrorHandler),
		runtime.WithIncomingHeaderMatcher(func(key string) (string, bool) {
			if strings.EqualFold(key, "Authorization") {
				// Services authenticate the caller themselves, with the same key.
				return "authorization", true
			}
			return runtime.DefaultHeaderMatcher(key)
		}),
		runtime.WithOutgoingHeaderMatcher(func(string) (string, bool) { return "", false }),
		runtime.WithMetadata(restMetadata),
	)
	b := opts.Backends
	regs := []struct {
		name string
		conn *grpc.ClientConn
		fn   func(context.Context, *runtime.ServeMux, *grpc.ClientConn) error
	}{
		{"projects", b.Connect, platformv1.RegisterProjectServiceHandler},
		{"integrations", b.Connect, platformv1.RegisterIntegrationServiceHandler},
		{"connections", b.Connect, platformv1.RegisterConnectionServiceHandler},
		{"connect sessions", b.Connect, platformv1.RegisterConnectSessionServiceHandler},
		{"oauth apps", b.Connect, platformv1.RegisterOAuthAppServiceHandler},
		{"passthrough", b.Connect, platformv1.RegisterPassthroughServiceHandler},
		{"webhooks", b.Events, platformv1.RegisterWebhookServiceHandler},
		{"crm", b.CRM, crmv1.RegisterCrmServiceHandler},
		{"ticketing", b.Ticketing, ticketingv1.RegisterTicketingServiceHandler},
		{"hris", b.HRIS, hrisv1.RegisterHrisServiceHandler},
		{"accounting", b.Accounting, accountingv1.RegisterAccountingServiceHandler},
		{"ats", b.ATS, atsv1.RegisterAtsServiceHandler},
	}
	for _, r := range regs {
		if r.conn == nil {
			return nil, fmt.Errorf("gateway: no connection to the %s service", r.name)
		}
		if err := r.fn(ctx, mux, r.conn); err != nil {
			return nil, fmt.Errorf("gateway: register %s: %w", r.name, err)
		}
	}
	g := &Gateway{opts: opts, limiter: newKeyLimiter(opts.RatePerSecond, opts.Burst), openapi: doc}
	root := http.NewServeMux()
	root.HandleFunc("GET /healthz", g.healthz)
	root.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(g.openapi)
	})
	// The browser pages come before the API-key check: end users and
	// operators reach them without an API key (a link's secret, a console
	// session). The page RPCs are mesh-internal: b.Connect carries the
	// internal token.
	pages, err := web.New(web.Options{Pages: meshv1.NewConnectPagesServiceClient(b.Connect), Connect: b.Connect,
		PublicURL: opts.PublicURL, Logger: opts.Logger, Now: opts.Now})
	if err != nil {
		return nil, fmt.Errorf("gateway: pages: %w", err)
	}
	for _, p := range web.Paths {
		root.Handle(p, pages)
	}
	// Providers' native webhooks: mesh-internal too, b.Events carries the token.
	root.HandleFunc("POST /webhooks/native/{connection}", g.nativeWebhook)
	root.HandleFunc("POST /webhooks/apps/{integration}/{project}", g.appWebhook)
	root.Handle("/", g.authenticate(g.limitBody(mux)))
	traced := otelhttp.NewHandler(restoreURL(g.logRequests(root)), "gateway",
		otelhttp.WithTracerProvider(opts.TracerProvider),
		otelhttp.WithPropagators(telemetry.Propagator()),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return "HTTP " + r.Method }),
	)
	g.handler = redactURL(traced)
	return g, nil
}

// restMetadata tells the services that a call came over REST, and with
// which method and path (never the query, which may carry secrets).
func restMetadata(_ context.Context, r *http.Request) metadata.MD {
	return metadata.Pairs(mdTransport, "rest", mdHTTPMethod, r.Method, mdHTTPPath, r.URL.Path)
}

type originalURLKey struct{}

// redactURL hides a connect link's secret from the tracing layer, which
// records the URL path of every request: the request goes on with the
// secret replaced, and restoreURL puts it back beneath the tracing.
func redactURL(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		redacted := web.RedactPath(r.URL.Path)
		if redacted == r.URL.Path {
			next.ServeHTTP(w, r)
			return
		}
		orig := r.URL
		u := *r.URL
		u.Path, u.RawPath = redacted, ""
		r2 := r.WithContext(context.WithValue(r.Context(), originalURLKey{}, orig))
		r2.URL = &u
		r2.RequestURI = u.RequestURI()
		next.ServeHTTP(w, r2)
	})
}

func restoreURL(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if orig, ok := r.Context().Value(originalURLKey{}).(*url.URL); ok {
			r2 := r.WithContext(r.Context())
			r2.URL = orig
			r2.RequestURI = orig.RequestURI()
			r = r2
		}
		next.ServeHTTP(w, r)
	})
}

// ServeHTTP serves the edge.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) { g.handler.ServeHTTP(w, r) }

type keyIDKey struct{}

// authenticate resolves the API key (401 without a valid one) and applies
// the key's rate limit (429 with Retry-After).
func (g *Gateway) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		header := r.Header.Get("Authorization")
		key, ok := auth.BearerToken(header)
		if !ok {
			writeError(w, codes.Unauthenticated, apierr.ReasonUnauthenticated, "missing API key: send it as 'Authorization: Bearer <key>'")
			return
		}
		p, err := g.opts.Verifier.Verify(r.Context(), key)
		if err != nil {
			writeStatus(w, status.Convert(err))
			return
		}
		if ok, wait := g.limiter.allow(p.KeyID, g.opts.Now()); !ok {
			writeStatus(w, status.Convert(apierr.RateLimited(apierr.ReasonRateLimited,
				fmt.Sprintf("rate limit of %.0f requests per second exceeded for this API key", g.opts.RatePerSecond), wait)))
			return
		}
		if rec, ok := w.(*recorder); ok {
			rec.keyID = p.KeyID
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keyIDKey{}, p.KeyID)))
	})
}

func (g *Gateway) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > g.opts.MaxBodyBytes {
			writeError(w, codes.InvalidArgument, apierr.ReasonRequestTooLarge,
				fmt.Sprintf("request body larger than %d bytes", g.opts.MaxBodyBytes))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, g.opts.MaxBodyBytes)
		next.ServeHTTP(w, r)
	})
}

// recorder remembers what a response was, for the request log.
type recorder struct {
	http.ResponseWriter
	status int
	keyID  string
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// logRequests writes one line per request — method, path, status, duration,
// key id and trace id; never the query (it may carry secrets), headers or
// bodies — and hands the trace id back to the caller.
func (g *Gateway) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		traceID := ""
		if sc := trace.SpanContextFromContext(r.Context()); sc.IsValid() {
			traceID = sc.TraceID().String()
			w.Header().Set("X-Trace-Id", traceID)
		}
		defer func() {
			if v := recover(); v != nil {
				g.opts.Logger.ErrorContext(r.Context(), "panic in gateway", "panic", fmt.Sprint(v))
				if rec.status == 0 {
					writeError(rec, codes.Internal, apierr.ReasonInternal, "internal error")
				}
			}
			if r.URL.Path == "/healthz" {
				return
			}
			g.opts.Logger.InfoContext(r.Context(), "http", "method", r.Method, "path", web.RedactPath(r.URL.Path), "status", rec.status,
				"duration_ms", float64(time.Since(start).Microseconds())/1000, "api_key", rec.keyID)
		}()
		next.ServeHTTP(rec, r)
	})
}

// healthz reports the health of every service behind the gateway.
func (g *Gateway) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	var (
		mu  sync.Mutex
		wg  sync.WaitGroup
		out = map[string]string{}
	)
	for name, conn := range g.opts.Backends.named() {
		if conn == nil {
			continue
		}
		wg.Go(func() {
			resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
			state := "SERVING"
			if err != nil {
				state = "UNREACHABLE"
			} else if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
				state = resp.GetStatus().String()
			}
			mu.Lock()
			out[name] = state
			mu.Unlock()
		})
	}
	wg.Wait()
	code, overall := http.StatusOK, "ok"
	for _, s := range out {
		if s != "SERVING" {
			code, overall = http.StatusServiceUnavailable, "degraded"
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"status": overall, "services": out})
}
