package sandboxapi

import (
	"time"

	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/providerhttp"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

// EmulatorOptions configure one sandbox product's emulator.
type EmulatorOptions struct {
	// APIKey is the key the emulator accepts.
	APIKey string
	// Seed loads the demo data.
	Seed bool
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// RateLimit and RateWindow override the default limit of 600 per minute.
	RateLimit  int
	RateWindow time.Duration
}

// NewServer returns the dialect's server for these options.
func (o EmulatorOptions) NewServer() *Server {
	return NewServer(Options{APIKeys: KeyIs(o.APIKey), Now: o.Now, RateLimit: o.RateLimit, RateWindow: o.RateWindow})
}

// Descriptor describes a sandbox product of category, served at baseURL:
// API-key auth, the dialect's error messages, its rate limit.
func Descriptor(slug, name string, category platformv1.Category, baseURL string) *connector.Descriptor {
	return &connector.Descriptor{
		Slug:            slug,
		Name:            name,
		Category:        category,
		AuthTypes:       []platformv1.AuthType{platformv1.AuthType_AUTH_TYPE_API_KEY},
		Auth:            providerhttp.BearerAPIKey(),
		DefaultBaseURL:  baseURL,
		Hooks:           Hooks(),
		RateLimitPolicy: "600 requests per minute per API key; 429 with Retry-After",
		Sandbox:         true,
		VerifyPath:      "/v1/whoami",
		APIKeyLabel:     "Sandbox API key",
	}
}
