package stack

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	crmsandbox "github.com/unimesh/unimesh/services/crm/connectors/sandbox"
)

// SandboxKey is the API key a sandbox provider accepts, derived from the
// installation's sandbox secret so that it is stable across restarts and
// differs between installations.
func SandboxKey(secret []byte, slug string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("sandbox api key:" + slug))
	return "sbx_" + hex.EncodeToString(m.Sum(nil))[:40]
}

// SandboxSlugs are the sandbox integrations, one per category.
func SandboxSlugs() []string {
	return []string{crmsandbox.Slug}
}

// SandboxHandler serves every sandbox provider under /<slug>/, seeded with
// demo data.
func SandboxHandler(secret []byte) (http.Handler, map[string]http.Handler) {
	emus := map[string]http.Handler{
		crmsandbox.Slug: crmsandbox.NewEmulator(crmsandbox.Options{APIKey: SandboxKey(secret, crmsandbox.Slug), Seed: true}),
	}
	mux := http.NewServeMux()
	for slug, h := range emus {
		mux.Handle("/"+slug+"/", http.StripPrefix("/"+slug, h))
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "Unimesh sandbox providers: %s\n", strings.Join(SandboxSlugs(), ", "))
	})
	return mux, emus
}

// SandboxHost is the sandbox providers on their own listener.
type SandboxHost struct {
	URL       string
	Emulators map[string]http.Handler
	srv       *http.Server
}

// StartSandboxes serves the sandbox providers on addr (such as 127.0.0.1:0).
func StartSandboxes(addr string, secret []byte, logger *slog.Logger) (*SandboxHost, error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sandbox listener: %w", err)
	}
	h, emus := SandboxHandler(secret)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("sandbox providers stopped", "error", err.Error())
		}
	}()
	return &SandboxHost{URL: "http://" + lis.Addr().String(), Emulators: emus, srv: srv}, nil
}

// Close stops the sandbox providers.
func (h *SandboxHost) Close(ctx context.Context) error { return h.srv.Shutdown(ctx) }
