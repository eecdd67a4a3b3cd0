package stack

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/unimesh/unimesh/pkg/emulator/oauthemu"
	accountingsandbox "github.com/unimesh/unimesh/services/accounting/connectors/sandbox"
	atssandbox "github.com/unimesh/unimesh/services/ats/connectors/sandbox"
	crmsandbox "github.com/unimesh/unimesh/services/crm/connectors/sandbox"
	hrissandbox "github.com/unimesh/unimesh/services/hris/connectors/sandbox"
	ticketingsandbox "github.com/unimesh/unimesh/services/ticketing/connectors/sandbox"
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
	return []string{crmsandbox.Slug, ticketingsandbox.Slug, hrissandbox.Slug, accountingsandbox.Slug, atssandbox.Slug}
}

// SandboxOptions configure the sandbox providers.
type SandboxOptions struct {
	// RatePerMinute is each provider's rate limit per key: like real
	// vendors, they answer 429 past it (their own default when zero).
	RatePerMinute int
	// Vendors also serves the emulators of real vendors (pipedrive,
	// hubspot, salesforce) under /<slug>/.
	Vendors bool
	// OAuthRedirectURI is the gateway's OAuth callback, registered at the
	// vendor emulators for the dev OAuth client; none is registered when empty.
	OAuthRedirectURI string
}

func (o SandboxOptions) window() time.Duration {
	if o.RatePerMinute > 0 {
		return time.Minute
	}
	return 0
}

// SandboxHandler serves every sandbox provider under /<slug>/, seeded with
// demo data, and the vendor emulators when limits.Vendors.
func SandboxHandler(secret []byte, limits SandboxOptions) (http.Handler, map[string]http.Handler) {
	window := limits.window()
	emus := map[string]http.Handler{
		crmsandbox.Slug: crmsandbox.NewEmulator(crmsandbox.Options{APIKey: SandboxKey(secret, crmsandbox.Slug), Seed: true,
			RateLimit: limits.RatePerMinute, RateWindow: window}),
		ticketingsandbox.Slug: ticketingsandbox.NewEmulator(ticketingsandbox.Options{APIKey: SandboxKey(secret, ticketingsandbox.Slug), Seed: true,
			RateLimit: limits.RatePerMinute, RateWindow: window}),
		hrissandbox.Slug: hrissandbox.NewEmulator(hrissandbox.Options{APIKey: SandboxKey(secret, hrissandbox.Slug), Seed: true,
			RateLimit: limits.RatePerMinute, RateWindow: window}),
		accountingsandbox.Slug: accountingsandbox.NewEmulator(accountingsandbox.Options{APIKey: SandboxKey(secret, accountingsandbox.Slug), Seed: true,
			RateLimit: limits.RatePerMinute, RateWindow: window}),
		atssandbox.Slug: atssandbox.NewEmulator(atssandbox.Options{APIKey: SandboxKey(secret, atssandbox.Slug), Seed: true,
			RateLimit: limits.RatePerMinute, RateWindow: window}),
	}
	slugs := SandboxSlugs()
	if limits.Vendors {
		for _, v := range vendorSandboxes() {
			var clients []oauthemu.Client
			if limits.OAuthRedirectURI != "" {
				dev := DevOAuthClient(secret, v.slug)
				clients = append(clients, oauthemu.Client{ID: dev.ClientID, Secret: dev.ClientSecret, Name: "Unimesh (dev)",
					RedirectURIs: []string{limits.OAuthRedirectURI}})
			}
			emus[v.slug] = v.emulator(SandboxKey(secret, v.slug), limits, clients)
			slugs = append(slugs, v.slug)
		}
	}
	mux := http.NewServeMux()
	for slug, h := range emus {
		mux.Handle("/"+slug+"/", http.StripPrefix("/"+slug, h))
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "Unimesh sandbox providers: %s\n", strings.Join(slugs, ", "))
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
func StartSandboxes(addr string, secret []byte, limits SandboxOptions, logger *slog.Logger) (*SandboxHost, error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sandbox listener: %w", err)
	}
	h, emus := SandboxHandler(secret, limits)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("sandbox providers stopped", "error", err.Error())
		}
	}()
	return &SandboxHost{URL: "http://" + lis.Addr().String(), Emulators: emus, srv: srv}, nil
}

// Close stops the sandbox providers.
func (h *SandboxHost) Close(ctx context.Context) error {
	err := h.srv.Shutdown(ctx)
	// The vendor emulators send webhooks from goroutines of their own.
	for _, e := range h.Emulators {
		if c, ok := e.(io.Closer); ok {
			_ = c.Close()
		}
	}
	return err
}
