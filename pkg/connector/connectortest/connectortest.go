// Package connectortest connects a connector to a provider (usually its
// emulator on a loopback listener) the way the category runtime does, for
// connector tests that do not need the whole mesh.
package connectortest

import (
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace/noop"

	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/providerhttp"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

// APIKey returns API-key credentials.
func APIKey(key string) *platformv1.Credentials {
	return &platformv1.Credentials{Kind: &platformv1.Credentials_ApiKey{ApiKey: &platformv1.ApiKeyCredentials{Key: key}}}
}

// Basic returns basic credentials.
func Basic(user, password string) *platformv1.Credentials {
	return &platformv1.Credentials{Kind: &platformv1.Credentials_Basic{Basic: &platformv1.BasicCredentials{Username: user, Password: password}}}
}

// FastPolicy retries like the default policy but waits milliseconds, not seconds.
func FastPolicy() providerhttp.Policy {
	p := providerhttp.DefaultPolicy()
	p.BaseBackoff, p.MaxBackoff, p.RateLimitBudget, p.AttemptTimeout = time.Millisecond, 10*time.Millisecond, 3*time.Second, 5*time.Second
	return p
}

// Conn returns a connection to the provider d describes, at baseURL, with cred.
func Conn(t testing.TB, d *connector.Descriptor, baseURL string, cred *platformv1.Credentials, config map[string]string) *connector.Conn {
	t.Helper()
	f := providerhttp.NewFactory(providerhttp.FactoryOptions{
		TracerProvider: noop.NewTracerProvider(), AllowPrivateNetworks: true, Policy: FastPolicy(),
	})
	auth, err := d.Auth(cred)
	if err != nil {
		t.Fatal(err)
	}
	if baseURL == "" {
		baseURL, err = d.ResolveBaseURL(config)
		if err != nil {
			t.Fatal(err)
		}
	}
	client, err := f.Client(d.Slug, baseURL, auth, d.Hooks)
	if err != nil {
		t.Fatal(err)
	}
	return &connector.Conn{ID: "conn_test", ProjectID: "proj_test", Integration: d.Slug, Config: config, HTTP: client}
}

// OAuth2 returns OAuth 2.0 credentials with an access token.
func OAuth2(accessToken string) *platformv1.Credentials {
	return &platformv1.Credentials{Kind: &platformv1.Credentials_Oauth2{Oauth2: &platformv1.OAuth2Credentials{AccessToken: accessToken}}}
}
