package stack

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/unimesh/unimesh/pkg/server"
	"github.com/unimesh/unimesh/pkg/store"
	"github.com/unimesh/unimesh/pkg/vault"
)

// Services are the names `unimesh serve` takes.
var Services = []string{"connect", "crm", "ticketing", "hris", "accounting", "ats", "events", "gateway", "sandbox"}

// MeshEnv reads the mesh mode's configuration from the environment.
type MeshEnv func(string) string

func (e MeshEnv) get(key, def string) string {
	if v := strings.TrimSpace(e(key)); v != "" {
		return v
	}
	return def
}

func (e MeshEnv) need(key string) (string, error) {
	v := strings.TrimSpace(e(key))
	if v == "" {
		return "", fmt.Errorf("%s is required in mesh mode", key)
	}
	return v, nil
}

// Serve runs one service until ctx ends (SIGTERM), configured by the
// environment:
//
//	UNIMESH_GRPC_ADDR         where a gRPC service listens (:9090)
//	UNIMESH_HTTP_ADDR         where the gateway or the sandbox listens (:8080)
//	UNIMESH_INTERNAL_TOKEN    the secret the services share for internal calls (required)
//	UNIMESH_DATABASE_URL      PostgreSQL (connect, events; required)
//	UNIMESH_MASTER_KEY / UNIMESH_MASTER_KEY_FILE  the vault's keys (connect, events; required)
//	UNIMESH_CONNECT_ADDR      where connect is (category services, events)
//	UNIMESH_<SERVICE>_ADDR    where each service is (gateway; events needs the categories';
//	                          category services tell UNIMESH_EVENTS_ADDR of writes)
//	UNIMESH_POLL_INTERVAL     default time between polls of a connection (events; 5m)
//	UNIMESH_EMIT_BACKFILL     a connection's first poll sends a created event per record instead
//	                          of setting a silent baseline (events; false)
//	UNIMESH_SANDBOX_URL       root URL of `unimesh serve sandbox`, to offer the sandbox integrations
//	UNIMESH_SANDBOX_SECRET    hex secret the sandbox keys derive from (sandbox)
//	UNIMESH_VENDOR_SANDBOXES  serve the vendor emulators (sandbox) and point the vendor
//	                          integrations at them under UNIMESH_SANDBOX_URL (false; demos only)
//	UNIMESH_ALLOW_PRIVATE_NETWORKS  let providers live on private addresses (false)
//	UNIMESH_RATE_LIMIT / UNIMESH_RATE_BURST  per-key requests per second and burst (gateway)
//	UNIMESH_PUBLIC_URL        the gateway as end users' browsers reach it, such as
//	                          https://unimesh.example.com (connect, gateway): connect links
//	                          and the OAuth callback (<URL>/oauth/callback) are built on it
func Serve(ctx context.Context, service string, env MeshEnv, logger *slog.Logger) error {
	c := &Common{Logger: logger, AllowPrivateNetworks: env.get("UNIMESH_ALLOW_PRIVATE_NETWORKS", "false") == "true",
		PublicURL: strings.TrimSuffix(env.get("UNIMESH_PUBLIC_URL", ""), "/"),
		Connectors: Connectors{SandboxURL: strings.TrimSuffix(env.get("UNIMESH_SANDBOX_URL", ""), "/"),
			VendorSandboxes: env.get("UNIMESH_VENDOR_SANDBOXES", "false") == "true"}}
	defer c.Shutdown(context.WithoutCancel(ctx))
	if service == "sandbox" {
		return serveSandbox(ctx, env, logger)
	}
	token, err := env.need("UNIMESH_INTERNAL_TOKEN")
	if err != nil {
		return err
	}
	c.InternalToken = token
	switch service {
	case "connect":
		return serveConnect(ctx, c, env)
	case "gateway":
		return serveGateway(ctx, c, env)
	case "events":
		return serveEvents(ctx, c, env)
	}
	for _, cat := range Categories(c.Connectors) {
		if cat.Name != service {
			continue
		}
		connectAddr, err := env.need("UNIMESH_CONNECT_ADDR")
		if err != nil {
			return err
		}
		// Without events, writes are still found by polling, only later.
		srv, closeConn, err := c.NewCategoryServer(ctx, cat, connectAddr, env.get("UNIMESH_EVENTS_ADDR", ""))
		if err != nil {
			return err
		}
		defer func() { _ = closeConn() }()
		return serveGRPC(ctx, srv, env.get("UNIMESH_GRPC_ADDR", ":9090"), logger, service)
	}
	return fmt.Errorf("unknown service %q (one of %s)", service, strings.Join(Services, ", "))
}

// MasterKeys loads the vault's keys; in mesh mode there is no default: a
// connect that made up its own key would seal credentials no replica can open.
func MasterKeys(env MeshEnv) (*vault.Keyring, error) {
	return vault.Source{Inline: env("UNIMESH_MASTER_KEY"), File: env("UNIMESH_MASTER_KEY_FILE")}.Load()
}

func serveConnect(ctx context.Context, c *Common, env MeshEnv) error {
	dbURL, err := env.need("UNIMESH_DATABASE_URL")
	if err != nil {
		return err
	}
	kr, err := MasterKeys(env)
	if err != nil {
		return fmt.Errorf("refusing to start connect: %w", err)
	}
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	srv, svc, err := c.NewConnect(ctx, st, kr, env.get("UNIMESH_EVENTS_ADDR", ""))
	if err != nil {
		return err
	}
	// Every replica runs the refresher: the refresh lease in the database
	// keeps two from refreshing one connection.
	go svc.RunRefresher(ctx, time.Minute)
	return serveGRPC(ctx, srv, env.get("UNIMESH_GRPC_ADDR", ":9090"), c.Logger, "connect")
}

func serveEvents(ctx context.Context, c *Common, env MeshEnv) error {
	connectAddr, err := env.need("UNIMESH_CONNECT_ADDR")
	if err != nil {
		return err
	}
	dbURL, err := env.need("UNIMESH_DATABASE_URL")
	if err != nil {
		return err
	}
	kr, err := MasterKeys(env)
	if err != nil {
		return fmt.Errorf("refusing to start events: %w", err)
	}
	cats := map[string]string{}
	for _, cat := range Categories(c.Connectors) {
		addr, err := env.need("UNIMESH_" + strings.ToUpper(cat.Name) + "_ADDR")
		if err != nil {
			return err
		}
		cats[cat.Name] = addr
	}
	cfg := EventsConfig{EmitBackfill: env.get("UNIMESH_EMIT_BACKFILL", "false") == "true"}
	if v := env.get("UNIMESH_POLL_INTERVAL", ""); v != "" {
		if cfg.PollInterval, err = time.ParseDuration(v); err != nil || cfg.PollInterval < time.Second {
			return fmt.Errorf("UNIMESH_POLL_INTERVAL must be a duration of at least 1s, such as 5m")
		}
	}
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	srv, run, closeConns, err := c.NewEvents(ctx, st, kr, connectAddr, cats, cfg)
	if err != nil {
		return err
	}
	defer func() { _ = closeConns() }()
	// Every replica runs the loops: claims and leases in the database share
	// the work out.
	rctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		run(rctx)
	}()
	err = serveGRPC(ctx, srv, env.get("UNIMESH_GRPC_ADDR", ":9090"), c.Logger, "events")
	stop()
	<-done
	return err
}

func serveGRPC(ctx context.Context, srv *server.Server, addr string, logger *slog.Logger, name string) error {
	lis, err := listen(addr)
	if err != nil {
		return err
	}
	logger.Info("serving", "service", name, "addr", lis.Addr().String())
	return srv.Serve(ctx, lis)
}

func serveGateway(ctx context.Context, c *Common, env MeshEnv) error {
	addrs := map[string]string{}
	for _, name := range []string{"connect", "crm", "ticketing", "hris", "accounting", "ats", "events"} {
		addr, err := env.need("UNIMESH_" + strings.ToUpper(name) + "_ADDR")
		if err != nil {
			return err
		}
		addrs[name] = addr
	}
	rate, _ := strconv.ParseFloat(env.get("UNIMESH_RATE_LIMIT", "20"), 64)
	burst, _ := strconv.Atoi(env.get("UNIMESH_RATE_BURST", "40"))
	gw, closeConns, err := c.NewGateway(ctx, addrs, GatewayOptions{RatePerSecond: rate, Burst: burst})
	if err != nil {
		return err
	}
	defer closeConns()
	return serveHTTP(ctx, gw, env.get("UNIMESH_HTTP_ADDR", ":8080"), c.Logger, "gateway")
}

func serveSandbox(ctx context.Context, env MeshEnv, logger *slog.Logger) error {
	hexSecret, err := env.need("UNIMESH_SANDBOX_SECRET")
	if err != nil {
		return err
	}
	secret, err := hex.DecodeString(hexSecret)
	if err != nil || len(secret) < 16 {
		return errors.New("UNIMESH_SANDBOX_SECRET must be at least 16 bytes of hex")
	}
	rate, _ := strconv.Atoi(env.get("UNIMESH_SANDBOX_RATE_PER_MINUTE", "600"))
	h, _ := SandboxHandler(secret, SandboxOptions{RatePerMinute: rate, Vendors: env.get("UNIMESH_VENDOR_SANDBOXES", "false") == "true"})
	return serveHTTP(ctx, h, env.get("UNIMESH_HTTP_ADDR", ":8080"), logger, "sandbox")
}

func serveHTTP(ctx context.Context, h http.Handler, addr string, logger *slog.Logger, name string) error {
	lis, err := listen(addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(lis) }()
	logger.Info("serving", "service", name, "addr", lis.Addr().String())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), graceful)
	defer cancel()
	return hs.Shutdown(sctx)
}
