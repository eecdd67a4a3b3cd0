// Package connect is the connect service: projects and API keys, the
// integration catalog, connections and their credential vault, and the
// passthrough proxy. It is the only service that can decrypt credentials;
// category services get them over the mesh-internal RPC.
package connect

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

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
	platformv1.UnimplementedConnectSessionServiceServer
	platformv1.UnimplementedOAuthAppServiceServer
	meshv1.UnimplementedConnectInternalServiceServer
	meshv1.UnimplementedConnectPagesServiceServer

	store   *store.Store
	keyring *vault.Keyring
	catalog *connector.Catalog
	http    *providerhttp.Factory
	keys    *KeyVerifier
	touches *touchThrottle // connections' last use
	logger  *slog.Logger
	now     func() time.Time

	publicURL string
	devApps   map[string]OAuthClient
	// replica names this process in refresh leases; leases numbers them.
	replica string
	// beforeDelete is Options.BeforeDelete.
	beforeDelete func(ctx context.Context, projectID, connectionID string)
	leases       atomic.Uint64
	flight       singleflight.Group
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
	// PublicURL is the gateway as end users' browsers reach it, such as
	// https://unimesh.example.com: connect links and the OAuth callback
	// (PublicURL + /oauth/callback) are built on it.
	PublicURL string
	// DefaultOAuthApps are the OAuth clients used, per integration, by
	// projects that registered none of their own: the sandbox emulators'
	// dev client in `unimesh dev`. The mesh sets none.
	DefaultOAuthApps map[string]OAuthClient
	// BeforeDelete is told of a connection about to be deleted, while its
	// credentials still exist: the events service ends the connection's
	// native webhook subscription at the provider. Its failure does not
	// stop the deletion.
	BeforeDelete func(ctx context.Context, projectID, connectionID string)
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
		publicURL: strings.TrimSuffix(opts.PublicURL, "/"), devApps: opts.DefaultOAuthApps, replica: randomID("r", 6),
		beforeDelete: opts.BeforeDelete,
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
	platformv1.RegisterConnectSessionServiceServer(g, s)
	platformv1.RegisterOAuthAppServiceServer(g, s)
	meshv1.RegisterConnectInternalServiceServer(g, s)
	meshv1.RegisterConnectPagesServiceServer(g, s)
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
