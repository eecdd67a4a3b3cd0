// Package server is the one constructor every Unimesh gRPC service starts
// from, so that all of them trace, log, recover, authenticate, validate and
// shut down the same way.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"time"

	"buf.build/go/protovalidate"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"

	"github.com/unimesh/unimesh/pkg/auth"
	"github.com/unimesh/unimesh/pkg/telemetry"
)

// Config describes one service.
type Config struct {
	// Name is the service's short name: "crm", "connect", ...
	Name string
	// Logger receives one line per call and every recovered panic.
	Logger *slog.Logger
	// TracerProvider makes the server spans.
	TracerProvider trace.TracerProvider
	// Auth decides who may call what. Required: a service without a policy
	// would serve anyone.
	Auth *auth.Policy
	// ShutdownGrace bounds how long Serve waits for calls in flight after its
	// context ends; 10s when zero.
	ShutdownGrace time.Duration
	// MaxRecvMsgSize caps request messages; 4 MiB when zero.
	MaxRecvMsgSize int
	// Interceptors run after authentication and before validation, so
	// that they know the caller and see invalid requests too.
	Interceptors []grpc.UnaryServerInterceptor
}

// Server is a gRPC server with Unimesh's standard interceptors, health and reflection.
type Server struct {
	cfg    Config
	grpc   *grpc.Server
	health *health.Server
}

// New builds the server. Register services on GRPC() before Serve.
func New(cfg Config) (*Server, error) {
	if cfg.Name == "" || cfg.Logger == nil || cfg.TracerProvider == nil || cfg.Auth == nil {
		return nil, errors.New("server: Name, Logger, TracerProvider and Auth are required")
	}
	if cfg.ShutdownGrace == 0 {
		cfg.ShutdownGrace = 10 * time.Second
	}
	if cfg.MaxRecvMsgSize == 0 {
		cfg.MaxRecvMsgSize = 4 << 20
	}
	validator, err := protovalidate.New()
	if err != nil {
		return nil, fmt.Errorf("server %s: protovalidate: %w", cfg.Name, err)
	}
	logger := cfg.Logger.With("service", cfg.Name)
	g := grpc.NewServer(
		grpc.StatsHandler(otelgrpc.NewServerHandler(
			otelgrpc.WithTracerProvider(cfg.TracerProvider),
			otelgrpc.WithPropagators(telemetry.Propagator()),
		)),
		grpc.MaxRecvMsgSize(cfg.MaxRecvMsgSize),
		// Order matters: recovery outermost so that it catches panics anywhere,
		// then the log line (which sees the final code), then who the caller
		// is, then whether the request is valid.
		grpc.ChainUnaryInterceptor(slices.Concat(
			[]grpc.UnaryServerInterceptor{recoverUnary(logger), logUnary(logger), cfg.Auth.UnaryInterceptor()},
			cfg.Interceptors,
			[]grpc.UnaryServerInterceptor{validateUnary(validator)},
		)...),
		grpc.ChainStreamInterceptor(
			recoverStream(logger),
			cfg.Auth.StreamInterceptor(),
		),
	)
	hs := health.NewServer()
	healthpb.RegisterHealthServer(g, hs)
	reflection.Register(g)
	return &Server{cfg: cfg, grpc: g, health: hs}, nil
}

// GRPC is the underlying server, to register services on.
func (s *Server) GRPC() *grpc.Server { return s.grpc }

// Serve serves on lis until ctx ends, then stops gracefully: health turns
// NOT_SERVING, calls in flight get ShutdownGrace to finish, the rest are cut.
func (s *Server) Serve(ctx context.Context, lis net.Listener) error {
	for name := range s.grpc.GetServiceInfo() {
		s.health.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	}
	s.health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	errc := make(chan error, 1)
	go func() { errc <- s.grpc.Serve(lis) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve %s: %w", s.cfg.Name, err)
	case <-ctx.Done():
	}
	s.health.Shutdown()
	stopped := make(chan struct{})
	go func() {
		s.grpc.GracefulStop()
		close(stopped)
	}()
	select {
	case <-stopped:
	case <-time.After(s.cfg.ShutdownGrace):
		s.cfg.Logger.Warn("graceful stop timed out; closing remaining calls", "service", s.cfg.Name)
		s.grpc.Stop()
	}
	return nil
}
