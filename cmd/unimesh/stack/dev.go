package stack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace/noop"

	"github.com/unimesh/unimesh/pkg/auth"
	"github.com/unimesh/unimesh/pkg/server"
	"github.com/unimesh/unimesh/pkg/store"
	"github.com/unimesh/unimesh/pkg/vault"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
	"github.com/unimesh/unimesh/services/connect"
)

// DevConfig configures the embedded mode.
type DevConfig struct {
	Common
	// DataDir holds the SQLite database and the keys of this installation.
	DataDir string
	// DatabaseURL overrides the SQLite database (e.g. a PostgreSQL URL).
	DatabaseURL string
	// HTTPAddr is where the gateway listens (":8080"; "127.0.0.1:0" in tests).
	HTTPAddr string
	// SandboxAddr is where the sandbox providers listen ("127.0.0.1:0").
	SandboxAddr string
	// Sandboxes configure the sandbox providers; with Sandboxes.Vendors the
	// vendor integrations that have an emulator are pointed at it, and the
	// dev project gets a connection to each.
	Sandboxes SandboxOptions
	// APIKey, when set, is the dev project's API key (UNIMESH_DEV_API_KEY).
	APIKey string
	// Gateway tunes the edge.
	Gateway GatewayOptions
	// RefreshEvery is how often idle connections' OAuth tokens are checked
	// and refreshed before they expire (a minute when zero).
	RefreshEvery time.Duration
	// Events tunes the events service; dev polls every few seconds, so that
	// a change made at a sandbox is an event within seconds.
	Events EventsConfig
}

// Dev polling: a change at a sandbox becomes an event within about five seconds.
const (
	devPollInterval  = 3 * time.Second
	devSweepInterval = 30 * time.Second
	devTick          = 500 * time.Millisecond
)

// Dev is a running embedded Unimesh.
type Dev struct {
	// URL is the gateway's base URL.
	URL string
	// Addrs are the services' loopback gRPC addresses, by name.
	Addrs map[string]string
	// APIKey is the dev project's admin key.
	APIKey string
	// ProjectID is the dev project.
	ProjectID string
	// Connections are the sandbox connections, by integration slug.
	Connections map[string]string
	// Sandboxes are the sandbox providers.
	Sandboxes *SandboxHost
	// Store is the database.
	Store *store.Store
	// Keyring seals the credentials.
	Keyring *vault.Keyring
	// Connect is the connect service, for tests that drive its refresher.
	Connect *connect.Service

	common    *Common
	listeners map[string]net.Listener
	stop      []func(context.Context)
	errc      chan error
}

// StartDev starts every service in this process: each on its own loopback
// gRPC listener, the gateway on HTTPAddr, the store in SQLite under DataDir,
// the sandbox providers, and the dev project with one sandbox connection per
// category.
func StartDev(ctx context.Context, cfg *DevConfig) (d *Dev, err error) {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	dev := &Dev{common: &cfg.Common, errc: make(chan error, 16), Addrs: map[string]string{}}
	d = dev
	defer func() {
		if err != nil {
			// What started before the failure stops again.
			dev.Close(context.Background())
		}
	}()
	kr, err := vault.LoadOrCreateFile(filepath.Join(cfg.DataDir, "master.key"))
	if err != nil {
		return nil, err
	}
	d.Keyring = kr
	secret, err := secretFile(filepath.Join(cfg.DataDir, "sandbox.secret"))
	if err != nil {
		return nil, err
	}
	if cfg.InternalToken == "" {
		cfg.InternalToken = randomToken()
	}
	dbURL := cfg.DatabaseURL
	if dbURL == "" {
		dbURL = "sqlite:" + filepath.Join(cfg.DataDir, "unimesh.db")
	}
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	d.Store = st
	d.stop = append(d.stop, func(context.Context) { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		return nil, err
	}

	// The gateway's address comes first: connect links, the OAuth callback
	// and the emulators' registered redirect URI are built on it.
	lis, err := listen(cfg.HTTPAddr)
	if err != nil {
		return nil, err
	}
	d.stop = append(d.stop, func(context.Context) { _ = lis.Close() })
	d.URL = "http://" + displayAddr(lis.Addr())
	if cfg.PublicURL == "" {
		cfg.PublicURL = d.URL
	}
	cfg.PublicURL = strings.TrimSuffix(cfg.PublicURL, "/")
	if cfg.Sandboxes.Vendors {
		cfg.Sandboxes.OAuthRedirectURI = cfg.PublicURL + connect.CallbackPath
		cfg.DefaultOAuthApps = devOAuthApps(secret)
	}

	sandboxAddr := cfg.SandboxAddr
	if sandboxAddr == "" {
		sandboxAddr = "127.0.0.1:0"
	}
	host, err := StartSandboxes(sandboxAddr, secret, cfg.Sandboxes, cfg.Logger)
	if err != nil {
		return nil, err
	}
	d.Sandboxes = host
	d.stop = append(d.stop, func(ctx context.Context) { _ = host.Close(ctx) })
	cfg.Connectors.SandboxURL = host.URL
	cfg.Connectors.VendorSandboxes = cfg.Sandboxes.Vendors
	cfg.AllowPrivateNetworks = true

	// Every service's address is known before any is built: connect tells
	// events of deletions, the category services tell events of writes, and
	// events polls through them.
	cats := Categories(cfg.Connectors)
	catAddrs := map[string]string{}
	for _, cat := range cats {
		if err := d.reserve(cat.Name); err != nil {
			return nil, err
		}
		catAddrs[cat.Name] = d.Addrs[cat.Name]
	}
	if err := d.reserve("events"); err != nil {
		return nil, err
	}
	// connect first: everyone else dials it.
	connectSrv, connectSvc, err := cfg.NewConnect(ctx, st, kr, d.Addrs["events"])
	if err != nil {
		return nil, err
	}
	if err := d.serve(ctx, "connect", connectSrv); err != nil {
		return nil, err
	}
	d.Connect = connectSvc
	every := cfg.RefreshEvery
	if every == 0 {
		every = time.Minute
	}
	rctx, stopRefresher := context.WithCancel(context.WithoutCancel(ctx))
	refresherDone := make(chan struct{})
	go func() {
		defer close(refresherDone)
		connectSvc.RunRefresher(rctx, every)
	}()
	d.stop = append([]func(context.Context){func(context.Context) {
		stopRefresher()
		<-refresherDone
	}}, d.stop...)
	for _, cat := range cats {
		srv, closeConn, err := cfg.NewCategoryServer(ctx, cat, d.Addrs["connect"], d.Addrs["events"])
		if err != nil {
			return nil, err
		}
		d.stop = append(d.stop, func(context.Context) { _ = closeConn() })
		if err := d.serve(ctx, cat.Name, srv); err != nil {
			return nil, err
		}
	}
	ecfg := cfg.Events
	if ecfg.PollInterval == 0 {
		ecfg.PollInterval = devPollInterval
	}
	if ecfg.SweepInterval == 0 {
		ecfg.SweepInterval = devSweepInterval
	}
	if ecfg.Tick == 0 {
		ecfg.Tick = devTick
	}
	eventsSrv, runEvents, closeEvents, err := cfg.NewEvents(ctx, st, kr, d.Addrs["connect"], catAddrs, ecfg)
	if err != nil {
		return nil, err
	}
	d.stop = append(d.stop, func(context.Context) { _ = closeEvents() })
	if err := d.serve(ctx, "events", eventsSrv); err != nil {
		return nil, err
	}
	ectx, stopEvents := context.WithCancel(context.WithoutCancel(ctx))
	eventsDone := make(chan struct{})
	go func() {
		defer close(eventsDone)
		runEvents(ectx)
	}()
	d.stop = append([]func(context.Context){func(context.Context) {
		stopEvents()
		<-eventsDone
	}}, d.stop...)

	if err := d.bootstrap(ctx, cfg.DataDir, cfg.APIKey, secret, cfg.Sandboxes.Vendors); err != nil {
		return nil, err
	}
	if cfg.Sandboxes.Vendors {
		if err := configureAppWebhooks(host, cfg.PublicURL, d.ProjectID, secret); err != nil {
			return nil, err
		}
	}

	gw, closeGW, err := cfg.NewGateway(ctx, d.Addrs, cfg.Gateway)
	if err != nil {
		return nil, err
	}
	d.stop = append(d.stop, func(context.Context) { closeGW() })
	hs := &http.Server{Handler: gw, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() {
		if err := hs.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			d.errc <- fmt.Errorf("gateway: %w", err)
		}
	}()
	// The gateway stops first: no new requests reach services that are stopping.
	d.stop = append([]func(context.Context){func(ctx context.Context) { _ = hs.Shutdown(ctx) }}, d.stop...)
	return d, nil
}

// reserve opens a service's loopback listener ahead of serving on it, so
// that its address is known to the services built before it.
func (d *Dev) reserve(name string) error {
	lis, err := listen("127.0.0.1:0")
	if err != nil {
		return err
	}
	if d.listeners == nil {
		d.listeners = map[string]net.Listener{}
	}
	d.listeners[name] = lis
	d.Addrs[name] = lis.Addr().String()
	d.stop = append(d.stop, func(context.Context) { _ = lis.Close() })
	return nil
}

// serve starts a gRPC server on its reserved listener or a fresh loopback port.
func (d *Dev) serve(ctx context.Context, name string, srv *server.Server) error {
	lis, ok := d.listeners[name]
	if !ok {
		var err error
		if lis, err = listen("127.0.0.1:0"); err != nil {
			return err
		}
	}
	d.Addrs[name] = lis.Addr().String()
	d.common.Logger.Info("serving gRPC", "service", name, "addr", d.Addrs[name])
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(sctx, lis); err != nil {
			d.errc <- err
		}
	}()
	// Services stop in reverse order of start, each waiting for its calls.
	d.stop = append([]func(context.Context){func(context.Context) {
		cancel()
		<-done
	}}, d.stop...)
	return nil
}

// Err reports a service that stopped on its own.
func (d *Dev) Err() <-chan error { return d.errc }

// Close stops everything gracefully.
func (d *Dev) Close(ctx context.Context) {
	for _, stop := range d.stop {
		stop(ctx)
	}
	d.common.Shutdown(ctx)
}

// bootstrap makes the dev project, its key and one sandbox connection per
// category (and per vendor sandbox), once; a restart finds and reuses them.
func (d *Dev) bootstrap(ctx context.Context, dataDir, apiKey string, secret []byte, vendors bool) error {
	st := d.Store
	now := time.Now()
	projects, err := st.ListProjects(ctx)
	if err != nil {
		return err
	}
	var project store.Project
	for _, p := range projects {
		if p.DisplayName == "Development" {
			project = p
			break
		}
	}
	if project.ID == "" {
		if project, err = connect.CreateProject(ctx, st, "Development", now); err != nil {
			return err
		}
	}
	d.ProjectID = project.ID
	allScopes := []platformv1.Scope{platformv1.Scope_SCOPE_ADMIN}
	keyFile := filepath.Join(dataDir, "dev-api-key")
	switch key := apiKey; {
	case key != "":
		if err := connect.EnsureAPIKey(ctx, st, project.ID, "dev (UNIMESH_DEV_API_KEY)", key, allScopes, now); err != nil {
			return fmt.Errorf("UNIMESH_DEV_API_KEY: %w", err)
		}
		d.APIKey = key
	default:
		// The dev key is kept in a file of the data directory (mode 0600),
		// so that a restart can print it again. Only the dev mode does this.
		if b, err := os.ReadFile(keyFile); err == nil {
			k := strings.TrimSpace(string(b))
			if err := connect.EnsureAPIKey(ctx, st, project.ID, "dev", k, allScopes, now); err != nil {
				return fmt.Errorf("%s: %w", keyFile, err)
			}
			d.APIKey = k
		} else {
			_, full, err := connect.CreateAPIKey(ctx, st, project.ID, "dev", allScopes, now)
			if err != nil {
				return err
			}
			if err := os.WriteFile(keyFile, []byte(full+"\n"), 0o600); err != nil {
				return err
			}
			d.APIKey = full
		}
	}
	d.Connections = map[string]string{}
	wanted := map[string]vendorSandbox{}
	for _, slug := range SandboxSlugs() {
		wanted[slug] = vendorSandbox{slug: slug, credentials: apiKeyCredentials}
	}
	if vendors {
		for _, v := range vendorSandboxes() {
			wanted[v.slug] = v
		}
	}
	for slug, v := range wanted {
		existing, err := st.ListConnections(ctx, project.ID, store.ConnectionFilter{Integration: slug}, nil, 1)
		if err != nil {
			return err
		}
		if len(existing) > 0 {
			d.Connections[slug] = existing[0].ID
			continue
		}
		id, err := d.createSandboxConnection(ctx, project.ID, slug, v.credentials(SandboxKey(secret, slug)), v.config)
		if err != nil {
			return err
		}
		d.Connections[slug] = id
	}
	return nil
}

// createSandboxConnection goes through connect's API like any client would.
func (d *Dev) createSandboxConnection(ctx context.Context, projectID, slug string, cred *platformv1.Credentials, config map[string]string) (string, error) {
	conn, err := server.Dial(d.Addrs["connect"], noop.NewTracerProvider())
	if err != nil {
		return "", err
	}
	defer conn.Close()
	// The dev key of this process may not exist yet at this point for a
	// project created by an operator; use a short-lived internal key.
	k, full, err := connect.CreateAPIKey(ctx, d.Store, projectID, "dev bootstrap", []platformv1.Scope{platformv1.Scope_SCOPE_WRITE}, time.Now())
	if err != nil {
		return "", err
	}
	defer func() { _ = d.Store.DeleteAPIKey(context.WithoutCancel(ctx), projectID, k.ID) }()
	c, err := platformv1.NewConnectionServiceClient(conn).CreateConnection(auth.ForwardAPIKey(ctx, full), &platformv1.CreateConnectionRequest{
		Connection: &platformv1.Connection{Integration: slug, DisplayName: "Sandbox (" + slug + ")",
			EndUser: &platformv1.EndUser{OriginId: "demo-customer", Name: "Demo Customer"}, Config: config},
		Credentials: cred,
	})
	if err != nil {
		return "", fmt.Errorf("create the %s sandbox connection: %w", slug, err)
	}
	return c.GetId(), nil
}

func secretFile(path string) ([]byte, error) {
	if b, err := os.ReadFile(path); err == nil {
		return hex.DecodeString(strings.TrimSpace(string(b)))
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, []byte(hex.EncodeToString(secret)+"\n"), 0o600); err != nil {
		return nil, err
	}
	return secret, nil
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// displayAddr turns ":8080" and "[::]:8080" into "localhost:8080".
func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
