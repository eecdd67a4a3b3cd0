package providerhttp

import (
	"context"
	"net/http"

	"google.golang.org/grpc/codes"

	"github.com/unimesh/unimesh/pkg/apierr"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

// Authorizer puts a connection's credentials on an outgoing request.
//
// It runs inside the transport, below the tracing layer: the request the
// span records (its URL, its headers) never holds the secret, and neither
// does a url.Error from the HTTP client.
type Authorizer func(r *http.Request)

// Scheme turns a connection's credentials into an Authorizer: how one
// integration wants its secret presented.
type Scheme func(cred *platformv1.Credentials) (Authorizer, error)

func needAPIKey(cred *platformv1.Credentials) (string, error) {
	k := cred.GetApiKey().GetKey()
	if k == "" {
		return "", apierr.New(codes.FailedPrecondition, apierr.ReasonCredentialsMismatch, "this integration needs an API key credential")
	}
	return k, nil
}

// BearerAPIKey sends an API key as "Authorization: Bearer <key>".
func BearerAPIKey() Scheme {
	return func(cred *platformv1.Credentials) (Authorizer, error) {
		k, err := needAPIKey(cred)
		if err != nil {
			return nil, err
		}
		return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+k) }, nil
	}
}

// HeaderAPIKey sends an API key in the named header.
func HeaderAPIKey(name string) Scheme {
	return func(cred *platformv1.Credentials) (Authorizer, error) {
		k, err := needAPIKey(cred)
		if err != nil {
			return nil, err
		}
		return func(r *http.Request) { r.Header.Set(name, k) }, nil
	}
}

// QueryAPIKey sends an API key as the named query parameter.
func QueryAPIKey(name string) Scheme {
	return func(cred *platformv1.Credentials) (Authorizer, error) {
		k, err := needAPIKey(cred)
		if err != nil {
			return nil, err
		}
		return func(r *http.Request) {
			q := r.URL.Query()
			q.Set(name, k)
			r.URL.RawQuery = q.Encode()
		}, nil
	}
}

// OAuthBearer sends an OAuth 2.0 access token as "Authorization: Bearer <token>".
func OAuthBearer() Scheme {
	return func(cred *platformv1.Credentials) (Authorizer, error) {
		tok := cred.GetOauth2().GetAccessToken()
		if tok == "" {
			return nil, apierr.New(codes.FailedPrecondition, apierr.ReasonCredentialsMismatch, "this integration needs OAuth 2.0 credentials")
		}
		return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }, nil
	}
}

// Basic sends basic credentials.
func Basic() Scheme {
	return func(cred *platformv1.Credentials) (Authorizer, error) {
		b := cred.GetBasic()
		if b.GetUsername() == "" {
			return nil, apierr.New(codes.FailedPrecondition, apierr.ReasonCredentialsMismatch, "this integration needs basic credentials")
		}
		user, pass := b.GetUsername(), b.GetPassword()
		return func(r *http.Request) { r.SetBasicAuth(user, pass) }, nil
	}
}

// AnyOf tries each scheme in turn and uses the first that accepts the credentials.
func AnyOf(schemes ...Scheme) Scheme {
	return func(cred *platformv1.Credentials) (Authorizer, error) {
		var firstErr error
		for _, s := range schemes {
			a, err := s(cred)
			if err == nil {
				return a, nil
			}
			if firstErr == nil {
				firstErr = err
			}
		}
		return nil, firstErr
	}
}

type authKey struct{}

func withAuthorizer(ctx context.Context, a Authorizer) context.Context {
	return context.WithValue(ctx, authKey{}, a)
}

// authTransport applies the request's Authorizer to a clone of the request.
type authTransport struct{ next http.RoundTripper }

func (t authTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	a, _ := r.Context().Value(authKey{}).(Authorizer)
	if a == nil {
		return t.next.RoundTrip(r)
	}
	r2 := r.Clone(r.Context())
	a(r2)
	return t.next.RoundTrip(r2)
}
