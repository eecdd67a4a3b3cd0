package connect

import (
	"context"
	"errors"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/auth"
	"github.com/unimesh/unimesh/pkg/store"
	meshv1 "github.com/unimesh/unimesh/proto/unimesh/mesh/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

// ConsoleTokenPrefix starts every console session token. Such a token
// authenticates like the ADMIN API key that logged in, until it expires,
// the operator logs out, or the key is revoked.
const ConsoleTokenPrefix = "umcs_"

// consoleTTL is how long a console login lasts.
const consoleTTL = 12 * time.Hour

var errConsoleSession = apierr.New(codes.Unauthenticated, apierr.ReasonConsoleSessionInvalid, "the console session has ended: log in again")

// verifyConsoleToken resolves a console session token to its principal.
func (v *KeyVerifier) verifyConsoleToken(ctx context.Context, token string) (*auth.Principal, store.ConsoleSession, error) {
	cs, err := v.store.GetConsoleSession(ctx, hashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return nil, cs, errConsoleSession
	}
	if err != nil {
		v.logger.ErrorContext(ctx, "console session lookup", "error", err.Error())
		return nil, cs, apierr.New(codes.Unavailable, apierr.ReasonUnavailable, "cannot check the console session now")
	}
	if !v.now().Before(cs.ExpireTime) {
		return nil, cs, errConsoleSession
	}
	k, err := v.store.GetAPIKey(ctx, cs.APIKeyID)
	if err != nil {
		return nil, cs, errConsoleSession
	}
	scopes, err := auth.ParseScopes(k.Scopes)
	if err != nil {
		return nil, cs, apierr.Internal("stored key has bad scopes")
	}
	return &auth.Principal{ProjectID: k.ProjectID, KeyID: k.ID, Scopes: scopes}, cs, nil
}

// CreateConsoleSession implements meshv1.ConnectPagesServiceServer.
func (s *Service) CreateConsoleSession(ctx context.Context, req *meshv1.CreateConsoleSessionRequest) (*meshv1.ConsoleSession, error) {
	if strings.HasPrefix(req.GetApiKey(), ConsoleTokenPrefix) {
		return nil, errInvalidKey
	}
	p, err := s.keys.Verify(ctx, strings.TrimSpace(req.GetApiKey()))
	if err != nil {
		return nil, err
	}
	if !p.Allows(platformv1.Scope_SCOPE_ADMIN) {
		return nil, apierr.New(codes.PermissionDenied, apierr.ReasonPermissionDenied, "the console needs an API key with the admin scope")
	}
	now := s.now().UTC()
	token := randomToken(ConsoleTokenPrefix)
	cs := store.ConsoleSession{TokenHash: hashToken(token), ProjectID: p.ProjectID, APIKeyID: p.KeyID,
		CSRFToken: randomID("", 24), CreateTime: now, ExpireTime: now.Add(consoleTTL)}
	if err := s.store.CreateConsoleSession(ctx, cs); err != nil {
		return nil, s.internal(ctx, "create console session", err)
	}
	s.logger.InfoContext(ctx, "console login", "project", p.ProjectID, "api_key", p.KeyID)
	out := s.consoleProto(ctx, cs)
	out.Token = token
	return out, nil
}

func (s *Service) consoleProto(ctx context.Context, cs store.ConsoleSession) *meshv1.ConsoleSession {
	out := &meshv1.ConsoleSession{CsrfToken: cs.CSRFToken, ProjectId: cs.ProjectID, ApiKeyId: cs.APIKeyID,
		ExpireTime: timestamppb.New(cs.ExpireTime)}
	if proj, err := s.store.GetProject(ctx, cs.ProjectID); err == nil {
		out.ProjectName = proj.DisplayName
	}
	return out
}

// GetConsoleSession implements meshv1.ConnectPagesServiceServer.
func (s *Service) GetConsoleSession(ctx context.Context, req *meshv1.GetConsoleSessionRequest) (*meshv1.ConsoleSession, error) {
	if !strings.HasPrefix(req.GetToken(), ConsoleTokenPrefix) {
		return nil, errConsoleSession
	}
	_, cs, err := s.keys.verifyConsoleToken(ctx, req.GetToken())
	if err != nil {
		return nil, err
	}
	return s.consoleProto(ctx, cs), nil
}

// DeleteConsoleSession implements meshv1.ConnectPagesServiceServer.
func (s *Service) DeleteConsoleSession(ctx context.Context, req *meshv1.DeleteConsoleSessionRequest) (*emptypb.Empty, error) {
	if err := s.store.DeleteConsoleSession(ctx, hashToken(req.GetToken()), s.now().UTC()); err != nil {
		return nil, s.internal(ctx, "delete console session", err)
	}
	return &emptypb.Empty{}, nil
}
