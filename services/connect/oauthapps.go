package connect

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/store"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

func oauthAppProto(a store.OAuthApp) *platformv1.OAuthApp {
	return &platformv1.OAuthApp{Integration: a.Integration, ClientId: a.ClientID, Scopes: a.Scopes, RedirectUri: a.RedirectURI,
		ClientSecretSet: len(a.SealedSecret) > 0, CreateTime: timestamppb.New(a.CreateTime), UpdateTime: timestamppb.New(a.UpdateTime)}
}

func oauthAppNotFound(slug string) error {
	return apierr.NotFound(apierr.ReasonOAuthAppNotFound, fmt.Sprintf("the project has no OAuth app for %s", slug), "integration", slug)
}

// oauthIntegration checks that slug is an integration with an OAuth flow.
func (s *Service) oauthIntegration(slug string) error {
	d, ok := s.catalog.Descriptor(slug)
	if !ok {
		return apierr.InvalidArgument(apierr.ReasonIntegrationNotFound, fmt.Sprintf("no integration %q", slug),
			apierr.FieldViolation{Field: "oauth_app.integration", Description: fmt.Sprintf("no integration %q", slug), Reason: apierr.ReasonIntegrationNotFound})
	}
	if d.OAuth == nil {
		return apierr.InvalidArgument(apierr.ReasonOAuthNotSupported, fmt.Sprintf("%s does not connect through OAuth", d.Name),
			apierr.FieldViolation{Field: "oauth_app.integration", Description: "this integration has no OAuth flow", Reason: apierr.ReasonOAuthNotSupported})
	}
	return nil
}

// checkRedirectURI accepts a redirect URI that can reach this
// deployment's callback: an absolute https URL (http only on loopback)
// ending in /oauth/callback.
func checkRedirectURI(raw string) error {
	if raw == "" {
		return nil
	}
	if err := checkReturnURL("oauth_app.redirect_uri", raw); err != nil {
		return err
	}
	if !strings.HasSuffix(strings.SplitN(raw, "?", 2)[0], CallbackPath) {
		return invalidField("oauth_app.redirect_uri", "redirect_uri must end in "+CallbackPath+", where Unimesh receives the provider's answer")
	}
	return nil
}

// ListOAuthApps implements platformv1.OAuthAppServiceServer.
func (s *Service) ListOAuthApps(ctx context.Context, _ *platformv1.ListOAuthAppsRequest) (*platformv1.ListOAuthAppsResponse, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.ListOAuthApps(ctx, p.ProjectID)
	if err != nil {
		return nil, s.internal(ctx, "list oauth apps", err)
	}
	out := &platformv1.ListOAuthAppsResponse{}
	for _, a := range rows {
		out.OauthApps = append(out.OauthApps, oauthAppProto(a))
	}
	return out, nil
}

// GetOAuthApp implements platformv1.OAuthAppServiceServer.
func (s *Service) GetOAuthApp(ctx context.Context, req *platformv1.GetOAuthAppRequest) (*platformv1.OAuthApp, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	a, err := s.store.GetOAuthApp(ctx, p.ProjectID, req.GetIntegration())
	if errors.Is(err, store.ErrNotFound) {
		return nil, oauthAppNotFound(req.GetIntegration())
	}
	if err != nil {
		return nil, s.internal(ctx, "read oauth app", err)
	}
	return oauthAppProto(a), nil
}

// CreateOAuthApp implements platformv1.OAuthAppServiceServer.
func (s *Service) CreateOAuthApp(ctx context.Context, req *platformv1.CreateOAuthAppRequest) (*platformv1.OAuthApp, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	in := req.GetOauthApp()
	if err := s.oauthIntegration(in.GetIntegration()); err != nil {
		return nil, err
	}
	if err := checkRedirectURI(in.GetRedirectUri()); err != nil {
		return nil, err
	}
	keyID, sealed, err := s.keyring.Seal([]byte(in.GetClientSecret()), oauthAppOwner(p.ProjectID, in.GetIntegration()))
	if err != nil {
		return nil, s.internal(ctx, "seal client secret", err)
	}
	now := s.now().UTC()
	a := store.OAuthApp{ProjectID: p.ProjectID, Integration: in.GetIntegration(), ClientID: in.GetClientId(), KeyID: keyID,
		SealedSecret: sealed, Scopes: in.GetScopes(), RedirectURI: in.GetRedirectUri(), CreateTime: now, UpdateTime: now}
	if err := s.store.CreateOAuthApp(ctx, a); errors.Is(err, store.ErrConflict) {
		return nil, apierr.New(codes.AlreadyExists, apierr.ReasonAlreadyExists,
			fmt.Sprintf("the project has an OAuth app for %s already: update it instead", a.Integration))
	} else if err != nil {
		return nil, s.internal(ctx, "create oauth app", err)
	}
	s.logger.InfoContext(ctx, "oauth app created", "integration", a.Integration, "project", p.ProjectID)
	return oauthAppProto(a), nil
}

// UpdateOAuthApp implements platformv1.OAuthAppServiceServer.
func (s *Service) UpdateOAuthApp(ctx context.Context, req *platformv1.UpdateOAuthAppRequest) (*platformv1.OAuthApp, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	in := req.GetOauthApp()
	paths, err := connector.UpdatePaths(in, req.GetUpdateMask())
	if err != nil {
		return nil, err
	}
	a, err := s.store.GetOAuthApp(ctx, p.ProjectID, in.GetIntegration())
	if errors.Is(err, store.ErrNotFound) {
		return nil, oauthAppNotFound(in.GetIntegration())
	}
	if err != nil {
		return nil, s.internal(ctx, "read oauth app", err)
	}
	for _, path := range paths {
		switch path {
		case "client_id":
			if in.GetClientId() == "" {
				return nil, invalidField("oauth_app.client_id", "client_id cannot be empty")
			}
			a.ClientID = in.GetClientId()
		case "client_secret":
			if in.GetClientSecret() == "" {
				return nil, invalidField("oauth_app.client_secret", "client_secret cannot be empty")
			}
			if a.KeyID, a.SealedSecret, err = s.keyring.Seal([]byte(in.GetClientSecret()), oauthAppOwner(p.ProjectID, a.Integration)); err != nil {
				return nil, s.internal(ctx, "seal client secret", err)
			}
		case "scopes":
			a.Scopes = in.GetScopes()
		case "redirect_uri":
			if err := checkRedirectURI(in.GetRedirectUri()); err != nil {
				return nil, err
			}
			a.RedirectURI = in.GetRedirectUri()
		}
	}
	a.UpdateTime = s.now().UTC()
	if err := s.store.UpdateOAuthApp(ctx, a); errors.Is(err, store.ErrNotFound) {
		return nil, oauthAppNotFound(in.GetIntegration())
	} else if err != nil {
		return nil, s.internal(ctx, "update oauth app", err)
	}
	return oauthAppProto(a), nil
}

// DeleteOAuthApp implements platformv1.OAuthAppServiceServer.
func (s *Service) DeleteOAuthApp(ctx context.Context, req *platformv1.DeleteOAuthAppRequest) (*emptypb.Empty, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.store.DeleteOAuthApp(ctx, p.ProjectID, req.GetIntegration()); errors.Is(err, store.ErrNotFound) {
		return nil, oauthAppNotFound(req.GetIntegration())
	} else if err != nil {
		return nil, s.internal(ctx, "delete oauth app", err)
	}
	return &emptypb.Empty{}, nil
}
