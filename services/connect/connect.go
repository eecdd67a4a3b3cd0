// Package connect is the connect service: projects and API keys, the
// integration catalog, connections and their credential vault, and the
// passthrough proxy. It is the only service that can decrypt credentials;
// category services get them over the mesh-internal RPC.
package connect

import (
	"context"
	"log/slog"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/auth"
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/providerhttp"
	"github.com/unimesh/unimesh/pkg/store"
	"github.com/unimesh/unimesh/pkg/vault"
	meshv1 "github.com/unimesh/unimesh/proto/unimesh/mesh/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

// Service implements the platform services and the mesh-internal one.
type Service struct {
	platformv1.UnimplementedProjectServiceServer
	platformv1.UnimplementedIntegrationServiceServer
	platformv1.UnimplementedConnectionServiceServer
	platformv1.UnimplementedPassthroughServiceServer
	meshv1.UnimplementedConnectInternalServiceServer

	store   *store.Store
	keyring *vault.Keyring
	catalog *connector.Catalog
	http    *providerhttp.Factory
	keys    *KeyVerifier
	touches *touchThrottle // connections' last use
	logger  *slog.Logger
	now     func() time.Time
}

// Options configure the service.
type Options struct {
	Store   *store.Store
	Keyring *vault.Keyring
	Catalog *connector.Catalog
	// HTTP sends passthrough requests.
	HTTP   *providerhttp.Factory
	Logger *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// New returns the service.
func New(opts Options) *Service {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return &Service{
		store: opts.Store, keyring: opts.Keyring, catalog: opts.Catalog, http: opts.HTTP, logger: opts.Logger, now: now,
		keys: NewKeyVerifier(opts.Store, opts.Logger, now), touches: newTouchThrottle(),
	}
}

// Verifier is the API-key verifier backed by the store, for connect's own
// server policy.
func (s *Service) Verifier() auth.Verifier { return s.keys }

// Register adds every service to a gRPC server.
func (s *Service) Register(g *grpc.Server) {
	platformv1.RegisterProjectServiceServer(g, s)
	platformv1.RegisterIntegrationServiceServer(g, s)
	platformv1.RegisterConnectionServiceServer(g, s)
	platformv1.RegisterPassthroughServiceServer(g, s)
	meshv1.RegisterConnectInternalServiceServer(g, s)
}

func caller(ctx context.Context) (*auth.Principal, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return nil, apierr.New(codes.Unauthenticated, apierr.ReasonUnauthenticated, "no caller")
	}
	return p, nil
}

// internal logs a failure of our own and returns a bare INTERNAL.
func (s *Service) internal(ctx context.Context, what string, err error) error {
	s.logger.ErrorContext(ctx, what, "error", err.Error())
	return apierr.Internal(what)
}
