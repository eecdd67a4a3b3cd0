// Command unimesh is Unimesh in one binary:
//
//	unimesh dev                     every service in this process, on SQLite, with sandbox providers
//	unimesh serve <service>         one service of the mesh, configured by the environment
//	unimesh migrate                 apply the database migrations
//	unimesh admin <command>         create projects and API keys, rotate the master key
//	unimesh listen                  a local webhook receiver that prints verified deliveries
//	unimesh version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/unimesh/unimesh/cmd/unimesh/stack"
	"github.com/unimesh/unimesh/pkg/auth"
	"github.com/unimesh/unimesh/pkg/store"
	"github.com/unimesh/unimesh/pkg/telemetry"
	"github.com/unimesh/unimesh/pkg/vault"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
	"github.com/unimesh/unimesh/services/connect"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "unimesh:", err)
		os.Exit(1)
	}
}

const usage = `usage: unimesh <command> [flags]

commands:
  dev                      run every service embedded, on SQLite, with sandbox providers
                           and emulated Pipedrive, HubSpot and Salesforce
  serve <service>          run one service (connect, crm, ticketing, hris, accounting, ats, events, gateway, sandbox)
  migrate                  apply database migrations (UNIMESH_DATABASE_URL)
  admin create-project     create a project and its first admin API key
  admin create-api-key     create an API key for a project
  admin rotate-key         re-seal every credential with the primary master key
  listen                   a local webhook receiver: registers itself, prints verified events
  version                  print the version
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command")
	}
	logger := telemetry.NewLogger(stderr, telemetry.ParseLevel(getenv("UNIMESH_LOG_LEVEL")), getenv("UNIMESH_LOG_FORMAT"))
	switch args[0] {
	case "dev":
		return runDev(ctx, args[1:], stdout, stderr, getenv)
	case "serve":
		if len(args) < 2 {
			return fmt.Errorf("serve needs a service: %s", strings.Join(stack.Services, ", "))
		}
		return stack.Serve(ctx, args[1], stack.MeshEnv(getenv), logger.With("service", args[1]))
	case "migrate":
		return runMigrate(ctx, args[1:], stdout, getenv)
	case "admin":
		return runAdmin(ctx, args[1:], stdout, getenv)
	case "listen":
		return runListen(ctx, args[1:], stdout, getenv)
	case "version":
		fmt.Fprintln(stdout, "unimesh", telemetry.Version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func runDev(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	httpAddr := fs.String("http-addr", ":8080", "where the REST gateway listens")
	dataDir := fs.String("data-dir", "./data", "where the SQLite database and the installation's keys live")
	logLevel := fs.String("log-level", valueOr(getenv("UNIMESH_LOG_LEVEL"), "info"), "debug, info, warn or error")
	logFormat := fs.String("log-format", valueOr(getenv("UNIMESH_LOG_FORMAT"), "text"), "text or json")
	publicURL := fs.String("public-url", getenv("UNIMESH_PUBLIC_URL"),
		"the gateway as browsers reach it, for connect links and the OAuth callback (default: the listen address)")
	vendors := fs.Bool("vendor-sandboxes", true,
		"point the pipedrive, hubspot and salesforce integrations at their local emulators (false: at the vendors)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	logger := telemetry.NewLogger(stderr, telemetry.ParseLevel(*logLevel), *logFormat)
	cfg := &stack.DevConfig{
		Sandboxes:   stack.SandboxOptions{Vendors: *vendors},
		Common:      stack.Common{Logger: logger, PublicURL: *publicURL},
		DataDir:     *dataDir,
		DatabaseURL: getenv("UNIMESH_DATABASE_URL"),
		HTTPAddr:    *httpAddr,
		APIKey:      getenv("UNIMESH_DEV_API_KEY"),
	}
	dev, err := stack.StartDev(ctx, cfg)
	if err != nil {
		return err
	}
	printWelcome(stdout, dev, *dataDir)
	select {
	case <-ctx.Done():
	case err = <-dev.Err():
	}
	logger.Info("stopping")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	dev.Close(sctx)
	return err
}

func printWelcome(w io.Writer, dev *stack.Dev, dataDir string) {
	abs, _ := filepath.Abs(dataDir)
	fmt.Fprintf(w, "\nUnimesh is running, embedded (data in %s).\n\n", abs)
	fmt.Fprintf(w, "  REST API   %s   (OpenAPI: %s/openapi.json, health: %s/healthz)\n", dev.URL, dev.URL, dev.URL)
	fmt.Fprintf(w, "  API key    %s\n", dev.APIKey)
	fmt.Fprintf(w, "  Project    %s\n", dev.ProjectID)
	fmt.Fprintf(w, "  Console    %s/console/   (log in with the API key)\n", dev.URL)
	fmt.Fprintf(w, "  Sandboxes  %s   (the providers' emulators; OAuth controls under /<slug>/_emulator/oauth/)\n\n", dev.Sandboxes.URL)
	fmt.Fprintln(w, "  Sandbox connections:")
	for _, slug := range append(stack.SandboxSlugs(), stack.VendorSlugs()...) {
		if id, ok := dev.Connections[slug]; ok {
			fmt.Fprintf(w, "    %-20s %s\n", slug, id)
		}
	}
	fmt.Fprintf(w, "\n  Try:\n    curl -H 'Authorization: Bearer %s' '%s/crm/v1/connections/%s/contacts?pageSize=3'\n\n",
		dev.APIKey, dev.URL, dev.Connections["sandbox-crm"])
}

func valueOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// openStore opens UNIMESH_DATABASE_URL, or the dev database under --data-dir.
func openStore(ctx context.Context, getenv func(string) string, dataDir string) (*store.Store, error) {
	url := getenv("UNIMESH_DATABASE_URL")
	if url == "" {
		if dataDir == "" {
			return nil, errors.New("set UNIMESH_DATABASE_URL, or --data-dir for the embedded database")
		}
		url = "sqlite:" + filepath.Join(dataDir, "unimesh.db")
	}
	return store.Open(ctx, url)
}

func runMigrate(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	dataDir := fs.String("data-dir", "", "the embedded database's directory, when UNIMESH_DATABASE_URL is not set")
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := openStore(ctx, getenv, *dataDir)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	v, err := st.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database (%s) at schema version %d\n", st.Dialect(), v)
	return nil
}

func runAdmin(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		return errors.New("admin needs a command: create-project, create-api-key, rotate-key")
	}
	fs := flag.NewFlagSet("admin "+args[0], flag.ContinueOnError)
	dataDir := fs.String("data-dir", "", "the embedded installation's directory, when UNIMESH_DATABASE_URL is not set")
	name := fs.String("name", "", "display name")
	project := fs.String("project", "", "project id")
	scopes := fs.String("scopes", "read,write", "comma-separated scopes: read, write, admin")
	generate := fs.Bool("generate", false, "rotate-key: first add a new primary key to the key file")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	st, err := openStore(ctx, getenv, *dataDir)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	now := time.Now()
	switch args[0] {
	case "create-project":
		if *name == "" {
			return errors.New("--name is required")
		}
		p, err := connect.CreateProject(ctx, st, *name, now)
		if err != nil {
			return err
		}
		_, full, err := connect.CreateAPIKey(ctx, st, p.ID, "admin", []platformv1.Scope{platformv1.Scope_SCOPE_ADMIN}, now)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "project  %s\nadmin key %s   (shown once: keep it)\n", p.ID, full)
		return nil
	case "create-api-key":
		if *project == "" || *name == "" {
			return errors.New("--project and --name are required")
		}
		sc, err := auth.ParseScopes(*scopes)
		if err != nil {
			return err
		}
		if _, err := st.GetProject(ctx, *project); err != nil {
			return fmt.Errorf("project %s: %w", *project, err)
		}
		k, full, err := connect.CreateAPIKey(ctx, st, *project, *name, sc, now)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "key id %s  scopes %s\nkey    %s   (shown once: keep it)\n", k.ID, k.Scopes, full)
		return nil
	case "rotate-key":
		return rotateKey(ctx, st, stdout, getenv, *dataDir, *generate)
	}
	return fmt.Errorf("unknown admin command %q", args[0])
}

// rotateKey re-seals every credential with the primary key. With
// --generate, a new key is first put at the head of the key file (the
// embedded one, or UNIMESH_MASTER_KEY_FILE); the old keys stay in the file
// so that replicas still running with them can open what they read, until
// they are restarted with the new file.
func rotateKey(ctx context.Context, st *store.Store, stdout io.Writer, getenv func(string) string, dataDir string, generate bool) error {
	src := vault.Source{Inline: getenv("UNIMESH_MASTER_KEY"), File: getenv("UNIMESH_MASTER_KEY_FILE")}
	if src.Inline == "" && src.File == "" && dataDir != "" {
		src.File = filepath.Join(dataDir, "master.key")
	}
	if generate {
		if src.File == "" || src.Inline != "" {
			return errors.New("--generate writes the key file: use UNIMESH_MASTER_KEY_FILE or --data-dir (not UNIMESH_MASTER_KEY)")
		}
		old, err := src.Load()
		if err != nil {
			return err
		}
		b, err := os.ReadFile(src.File)
		if err != nil {
			return err
		}
		keys, err := vault.ParseKeys(string(b))
		if err != nil {
			return err
		}
		fresh, err := vault.GenerateKey()
		if err != nil {
			return err
		}
		if err := os.WriteFile(src.File, []byte(vault.FormatKeys(append([]vault.Key{fresh}, keys...))), 0o600); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "new primary key %s (was %s)\n", fresh.ID, old.PrimaryID())
	}
	kr, err := src.Load()
	if err != nil {
		return err
	}
	res, err := connect.Rotate(ctx, st, kr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "re-sealed %d credentials with key %s\n", res.Resealed, kr.PrimaryID())
	for k, n := range res.Remaining {
		fmt.Fprintf(stdout, "still under %s: %d (written meanwhile? run again)\n", k, n)
	}
	return nil
}
