package connectortest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/emulator"
)

// Faults checks how a connector meets a provider's failures, through the
// provider's emulator: a read is retried past two 503s; a write that meets
// a 503 is sent exactly once and reported PROVIDER_UNAVAILABLE; past the
// rate limit, reads answer PROVIDER_RATE_LIMITED with a RetryInfo.
type Faults struct {
	Faults  *emulator.Faults
	Limiter *emulator.Limiter
	// Read is a list call, hitting GET ReadPath.
	Read     func() error
	ReadPath string
	// Write is a create call, hitting POST WritePath.
	Write     func() error
	WritePath string
}

// Run runs the checks.
func (f Faults) Run(t *testing.T) {
	t.Helper()
	f.Faults.Add(emulator.Fault{Method: http.MethodGet, PathPrefix: f.ReadPath, Status: http.StatusServiceUnavailable, Times: 2})
	if err := f.Read(); err != nil {
		t.Fatalf("a read after two 503s should succeed on the third try: %v", err)
	}
	before := f.Faults.Calls(http.MethodPost, f.WritePath)
	f.Faults.Add(emulator.Fault{Method: http.MethodPost, PathPrefix: f.WritePath, Status: http.StatusServiceUnavailable})
	if err := f.Write(); apierr.Reason(err) != apierr.ReasonProviderUnavailable {
		t.Fatalf("write on 503: %v", err)
	}
	if n := f.Faults.Calls(http.MethodPost, f.WritePath) - before; n != 1 {
		t.Fatalf("a failed write was sent %d times", n)
	}
	f.Limiter.SetLimit(2, time.Hour)
	defer f.Limiter.SetLimit(1<<30, time.Second)
	var last error
	for range 4 {
		last = f.Read()
	}
	if apierr.Reason(last) != apierr.ReasonProviderRateLimited {
		t.Fatalf("over the rate limit: %v", last)
	}
	if d, ok := apierr.RetryDelay(last); !ok || d <= 0 {
		t.Fatalf("no RetryInfo: %v %v", d, ok)
	}
}

// BadCredentials checks a call made with credentials the provider refuses:
// CONNECTION_NEEDS_REAUTH, with the provider's words and without the secret.
func BadCredentials(t *testing.T, call func() error, secret, providerWords string) {
	t.Helper()
	err := call()
	if apierr.Reason(err) != apierr.ReasonConnectionNeedsReauth || !strings.Contains(err.Error(), providerWords) {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), secret) {
		t.Fatal("the credential appears in the error")
	}
}
