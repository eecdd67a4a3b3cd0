package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/cache"
	meshv1 "github.com/unimesh/unimesh/proto/unimesh/mesh/v1"
)

// RemoteVerifier resolves API keys by asking connect, and remembers the
// answer for a short while: valid keys for TTL (so a revoked key stops
// working everywhere within TTL), invalid ones for a tenth of it (so a
// flood of bad keys does not become a flood of lookups).
type RemoteVerifier struct {
	client meshv1.ConnectInternalServiceClient
	cache  *cache.Cache[result]
	ttl    time.Duration
}

type result struct {
	p   *Principal
	err error
}

// NewRemoteVerifier returns a verifier over connect's internal RPC; ttl is 10s when zero.
func NewRemoteVerifier(client meshv1.ConnectInternalServiceClient, ttl time.Duration) *RemoteVerifier {
	if ttl == 0 {
		ttl = 10 * time.Second
	}
	return &RemoteVerifier{client: client, cache: cache.New[result](50000), ttl: ttl}
}

// Verify implements Verifier.
func (v *RemoteVerifier) Verify(ctx context.Context, key string) (*Principal, error) {
	if _, _, ok := ParseKey(key); !ok {
		return nil, apierr.New(codes.Unauthenticated, apierr.ReasonAPIKeyInvalid, "invalid API key")
	}
	// The cache is keyed by a hash: raw keys are not kept as map keys.
	sum := sha256.Sum256([]byte(key))
	r, err := v.cache.Load(ctx, hex.EncodeToString(sum[:]), func(ctx context.Context) (result, time.Duration, error) {
		resp, err := v.client.AuthenticateApiKey(ctx, &meshv1.AuthenticateApiKeyRequest{ApiKey: key})
		if status.Code(err) == codes.Unauthenticated {
			return result{err: err}, v.ttl / 10, nil
		}
		if err != nil {
			if apierr.Reason(err) != "" {
				return result{}, 0, err
			}
			return result{}, 0, apierr.New(codes.Unavailable, apierr.ReasonUnavailable, "cannot check the API key now")
		}
		return result{p: &Principal{ProjectID: resp.GetProjectId(), KeyID: resp.GetApiKeyId(), Scopes: resp.GetScopes()}}, v.ttl, nil
	})
	if err != nil {
		return nil, err
	}
	return r.p, r.err
}
