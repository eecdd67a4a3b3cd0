package connect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/store"
	meshv1 "github.com/unimesh/unimesh/proto/unimesh/mesh/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

const (
	// refreshSkew: a token that expires sooner is refreshed before it is handed out.
	refreshSkew = 5 * time.Minute
	// backgroundHorizon: the background refresher renews tokens that
	// expire sooner, so that calls rarely wait for a refresh.
	backgroundHorizon = 15 * time.Minute
	// leaseTTL bounds one refresh: the token request's attempts fit in it.
	leaseTTL = 30 * time.Second
	// tokenAttempts is how often a token request that failed for a
	// passing reason (network, 5xx, 429) is tried in all.
	tokenAttempts = 3
)

func tokenSHA(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// errGrantDead means the provider refused the refresh token for good.
var errGrantDead = errors.New("refresh token refused")

// renewal says when renew must refresh: when the stored access token is the
// refused one, or when it expires within the horizon.
type renewal struct {
	refusedSHA string
	within     time.Duration
}

func (r renewal) due(sealed store.Credential, o *platformv1.OAuth2Credentials, now time.Time) bool {
	if r.refusedSHA != "" {
		return tokenSHA(o.GetAccessToken()) == r.refusedSHA
	}
	return !sealed.ExpireTime.IsZero() && sealed.ExpireTime.Before(now.Add(r.within))
}

// renew returns a connection's current credentials, refreshing them first
// when r says so. Across replicas exactly one caller refreshes: it holds
// the credential's refresh lease in the database; the others wait for the
// credential's version to move and read the new tokens. In this process,
// calls for the same connection and reason share one renewal.
func (s *Service) renew(ctx context.Context, projectID, connectionID string, r renewal) (*platformv1.Credentials, store.Credential, error) {
	type result struct {
		cred   *platformv1.Credentials
		sealed store.Credential
	}
	key := connectionID + "|" + r.refusedSHA + "|" + r.within.String()
	v, err, _ := s.flight.Do(key, func() (any, error) {
		cred, sealed, err := s.renewOnce(context.WithoutCancel(ctx), projectID, connectionID, r)
		return result{cred, sealed}, err
	})
	if err != nil {
		return nil, store.Credential{}, err
	}
	res := v.(result)
	return res.cred, res.sealed, nil
}

func (s *Service) renewOnce(ctx context.Context, projectID, connectionID string, r renewal) (*platformv1.Credentials, store.Credential, error) {
	deadline := s.now().Add(leaseTTL + 5*time.Second)
	wait := 20 * time.Millisecond
	for {
		sealed, err := s.store.GetCredential(ctx, connectionID)
		if err != nil {
			return nil, store.Credential{}, s.internal(ctx, "read credential", err)
		}
		cred, err := s.open(sealed)
		if err != nil {
			return nil, store.Credential{}, s.internal(ctx, "open credential", err)
		}
		o := cred.GetOauth2()
		now := s.now()
		if o.GetRefreshToken() == "" || !r.due(sealed, o, now) {
			return cred, sealed, nil
		}
		owner := s.replica + "/" + strconv.FormatUint(s.leases.Add(1), 10)
		took, err := s.store.TakeRefreshLease(ctx, connectionID, sealed.Version, owner, now, now.Add(leaseTTL))
		if err != nil {
			return nil, store.Credential{}, s.internal(ctx, "take refresh lease", err)
		}
		if took {
			return s.refreshHeld(ctx, projectID, connectionID, owner, sealed, o)
		}
		// Another replica is refreshing: wait for its new version.
		if s.now().After(deadline) {
			return nil, store.Credential{}, apierr.New(codes.Unavailable, apierr.ReasonProviderUnavailable,
				"the connection's token refresh is taking too long")
		}
		select {
		case <-ctx.Done():
			return nil, store.Credential{}, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*2, 250*time.Millisecond)
	}
}

// refreshHeld refreshes under the lease owner holds, stores the new tokens
// and only then hands them out.
func (s *Service) refreshHeld(ctx context.Context, projectID, connectionID, owner string, sealed store.Credential, o *platformv1.OAuth2Credentials) (*platformv1.Credentials, store.Credential, error) {
	release := func() {
		next := s.now().Add(refreshBackoff(sealed.RefreshFailures + 1))
		if err := s.store.ReleaseRefreshLease(ctx, connectionID, owner, next); err != nil {
			s.logger.ErrorContext(ctx, "release refresh lease", "connection", connectionID, "error", err.Error())
		}
	}
	row, err := s.store.GetConnection(ctx, projectID, connectionID)
	if err != nil {
		release()
		return nil, store.Credential{}, s.internal(ctx, "read connection", err)
	}
	d, in, err := s.integration(row.Integration)
	if err != nil || d.OAuth == nil {
		release()
		return nil, store.Credential{}, apierr.New(codes.FailedPrecondition, apierr.ReasonOAuthNotSupported,
			"the connection's integration cannot refresh OAuth tokens")
	}
	app, ok, err := s.findOAuthApp(ctx, projectID, d.Slug)
	if err != nil || !ok {
		release()
		if err != nil {
			return nil, store.Credential{}, s.internal(ctx, "read oauth app", err)
		}
		return nil, store.Credential{}, apierr.New(codes.FailedPrecondition, apierr.ReasonOAuthAppNotFound,
			fmt.Sprintf("the project has no OAuth app for %s to refresh the connection's token with", in.GetName()))
	}
	conf, err := s.oauthConfig(d, app, row.Config)
	if err != nil {
		release()
		return nil, store.Credential{}, s.internal(ctx, "oauth config", err)
	}
	tok, err := s.requestRefresh(ctx, d, conf, o.GetRefreshToken())
	if errors.Is(err, errGrantDead) {
		release()
		detail := in.GetName() + " refused the refresh token (the grant was revoked or expired)"
		if err := s.markNeedsReauth(ctx, projectID, connectionID, detail); err != nil {
			s.logger.ErrorContext(ctx, "mark connection needs re-auth", "connection", connectionID, "error", err.Error())
		}
		return nil, store.Credential{}, apierr.New(codes.FailedPrecondition, apierr.ReasonConnectionNeedsReauth,
			fmt.Sprintf("connection %s needs its end user to connect again: %s", connectionID, detail), "connection", connectionID)
	}
	if err != nil {
		release()
		s.logger.WarnContext(ctx, "token refresh failed", "connection", connectionID, "integration", d.Slug, "error", err.Error())
		return nil, store.Credential{}, apierr.New(codes.Unavailable, apierr.ReasonProviderUnavailable,
			fmt.Sprintf("%s could not refresh the connection's token; try again shortly", in.GetName()), "integration", d.Slug)
	}
	cred := tokenCredentials(tok, o, nil, d.OAuth.Separator(), s.now())
	next, err := s.seal(connectionID, cred)
	if err != nil {
		release()
		return nil, store.Credential{}, s.internal(ctx, "seal credentials", err)
	}
	next.Version = sealed.Version
	stored, err := s.store.CompleteRefresh(ctx, next, owner)
	if err != nil {
		return nil, store.Credential{}, s.internal(ctx, "store refreshed tokens", err)
	}
	if !stored {
		// The lease ran out or the credential was replaced meanwhile: the
		// stored one wins. Tokens that were never stored are never used.
		s.logger.WarnContext(ctx, "refreshed tokens discarded: credential changed meanwhile", "connection", connectionID)
		sealed, err := s.store.GetCredential(ctx, connectionID)
		if err != nil {
			return nil, store.Credential{}, s.internal(ctx, "read credential", err)
		}
		cur, err := s.open(sealed)
		if err != nil {
			return nil, store.Credential{}, s.internal(ctx, "open credential", err)
		}
		return cur, sealed, nil
	}
	next.Version = sealed.Version + 1
	s.logger.InfoContext(ctx, "token refreshed", "connection", connectionID, "integration", d.Slug)
	return cred, next, nil
}

// requestRefresh asks the token endpoint, retrying passing failures.
func (s *Service) requestRefresh(ctx context.Context, d *connector.Descriptor, conf *oauth2.Config, refreshToken string) (*oauth2.Token, error) {
	var last error
	for attempt := range tokenAttempts {
		actx, cancel := context.WithTimeout(s.tokenContext(ctx, d.Slug), 8*time.Second)
		// An expired token with only a refresh token makes x/oauth2 refresh.
		tok, err := conf.TokenSource(actx, &oauth2.Token{RefreshToken: refreshToken, Expiry: time.Unix(1, 0)}).Token()
		cancel()
		if err == nil {
			return tok, nil
		}
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil {
			code := re.Response.StatusCode
			if d.OAuth.IsGrantDead(code, re.Body) {
				return nil, errGrantDead
			}
			if code < 500 && code != 429 {
				return nil, fmt.Errorf("token endpoint answered %d (%s)", code, clip(re.ErrorCode, 64))
			}
		}
		last = err
		if attempt+1 < tokenAttempts {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(time.Duration(rand.Int64N(int64(400*time.Millisecond<<attempt))) + 50*time.Millisecond):
			}
		}
	}
	return nil, fmt.Errorf("token endpoint: %w", last)
}

// refreshBackoff holds the background refresher off a credential after n
// failures in a row: 30s doubling up to 30 minutes.
func refreshBackoff(n int) time.Duration {
	d := 30 * time.Second << min(n-1, 6)
	return min(d, 30*time.Minute)
}

// open decrypts a sealed credential.
func (s *Service) open(sealed store.Credential) (*platformv1.Credentials, error) {
	plain, err := s.keyring.Open(sealed.KeyID, sealed.Sealed, sealed.ConnectionID)
	if err != nil {
		return nil, err
	}
	cred := &platformv1.Credentials{}
	if err := proto.Unmarshal(plain, cred); err != nil {
		return nil, err
	}
	return cred, nil
}

// credentialsResponse is what a category service gets: the access token,
// never the refresh token, which stays in connect.
func (s *Service) credentialsResponse(row store.Connection, cred *platformv1.Credentials, sealed store.Credential) *meshv1.GetConnectionCredentialsResponse {
	out := proto.Clone(cred).(*platformv1.Credentials)
	refreshable := false
	if o := out.GetOauth2(); o != nil {
		refreshable = o.GetRefreshToken() != ""
		o.RefreshToken = ""
	}
	resp := &meshv1.GetConnectionCredentialsResponse{Connection: s.connectionProto(row), Credentials: out, Refreshable: refreshable}
	if !sealed.ExpireTime.IsZero() {
		resp.ExpireTime = timestamppb.New(sealed.ExpireTime)
	}
	return resp
}

// RefreshConnectionCredentials implements the mesh-internal RPC.
func (s *Service) RefreshConnectionCredentials(ctx context.Context, req *meshv1.RefreshConnectionCredentialsRequest) (*meshv1.GetConnectionCredentialsResponse, error) {
	row, err := s.store.GetConnection(ctx, req.GetProjectId(), req.GetConnectionId())
	if errors.Is(err, store.ErrNotFound) {
		return nil, connectionNotFound(req.GetConnectionId())
	}
	if err != nil {
		return nil, s.internal(ctx, "read connection", err)
	}
	if err := connector.Usable(row.ID, platformv1.ConnectionStatus(row.Status)); err != nil {
		return nil, err
	}
	cred, sealed, err := s.renew(ctx, row.ProjectID, row.ID, renewal{refusedSHA: req.GetRefusedTokenSha256()})
	if err != nil {
		return nil, err
	}
	if tokenSHA(cred.GetOauth2().GetAccessToken()) == req.GetRefusedTokenSha256() {
		// Nothing to refresh with: the refusal stands.
		detail := "the provider refused the access token and there is no refresh token"
		if err := s.markNeedsReauth(ctx, row.ProjectID, row.ID, detail); err != nil {
			return nil, err
		}
		return nil, apierr.New(codes.FailedPrecondition, apierr.ReasonConnectionNeedsReauth,
			fmt.Sprintf("connection %s needs its end user to connect again: %s", row.ID, detail), "connection", row.ID)
	}
	row, err = s.store.GetConnection(ctx, req.GetProjectId(), req.GetConnectionId())
	if err != nil {
		return nil, s.internal(ctx, "read connection", err)
	}
	return s.credentialsResponse(row, cred, sealed), nil
}

// RunRefresher keeps idle connections' tokens fresh until ctx ends: every
// interval it renews the tokens that expire within backgroundHorizon, and
// clears expired OAuth states and console sessions. Every replica may run
// it; the refresh lease keeps them from refreshing a connection twice.
func (s *Service) RunRefresher(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		s.RefreshDue(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RefreshDue runs one pass of the background refresher and reports how
// many connections it refreshed.
func (s *Service) RefreshDue(ctx context.Context) int {
	now := s.now().UTC()
	if _, err := s.store.DeleteExpiredOAuthStates(ctx, now.Add(-time.Hour)); err != nil {
		s.logger.WarnContext(ctx, "clear expired oauth states", "error", err.Error())
	}
	due, err := s.store.CredentialsToRefresh(ctx, now.Add(backgroundHorizon), now, 100)
	if err != nil {
		s.logger.WarnContext(ctx, "list tokens to refresh", "error", err.Error())
		return 0
	}
	n := 0
	for _, d := range due {
		before, err := s.store.GetCredential(ctx, d.ConnectionID)
		if err != nil {
			continue
		}
		_, after, err := s.renew(ctx, d.ProjectID, d.ConnectionID, renewal{within: backgroundHorizon})
		if err != nil {
			s.logger.WarnContext(ctx, "background token refresh", "connection", d.ConnectionID, "reason", apierr.Reason(err))
			continue
		}
		if after.Version != before.Version {
			n++
		}
	}
	return n
}
