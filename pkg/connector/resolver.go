package connector

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/cache"
	meshv1 "github.com/unimesh/unimesh/proto/unimesh/mesh/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

// Live is a connection with its decrypted credentials, as a category service
// holds it for the length of a call. It is never logged or returned.
type Live struct {
	Connection  *platformv1.Connection
	Credentials *platformv1.Credentials
	// Refreshable says connect can renew the credentials after a 401.
	Refreshable bool
}

// Resolver fetches connections' credentials from connect over the mesh's
// internal RPC, and caches them: until shortly before they expire, and for
// at most MaxAge, so that a connection disabled or deleted in connect stops
// working everywhere within that time.
type Resolver struct {
	client meshv1.ConnectInternalServiceClient
	cache  *cache.Cache[*Live]
	maxAge time.Duration
	skew   time.Duration
	now    func() time.Time
}

// ResolverOptions tune a Resolver.
type ResolverOptions struct {
	// MaxAge bounds how long a connection is cached: 30s when zero.
	MaxAge time.Duration
	// MaxEntries bounds the cache: 10,000 when zero.
	MaxEntries int
}

// NewResolver returns a resolver asking connect through client.
func NewResolver(client meshv1.ConnectInternalServiceClient, opts ResolverOptions) *Resolver {
	if opts.MaxAge == 0 {
		opts.MaxAge = 30 * time.Second
	}
	if opts.MaxEntries == 0 {
		opts.MaxEntries = 10000
	}
	return &Resolver{client: client, cache: cache.New[*Live](opts.MaxEntries), maxAge: opts.MaxAge, skew: time.Minute, now: time.Now}
}

func cacheKey(projectID, connectionID string) string { return projectID + "/" + connectionID }

// Resolve returns the live connection, from the cache or from connect.
func (r *Resolver) Resolve(ctx context.Context, projectID, connectionID string) (*Live, error) {
	return r.cache.Load(ctx, cacheKey(projectID, connectionID), func(ctx context.Context) (*Live, time.Duration, error) {
		resp, err := r.client.GetConnectionCredentials(ctx, &meshv1.GetConnectionCredentialsRequest{
			ProjectId: projectID, ConnectionId: connectionID,
		})
		if err != nil {
			if _, ok := status.FromError(err); ok && apierr.Reason(err) != "" {
				return nil, 0, err
			}
			return nil, 0, apierr.New(codes.Unavailable, apierr.ReasonUnavailable, "the connect service is unavailable")
		}
		live, ttl := r.live(resp)
		return live, ttl, nil
	})
}

func (r *Resolver) live(resp *meshv1.GetConnectionCredentialsResponse) (*Live, time.Duration) {
	live := &Live{Connection: resp.GetConnection(), Credentials: resp.GetCredentials(), Refreshable: resp.GetRefreshable()}
	ttl := r.maxAge
	if exp := resp.GetExpireTime(); exp != nil {
		if until := exp.AsTime().Sub(r.now()) - r.skew; until < ttl {
			ttl = until
		}
	}
	return live, ttl
}

// Refresh asks connect to renew a connection's credentials after the
// provider refused refusedToken, and caches what it answers. Connect
// renews them only if it still holds refusedToken, so many calls that met
// the same 401 cause one refresh at the provider.
func (r *Resolver) Refresh(ctx context.Context, projectID, connectionID, refusedToken string) (*Live, error) {
	sum := sha256.Sum256([]byte(refusedToken))
	resp, err := r.client.RefreshConnectionCredentials(ctx, &meshv1.RefreshConnectionCredentialsRequest{
		ProjectId: projectID, ConnectionId: connectionID, RefusedTokenSha256: hex.EncodeToString(sum[:]),
	})
	if err != nil {
		r.Invalidate(projectID, connectionID)
		if _, ok := status.FromError(err); ok && apierr.Reason(err) != "" {
			return nil, err
		}
		return nil, apierr.New(codes.Unavailable, apierr.ReasonUnavailable, "the connect service is unavailable")
	}
	live, ttl := r.live(resp)
	if ttl > 0 {
		r.cache.Set(cacheKey(projectID, connectionID), live, ttl)
	} else {
		r.Invalidate(projectID, connectionID)
	}
	return live, nil
}

// Invalidate forgets a connection, so that the next call asks connect again.
func (r *Resolver) Invalidate(projectID, connectionID string) {
	r.cache.Delete(cacheKey(projectID, connectionID))
}

// ReportAuthFailure tells connect that the provider refused the credentials
// and drops the cached copy.
func (r *Resolver) ReportAuthFailure(ctx context.Context, projectID, connectionID, detail string) error {
	r.Invalidate(projectID, connectionID)
	_, err := r.client.ReportAuthFailure(ctx, &meshv1.ReportAuthFailureRequest{
		ProjectId: projectID, ConnectionId: connectionID, Detail: detail,
	})
	if err != nil {
		return fmt.Errorf("report auth failure of %s: %w", connectionID, err)
	}
	return nil
}
