package connect

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/auth"
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/pagetoken"
	"github.com/unimesh/unimesh/pkg/store"
	meshv1 "github.com/unimesh/unimesh/proto/unimesh/mesh/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

// ListIntegrations implements platformv1.IntegrationServiceServer.
func (s *Service) ListIntegrations(_ context.Context, req *platformv1.ListIntegrationsRequest) (*platformv1.ListIntegrationsResponse, error) {
	return &platformv1.ListIntegrationsResponse{Integrations: s.catalog.List(req.GetCategory())}, nil
}

// GetIntegration implements platformv1.IntegrationServiceServer.
func (s *Service) GetIntegration(_ context.Context, req *platformv1.GetIntegrationRequest) (*platformv1.Integration, error) {
	in, ok := s.catalog.Integration(req.GetSlug())
	if !ok {
		return nil, apierr.NotFound(apierr.ReasonIntegrationNotFound, fmt.Sprintf("no integration %q", req.GetSlug()), "integration", req.GetSlug())
	}
	return in, nil
}

func connectionNotFound(id string) error {
	return apierr.NotFound(apierr.ReasonConnectionNotFound, fmt.Sprintf("no connection %s", id), "connection", id)
}

func (s *Service) connectionProto(c store.Connection) *platformv1.Connection {
	out := &platformv1.Connection{
		Id:           c.ID,
		Integration:  c.Integration,
		Status:       platformv1.ConnectionStatus(c.Status),
		StatusDetail: c.StatusDetail,
		DisplayName:  c.DisplayName,
		Config:       c.Config,
		AuthType:     platformv1.AuthType(c.AuthType),
		Scopes:       c.Scopes,
		CreateTime:   timestamppb.New(c.CreateTime),
		UpdateTime:   timestamppb.New(c.UpdateTime),
	}
	if c.EndUserOriginID != "" || c.EndUserName != "" || c.EndUserEmail != "" {
		out.EndUser = &platformv1.EndUser{OriginId: c.EndUserOriginID, Name: c.EndUserName, Email: c.EndUserEmail}
	}
	if !c.LastUsedTime.IsZero() {
		out.LastUsedTime = timestamppb.New(c.LastUsedTime)
	}
	if in, ok := s.catalog.Integration(c.Integration); ok {
		out.Categories = in.GetCategories()
	}
	return out
}

// ListConnections implements platformv1.ConnectionServiceServer.
func (s *Service) ListConnections(ctx context.Context, req *platformv1.ListConnectionsRequest) (*platformv1.ListConnectionsResponse, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	f := store.ConnectionFilter{Integration: req.GetIntegration(), Status: int32(req.GetStatus()), EndUserOriginID: req.GetEndUserOriginId()}
	scope := pagetoken.Scope("connections", p.ProjectID, f.Integration, req.GetStatus().String(), f.EndUserOriginID)
	after, err := decodeCursor(scope, req.GetPageToken())
	if err != nil {
		return nil, err
	}
	size := pageSize(req.GetPageSize())
	rows, err := s.store.ListConnections(ctx, p.ProjectID, f, after, size+1)
	if err != nil {
		return nil, s.internal(ctx, "list connections", err)
	}
	resp := &platformv1.ListConnectionsResponse{}
	for i, c := range rows {
		if i == size {
			last := rows[size-1]
			resp.NextPageToken = encodeCursor(scope, last.CreateTime, last.ID)
			break
		}
		resp.Connections = append(resp.Connections, s.connectionProto(c))
	}
	return resp, nil
}

// GetConnection implements platformv1.ConnectionServiceServer.
func (s *Service) GetConnection(ctx context.Context, req *platformv1.GetConnectionRequest) (*platformv1.Connection, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.store.GetConnection(ctx, p.ProjectID, req.GetId())
	if errors.Is(err, store.ErrNotFound) {
		return nil, connectionNotFound(req.GetId())
	}
	if err != nil {
		return nil, s.internal(ctx, "read connection", err)
	}
	return s.connectionProto(c), nil
}

// checkCredentials refuses credentials the integration does not take.
func (s *Service) checkCredentials(d *connector.Descriptor, in *platformv1.Integration, cred *platformv1.Credentials) (platformv1.AuthType, error) {
	var want platformv1.AuthType
	switch cred.GetKind().(type) {
	case *platformv1.Credentials_ApiKey:
		want = platformv1.AuthType_AUTH_TYPE_API_KEY
	case *platformv1.Credentials_Basic:
		want = platformv1.AuthType_AUTH_TYPE_BASIC
	case *platformv1.Credentials_Oauth2:
		want = platformv1.AuthType_AUTH_TYPE_OAUTH2
	}
	if !slices.Contains(in.GetAuthTypes(), want) {
		var names []string
		for _, a := range in.GetAuthTypes() {
			names = append(names, strings.ToLower(strings.TrimPrefix(a.String(), "AUTH_TYPE_")))
		}
		msg := fmt.Sprintf("%s takes %s credentials", in.GetSlug(), strings.Join(names, " or "))
		return 0, apierr.InvalidArgument(apierr.ReasonCredentialsMismatch, msg,
			apierr.FieldViolation{Field: "credentials", Description: msg, Reason: apierr.ReasonCredentialsMismatch})
	}
	if _, err := d.Auth(cred); err != nil {
		return 0, apierr.InvalidArgument(apierr.ReasonCredentialsMismatch, err.Error(),
			apierr.FieldViolation{Field: "credentials", Description: err.Error(), Reason: apierr.ReasonCredentialsMismatch})
	}
	return want, nil
}

// checkConfig refuses config keys the integration does not take, missing
// required ones, and configs that yield no base URL.
func checkConfig(d *connector.Descriptor, in *platformv1.Integration, config map[string]string) error {
	known := map[string]bool{}
	var vs []apierr.FieldViolation
	for _, f := range in.GetConfigFields() {
		known[f.GetKey()] = true
		if f.GetRequired() && config[f.GetKey()] == "" {
			vs = append(vs, apierr.FieldViolation{Field: "connection.config." + f.GetKey(),
				Description: fmt.Sprintf("%s needs %s: %s", in.GetSlug(), f.GetKey(), f.GetDescription()), Reason: "REQUIRED"})
		}
	}
	for k := range config {
		if !known[k] {
			vs = append(vs, apierr.FieldViolation{Field: "connection.config." + k,
				Description: fmt.Sprintf("%s takes no config %q", in.GetSlug(), k), Reason: apierr.ReasonInvalidArgument})
		}
	}
	if len(vs) == 0 {
		if _, err := d.ResolveBaseURL(config); err != nil {
			vs = append(vs, apierr.FieldViolation{Field: "connection.config", Description: err.Error(), Reason: apierr.ReasonInvalidArgument})
		}
	}
	if len(vs) > 0 {
		return apierr.InvalidArgument(apierr.ReasonInvalidArgument, vs[0].Description, vs...)
	}
	return nil
}

func (s *Service) integration(slug string) (*connector.Descriptor, *platformv1.Integration, error) {
	in, ok := s.catalog.Integration(slug)
	d, dok := s.catalog.Descriptor(slug)
	if !ok || !dok {
		msg := fmt.Sprintf("no integration %q; GET /platform/v1/integrations lists them", slug)
		return nil, nil, apierr.InvalidArgument(apierr.ReasonIntegrationNotFound, msg,
			apierr.FieldViolation{Field: "connection.integration", Description: msg, Reason: apierr.ReasonIntegrationNotFound})
	}
	return d, in, nil
}

func (s *Service) seal(connectionID string, cred *platformv1.Credentials) (store.Credential, error) {
	plain, err := proto.Marshal(cred)
	if err != nil {
		return store.Credential{}, err
	}
	keyID, sealed, err := s.keyring.Seal(plain, connectionID)
	if err != nil {
		return store.Credential{}, err
	}
	out := store.Credential{ConnectionID: connectionID, KeyID: keyID, Sealed: sealed, UpdateTime: s.now().UTC()}
	if o := cred.GetOauth2(); o != nil {
		// Kept beside the ciphertext so that the refresher finds what is
		// due without opening every credential.
		if o.GetExpireTime() != nil {
			out.ExpireTime = o.GetExpireTime().AsTime()
		}
		out.Refreshable = o.GetRefreshToken() != ""
	}
	return out, nil
}

// CreateConnection implements platformv1.ConnectionServiceServer.
func (s *Service) CreateConnection(ctx context.Context, req *platformv1.CreateConnectionRequest) (*platformv1.Connection, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	c := req.GetConnection()
	d, in, err := s.integration(c.GetIntegration())
	if err != nil {
		return nil, err
	}
	authType, err := s.checkCredentials(d, in, req.GetCredentials())
	if err != nil {
		return nil, err
	}
	if err := checkConfig(d, in, c.GetConfig()); err != nil {
		return nil, err
	}
	status := c.GetStatus()
	if status == platformv1.ConnectionStatus_CONNECTION_STATUS_UNSPECIFIED {
		status = platformv1.ConnectionStatus_CONNECTION_STATUS_ACTIVE
	}
	now := s.now().UTC()
	row := store.Connection{
		ID: auth.NewID("conn_"), ProjectID: p.ProjectID, Integration: in.GetSlug(), Status: int32(status),
		DisplayName: c.GetDisplayName(), EndUserOriginID: c.GetEndUser().GetOriginId(), EndUserName: c.GetEndUser().GetName(),
		EndUserEmail: c.GetEndUser().GetEmail(), Config: c.GetConfig(), AuthType: int32(authType), Scopes: req.GetCredentials().GetOauth2().GetScopes(), CreateTime: now, UpdateTime: now,
	}
	if row.DisplayName == "" {
		row.DisplayName = in.GetName()
	}
	cred, err := s.seal(row.ID, req.GetCredentials())
	if err != nil {
		return nil, s.internal(ctx, "seal credentials", err)
	}
	if err := s.store.CreateConnection(ctx, row, cred); err != nil {
		return nil, s.internal(ctx, "create connection", err)
	}
	s.logger.InfoContext(ctx, "connection created", "connection", row.ID, "integration", row.Integration, "project", p.ProjectID)
	s.event(ctx, p.ProjectID, "connection.created", row.ID, map[string]any{"integration": row.Integration, "end_user_origin_id": row.EndUserOriginID})
	return s.connectionProto(row), nil
}

// UpdateConnection implements platformv1.ConnectionServiceServer.
func (s *Service) UpdateConnection(ctx context.Context, req *platformv1.UpdateConnectionRequest) (*platformv1.Connection, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	in := req.GetConnection()
	var paths []string
	if req.GetUpdateMask() != nil || req.GetCredentials() == nil {
		if paths, err = connector.UpdatePaths(in, req.GetUpdateMask()); err != nil {
			return nil, err
		}
	}
	row, err := s.store.GetConnection(ctx, p.ProjectID, in.GetId())
	if errors.Is(err, store.ErrNotFound) {
		return nil, connectionNotFound(in.GetId())
	}
	if err != nil {
		return nil, s.internal(ctx, "read connection", err)
	}
	d, integ, err := s.integration(row.Integration)
	if err != nil {
		return nil, err
	}
	for _, path := range paths {
		switch path {
		case "display_name":
			row.DisplayName = in.GetDisplayName()
		case "end_user":
			row.EndUserOriginID, row.EndUserName, row.EndUserEmail = in.GetEndUser().GetOriginId(), in.GetEndUser().GetName(), in.GetEndUser().GetEmail()
		case "config":
			if err := checkConfig(d, integ, in.GetConfig()); err != nil {
				return nil, err
			}
			row.Config = in.GetConfig()
		case "status":
			row.Status = int32(in.GetStatus())
			if in.GetStatus() == platformv1.ConnectionStatus_CONNECTION_STATUS_UNSPECIFIED {
				return nil, apierr.InvalidArgument(apierr.ReasonInvalidArgument, "status must be ACTIVE or DISABLED",
					apierr.FieldViolation{Field: "connection.status", Description: "status must be ACTIVE or DISABLED"})
			}
			row.StatusDetail = ""
		}
	}
	var cred *store.Credential
	if req.GetCredentials() != nil {
		authType, err := s.checkCredentials(d, integ, req.GetCredentials())
		if err != nil {
			return nil, err
		}
		row.AuthType, row.Scopes = int32(authType), req.GetCredentials().GetOauth2().GetScopes()
		sealed, err := s.seal(row.ID, req.GetCredentials())
		if err != nil {
			return nil, s.internal(ctx, "seal credentials", err)
		}
		cred = &sealed
		// New credentials are the fix for a refused one.
		if row.Status == int32(platformv1.ConnectionStatus_CONNECTION_STATUS_NEEDS_REAUTH) {
			row.Status, row.StatusDetail = int32(platformv1.ConnectionStatus_CONNECTION_STATUS_ACTIVE), ""
		}
	}
	row.UpdateTime = s.now().UTC()
	if err := s.store.UpdateConnection(ctx, row, cred); errors.Is(err, store.ErrNotFound) {
		return nil, connectionNotFound(in.GetId())
	} else if err != nil {
		return nil, s.internal(ctx, "update connection", err)
	}
	return s.connectionProto(row), nil
}

// DeleteConnection implements platformv1.ConnectionServiceServer.
func (s *Service) DeleteConnection(ctx context.Context, req *platformv1.DeleteConnectionRequest) (*emptypb.Empty, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if s.beforeDelete != nil {
		if _, err := s.store.GetConnection(ctx, p.ProjectID, req.GetId()); err == nil {
			bctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			s.beforeDelete(bctx, p.ProjectID, req.GetId())
			cancel()
		}
	}
	err = s.store.DeleteConnection(ctx, p.ProjectID, req.GetId())
	if errors.Is(err, store.ErrNotFound) {
		return nil, connectionNotFound(req.GetId())
	}
	if err != nil {
		return nil, s.internal(ctx, "delete connection", err)
	}
	s.logger.InfoContext(ctx, "connection deleted", "connection", req.GetId(), "project", p.ProjectID)
	s.event(ctx, p.ProjectID, "connection.deleted", req.GetId(), nil)
	return &emptypb.Empty{}, nil
}

// live returns a connection of the project with its decrypted credentials.
func (s *Service) live(ctx context.Context, projectID, id string) (store.Connection, *platformv1.Credentials, store.Credential, error) {
	row, err := s.store.GetConnection(ctx, projectID, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Connection{}, nil, store.Credential{}, connectionNotFound(id)
	}
	if err != nil {
		return store.Connection{}, nil, store.Credential{}, s.internal(ctx, "read connection", err)
	}
	sealed, err := s.store.GetCredential(ctx, id)
	if err != nil {
		return store.Connection{}, nil, store.Credential{}, s.internal(ctx, "read credential", err)
	}
	cred, err := s.open(sealed)
	if err != nil {
		return store.Connection{}, nil, store.Credential{}, s.internal(ctx, "open credential", err)
	}
	// A token about to expire is refreshed before it is handed out. A
	// refresh that fails for a passing reason leaves the old token, which
	// may still work; a refused refresh token is an answer.
	// The expiry beside the ciphertext decides, so that a token with time
	// left costs no second read and decryption.
	early := renewal{within: refreshSkew}
	if o := cred.GetOauth2(); o != nil && sealed.Refreshable && early.due(sealed, o, s.now()) &&
		row.Status == int32(platformv1.ConnectionStatus_CONNECTION_STATUS_ACTIVE) {
		fresh, freshSealed, err := s.renew(ctx, projectID, id, early)
		switch {
		case err == nil:
			cred, sealed = fresh, freshSealed
		case apierr.Reason(err) == apierr.ReasonConnectionNeedsReauth:
			return store.Connection{}, nil, store.Credential{}, err
		default:
			s.logger.WarnContext(ctx, "token refresh before use failed; using the current token", "connection", id, "reason", apierr.Reason(err))
		}
	}
	if now := s.now(); s.touches.due(id, now) {
		if err := s.store.TouchConnection(ctx, id, now); err != nil {
			s.logger.WarnContext(ctx, "record connection use", "error", err.Error())
		}
	}
	return row, cred, sealed, nil
}

// GetConnectionCredentials implements the mesh-internal RPC.
func (s *Service) GetConnectionCredentials(ctx context.Context, req *meshv1.GetConnectionCredentialsRequest) (*meshv1.GetConnectionCredentialsResponse, error) {
	row, cred, sealed, err := s.live(ctx, req.GetProjectId(), req.GetConnectionId())
	if err != nil {
		return nil, err
	}
	return s.credentialsResponse(row, cred, sealed), nil
}

// ReportAuthFailure implements the mesh-internal RPC.
func (s *Service) ReportAuthFailure(ctx context.Context, req *meshv1.ReportAuthFailureRequest) (*emptypb.Empty, error) {
	if err := s.markNeedsReauth(ctx, req.GetProjectId(), req.GetConnectionId(), req.GetDetail()); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

func (s *Service) markNeedsReauth(ctx context.Context, projectID, id, detail string) error {
	row, err := s.store.GetConnection(ctx, projectID, id)
	if errors.Is(err, store.ErrNotFound) {
		return connectionNotFound(id)
	}
	if err != nil {
		return s.internal(ctx, "read connection", err)
	}
	if row.Status != int32(platformv1.ConnectionStatus_CONNECTION_STATUS_ACTIVE) {
		return nil
	}
	if len(detail) > 500 {
		detail = detail[:500]
	}
	err = s.store.SetConnectionStatus(ctx, projectID, id, int32(platformv1.ConnectionStatus_CONNECTION_STATUS_NEEDS_REAUTH),
		"CONNECTION_NEEDS_REAUTH: "+detail, s.now().UTC())
	if err != nil {
		return s.internal(ctx, "mark connection", err)
	}
	s.logger.WarnContext(ctx, "connection needs re-auth", "connection", id, "project", projectID)
	s.event(ctx, projectID, "connection.needs_reauth", id, map[string]any{"integration": row.Integration, "detail": detail})
	return nil
}
