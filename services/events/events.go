// Package events is the events service: webhook endpoints, the event log,
// signed deliveries with retries, virtual webhooks (polling and fingerprint
// diffs) and native provider webhooks.
//
// Everything it keeps is in the store, and every background loop takes a
// lease or a conditional claim there before acting, so any number of
// replicas can run the same loops: deliveries are claimed one by one, a
// connection is polled by one replica at a time, and the reader of
// connect's platform events is held by one replica.
package events

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/auth"
	"github.com/unimesh/unimesh/pkg/providerhttp"
	"github.com/unimesh/unimesh/pkg/store"
	"github.com/unimesh/unimesh/pkg/vault"
	meshv1 "github.com/unimesh/unimesh/proto/unimesh/mesh/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

// Options configure the service. Zero durations take the defaults named.
type Options struct {
	Store   *store.Store
	Keyring *vault.Keyring
	Logger  *slog.Logger
	// Categories are connections to the category services by name ("crm",
	// "ticketing", ...), carrying the mesh's internal token: the poller
	// lists records through them as the connection's project.
	Categories map[string]grpc.ClientConnInterface
	// CategoryOf names the category an integration serves.
	CategoryOf func(integration string) string
	// PublicURL is the gateway as providers reach it; native webhook
	// subscriptions point at PublicURL + NativePath + <connection>. Empty:
	// no native subscriptions, everything is polled.
	PublicURL string
	// DefaultAppSecrets are the client secrets, by integration, of the OAuth
	// apps projects without their own use (the emulators' dev apps in
	// `unimesh dev`): app-level webhooks are signed with them.
	DefaultAppSecrets map[string]string
	// TracerProvider traces deliveries and polls.
	TracerProvider trace.TracerProvider
	// AllowPrivateNetworks lets endpoints live on loopback and private
	// addresses (dev and tests); off in the mesh, where it would let a
	// project's endpoint reach into the cluster.
	AllowPrivateNetworks bool
	// Now is the clock (time.Now when nil).
	Now func() time.Time

	// PollInterval is the default time between polls of a connection: 5m.
	PollInterval time.Duration
	// SweepInterval is the time between full listings that find deleted
	// records: 1h.
	SweepInterval time.Duration
	// EmitBackfill makes the first poll of a connection emit a created
	// event per record instead of setting a silent baseline.
	EmitBackfill bool
	// PollWorkers is how many connections are polled at once: 4.
	PollWorkers int

	// DeliveryWorkers is how many deliveries are sent at once: 16.
	DeliveryWorkers int
	// DeliveryTimeout bounds one POST: 10s.
	DeliveryTimeout time.Duration
	// RetryBase is the first retry's delay, doubled per attempt up to
	// RetryCap: 30s and 6h.
	RetryBase time.Duration
	RetryCap  time.Duration
	// GiveUpAfter is how long a delivery is retried, and how long an
	// endpoint may fail without a success before it is disabled: 72h.
	GiveUpAfter time.Duration
	// Tick is how often the loops look for work when idle: 1s.
	Tick time.Duration
}

// Service implements platformv1.WebhookServiceServer and
// meshv1.EventsInternalServiceServer, and runs the delivery, polling and
// platform-event loops.
type Service struct {
	platformv1.UnimplementedWebhookServiceServer
	meshv1.UnimplementedEventsInternalServiceServer

	store   *store.Store
	keyring *vault.Keyring
	logger  *slog.Logger
	tracer  trace.Tracer
	now     func() time.Time
	http    *http.Client
	opts    Options
	// owner names this replica in leases.
	owner string
	// wake nudges the delivery loop when new deliveries are made.
	wake chan struct{}

	catalogOnce sync.Once
	catalog     map[string][]pollable
}

// New returns the service.
func New(opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.TracerProvider == nil {
		opts.TracerProvider = noop.NewTracerProvider()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&opts.PollInterval, 5*time.Minute)
	def(&opts.SweepInterval, time.Hour)
	def(&opts.DeliveryTimeout, 10*time.Second)
	def(&opts.RetryBase, 30*time.Second)
	def(&opts.RetryCap, 6*time.Hour)
	def(&opts.GiveUpAfter, 72*time.Hour)
	def(&opts.Tick, time.Second)
	if opts.DeliveryWorkers <= 0 {
		opts.DeliveryWorkers = 16
	}
	if opts.PollWorkers <= 0 {
		opts.PollWorkers = 4
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	if !opts.AllowPrivateNetworks {
		dialer.Control = providerhttp.RefusePrivate
	}
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: opts.DeliveryTimeout,
	}
	client := &http.Client{
		Transport: otelhttp.NewTransport(transport, otelhttp.WithTracerProvider(opts.TracerProvider),
			otelhttp.WithSpanNameFormatter(func(string, *http.Request) string { return "webhook delivery" })),
		Timeout: opts.DeliveryTimeout,
		// A receiver answers for itself: a redirect is not followed (it
		// could point the signed payload anywhere) and counts as a failure.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &Service{
		store: opts.Store, keyring: opts.Keyring, logger: opts.Logger, tracer: opts.TracerProvider.Tracer("unimesh/events"),
		now: opts.Now, http: client, opts: opts, owner: auth.NewID("evr_"), wake: make(chan struct{}, 1),
	}
}

// Register adds the service's APIs to a gRPC server.
func (s *Service) Register(g *grpc.Server) {
	platformv1.RegisterWebhookServiceServer(g, s)
	meshv1.RegisterEventsInternalServiceServer(g, s)
}

// Run runs the background loops until ctx ends: deliveries, polling, and
// the reader of connect's platform events.
func (s *Service) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, loop := range []func(context.Context){s.runDeliveries, s.runPoller, s.runPlatformEvents, s.runPruner} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			loop(ctx)
		}()
	}
	wg.Wait()
}

// nudge wakes the delivery loop.
func (s *Service) nudge() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// caller returns the authenticated principal.
func caller(ctx context.Context) (*auth.Principal, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return nil, apierr.New(codes.Unauthenticated, apierr.ReasonUnauthenticated, "no caller")
	}
	return p, nil
}

// internal logs err and answers a generic INTERNAL error that reveals nothing.
func (s *Service) internal(ctx context.Context, what string, err error) error {
	s.logger.ErrorContext(ctx, what, "error", err.Error())
	return apierr.Internal(fmt.Sprintf("events: %s failed", what))
}

// eventRetention is how long events (and their deliveries) are kept; the
// limit of a replay's "since".
const eventRetention = 30 * 24 * time.Hour

// runPruner deletes old events once an hour.
func (s *Service) runPruner(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := s.store.PruneEvents(ctx, s.now().Add(-eventRetention)); err != nil && ctx.Err() == nil {
			s.logger.WarnContext(ctx, "prune events", "error", err.Error())
		} else if n > 0 {
			s.logger.InfoContext(ctx, "events pruned", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
