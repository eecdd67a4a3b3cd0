package stack

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"google.golang.org/grpc"

	"github.com/unimesh/unimesh/gateway"
	"github.com/unimesh/unimesh/pkg/auth"
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/providerhttp"
	"github.com/unimesh/unimesh/pkg/server"
	"github.com/unimesh/unimesh/pkg/store"
	"github.com/unimesh/unimesh/pkg/telemetry"
	"github.com/unimesh/unimesh/pkg/vault"
	meshv1 "github.com/unimesh/unimesh/proto/unimesh/mesh/v1"
	"github.com/unimesh/unimesh/services/connect"
	"github.com/unimesh/unimesh/services/events"
)

// Common is what every service of a process shares.
type Common struct {
	Logger *slog.Logger
	// Telemetry tunes every service's tracer provider (tests add a span recorder).
	Telemetry telemetry.Options
	// InternalToken authenticates calls between the services.
	InternalToken string
	// AllowPrivateNetworks lets providers live on private addresses (dev, tests).
	AllowPrivateNetworks bool
	// Connectors says which connectors to register.
	Connectors Connectors
	// PublicURL is the gateway as browsers reach it: connect links and the
	// OAuth callback are built on it.
	PublicURL string
	// DefaultOAuthApps are OAuth clients for projects without their own
	// (the vendor sandboxes' dev client in `unimesh dev`).
	DefaultOAuthApps map[string]connect.OAuthClient

	// tracings are the providers made so far, to flush at shutdown. Services
	// are built one after the other at start, so no lock is needed.
	tracings []*telemetry.Tracing
	// closers close what lives as long as the process (client connections).
	closers []func()
}

// tracing makes the tracer provider of one service.
func (c *Common) tracing(ctx context.Context, name string) (*telemetry.Tracing, error) {
	t, err := telemetry.NewTracing(ctx, name, c.Telemetry)
	if err != nil {
		return nil, err
	}
	c.tracings = append(c.tracings, t)
	return t, nil
}

// Shutdown closes the process-long connections and flushes every tracer provider.
func (c *Common) Shutdown(ctx context.Context) {
	for _, f := range c.closers {
		f()
	}
	for _, t := range c.tracings {
		_ = t.Shutdown(ctx)
	}
}

func (c *Common) providerHTTP(t *telemetry.Tracing) *providerhttp.Factory {
	return providerhttp.NewFactory(providerhttp.FactoryOptions{
		TracerProvider: t.Provider, AllowPrivateNetworks: c.AllowPrivateNetworks,
	})
}

// NewConnect builds the connect service; it tells the events service at
// eventsAddr (none when empty) of connections about to be deleted.
func (c *Common) NewConnect(ctx context.Context, st *store.Store, kr *vault.Keyring, eventsAddr string) (*server.Server, *connect.Service, error) {
	t, err := c.tracing(ctx, "connect")
	if err != nil {
		return nil, nil, err
	}
	var beforeDelete func(context.Context, string, string)
	if eventsAddr != "" {
		ec, err := c.dialConnect(eventsAddr, t)
		if err != nil {
			return nil, nil, err
		}
		c.closers = append(c.closers, func() { _ = ec.Close() })
		events := meshv1.NewEventsInternalServiceClient(ec)
		beforeDelete = func(ctx context.Context, projectID, connectionID string) {
			if _, err := events.ReleaseConnection(ctx, &meshv1.ReleaseConnectionRequest{ProjectId: projectID, ConnectionId: connectionID}); err != nil {
				c.Logger.WarnContext(ctx, "events could not release the connection", "connection", connectionID, "error", err.Error())
			}
		}
	}
	catalog, err := Catalog(Categories(c.Connectors))
	if err != nil {
		return nil, nil, err
	}
	svc := connect.New(connect.Options{Store: st, Keyring: kr, Catalog: catalog, HTTP: c.providerHTTP(t), Logger: c.Logger.With("service", "connect"),
		PublicURL: c.PublicURL, DefaultOAuthApps: c.DefaultOAuthApps, BeforeDelete: beforeDelete})
	srv, err := server.New(server.Config{Name: "connect", Logger: c.Logger, TracerProvider: t.Provider,
		Auth: &auth.Policy{Verifier: svc.Verifier(), InternalToken: c.InternalToken}})
	if err != nil {
		return nil, nil, err
	}
	svc.Register(srv.GRPC())
	return srv, svc, nil
}

// dialConnect opens a traced connection to connect that carries the internal token.
func (c *Common) dialConnect(addr string, t *telemetry.Tracing) (*grpc.ClientConn, error) {
	return server.Dial(addr, t.Provider, grpc.WithPerRPCCredentials(auth.InternalToken(c.InternalToken)))
}

// NewCategoryServer builds one category service, talking to connect at
// connectAddr and telling the events service at eventsAddr of every write
// (none when eventsAddr is empty).
func (c *Common) NewCategoryServer(ctx context.Context, cat Category, connectAddr, eventsAddr string) (*server.Server, func() error, error) {
	t, err := c.tracing(ctx, cat.Name)
	if err != nil {
		return nil, nil, err
	}
	conn, err := c.dialConnect(connectAddr, t)
	if err != nil {
		return nil, nil, err
	}
	conns := []*grpc.ClientConn{conn}
	closeConns := func() {
		for _, cc := range conns {
			_ = cc.Close()
		}
	}
	var changes *connector.ChangePublisher
	if eventsAddr != "" {
		ec, err := c.dialConnect(eventsAddr, t)
		if err != nil {
			closeConns()
			return nil, nil, err
		}
		conns = append(conns, ec)
		changes = connector.NewChangePublisher(meshv1.NewEventsInternalServiceClient(ec), c.Logger.With("service", cat.Name))
	}
	client := meshv1.NewConnectInternalServiceClient(conn)
	var sink connector.ChangeSink
	if changes != nil {
		sink = changes
	}
	svc, err := cat.NewServer(connector.NewResolver(client, connector.ResolverOptions{}), c.providerHTTP(t), c.Logger, sink)
	if err != nil {
		closeConns()
		return nil, nil, err
	}
	requests := connector.NewRequestLog(client, c.Logger.With("service", cat.Name))
	srv, err := server.New(server.Config{Name: cat.Name, Logger: c.Logger, TracerProvider: t.Provider,
		Auth:         &auth.Policy{Verifier: auth.NewRemoteVerifier(client, 0), InternalToken: c.InternalToken},
		Interceptors: []grpc.UnaryServerInterceptor{requests.Interceptor()}})
	if err != nil {
		closeConns()
		return nil, nil, err
	}
	svc.Register(srv.GRPC())
	rctx, stopLoops := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		requests.Run(rctx, time.Second)
	}()
	if changes != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			changes.Run(rctx)
		}()
	}
	closeAll := func() error {
		stopLoops()
		wg.Wait()
		closeConns()
		return nil
	}
	return srv, closeAll, nil
}

// EventsConfig tunes the events service.
type EventsConfig struct {
	// PollInterval, SweepInterval and Tick are the events service's (its
	// defaults when zero).
	PollInterval  time.Duration
	SweepInterval time.Duration
	Tick          time.Duration
	// RetryBase and GiveUpAfter shorten the delivery schedule in tests.
	RetryBase   time.Duration
	GiveUpAfter time.Duration
	// EmitBackfill sends a created event per existing record on a
	// connection's first poll instead of setting a silent baseline.
	EmitBackfill bool
}

// NewEvents builds the events service over the store, authenticating
// callers through connect and polling through the category services at
// categoryAddrs (by name). run runs its background loops until its context ends.
func (c *Common) NewEvents(ctx context.Context, st *store.Store, kr *vault.Keyring, connectAddr string, categoryAddrs map[string]string,
	cfg EventsConfig) (srv *server.Server, run func(context.Context), closeAll func() error, err error) {
	t, err := c.tracing(ctx, "events")
	if err != nil {
		return nil, nil, nil, err
	}
	conn, err := c.dialConnect(connectAddr, t)
	if err != nil {
		return nil, nil, nil, err
	}
	conns := []*grpc.ClientConn{conn}
	closeAll = func() error {
		for _, cc := range conns {
			_ = cc.Close()
		}
		return nil
	}
	clients := map[string]grpc.ClientConnInterface{}
	for name, addr := range categoryAddrs {
		// The internal token lets the poller read as a connection's project.
		cc, err := c.dialConnect(addr, t)
		if err != nil {
			_ = closeAll()
			return nil, nil, nil, err
		}
		conns = append(conns, cc)
		clients[name] = cc
	}
	svc := events.New(events.Options{Store: st, Keyring: kr, Logger: c.Logger.With("service", "events"), Categories: clients,
		CategoryOf: CategoryOf(Categories(c.Connectors)), TracerProvider: t.Provider, AllowPrivateNetworks: c.AllowPrivateNetworks,
		PublicURL: c.PublicURL, DefaultAppSecrets: c.defaultAppSecrets(),
		PollInterval: cfg.PollInterval, SweepInterval: cfg.SweepInterval, Tick: cfg.Tick, RetryBase: cfg.RetryBase,
		GiveUpAfter: cfg.GiveUpAfter, EmitBackfill: cfg.EmitBackfill})
	srv, err = server.New(server.Config{Name: "events", Logger: c.Logger, TracerProvider: t.Provider,
		Auth: &auth.Policy{Verifier: auth.NewRemoteVerifier(meshv1.NewConnectInternalServiceClient(conn), 0), InternalToken: c.InternalToken}})
	if err != nil {
		_ = closeAll()
		return nil, nil, nil, err
	}
	svc.Register(srv.GRPC())
	return srv, svc.Run, closeAll, nil
}

// GatewayOptions tune the edge.
type GatewayOptions struct {
	RatePerSecond float64
	Burst         int
	MaxBodyBytes  int64
}

// NewGateway builds the gateway over the services at addrs (by service name).
func (c *Common) NewGateway(ctx context.Context, addrs map[string]string, opts GatewayOptions) (*gateway.Gateway, func(), error) {
	t, err := c.tracing(ctx, "gateway")
	if err != nil {
		return nil, nil, err
	}
	conns := map[string]*grpc.ClientConn{}
	closeAll := func() {
		for _, conn := range conns {
			_ = conn.Close()
		}
	}
	for _, name := range []string{"connect", "crm", "ticketing", "hris", "accounting", "ats", "events"} {
		addr, ok := addrs[name]
		if !ok {
			closeAll()
			return nil, nil, fmt.Errorf("gateway: no address for the %s service", name)
		}
		var opts []grpc.DialOption
		if name == "connect" || name == "events" {
			// The gateway asks connect to resolve API keys, and hands
			// providers' webhooks to events: internal calls.
			opts = append(opts, grpc.WithPerRPCCredentials(auth.InternalToken(c.InternalToken)))
		}
		conn, err := server.Dial(addr, t.Provider, opts...)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		conns[name] = conn
	}
	g, err := gateway.New(ctx, gateway.Options{
		Backends: gateway.Backends{Connect: conns["connect"], CRM: conns["crm"], Ticketing: conns["ticketing"], HRIS: conns["hris"],
			Accounting: conns["accounting"], ATS: conns["ats"], Events: conns["events"]},
		Verifier:       auth.NewRemoteVerifier(meshv1.NewConnectInternalServiceClient(conns["connect"]), 0),
		TracerProvider: t.Provider, Logger: c.Logger.With("service", "gateway"),
		RatePerSecond: opts.RatePerSecond, Burst: opts.Burst, MaxBodyBytes: opts.MaxBodyBytes, PublicURL: c.PublicURL,
	})
	if err != nil {
		closeAll()
		return nil, nil, err
	}
	return g, closeAll, nil
}

// listen opens a loopback listener for one in-process service.
func listen(addr string) (net.Listener, error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	return lis, nil
}

// graceful is how long a stopping process waits for calls in flight.
const graceful = 10 * time.Second

// defaultAppSecrets are the client secrets of the default OAuth apps, by integration.
func (c *Common) defaultAppSecrets() map[string]string {
	out := map[string]string{}
	for slug, app := range c.DefaultOAuthApps {
		out[slug] = app.ClientSecret
	}
	return out
}
