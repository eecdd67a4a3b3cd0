package connect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"google.golang.org/grpc/codes"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/auth"
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/providerhttp"
	"github.com/unimesh/unimesh/pkg/store"
	meshv1 "github.com/unimesh/unimesh/proto/unimesh/mesh/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

// SubmitCredentials implements meshv1.ConnectPagesServiceServer.
func (s *Service) SubmitCredentials(ctx context.Context, req *meshv1.SubmitCredentialsRequest) (*meshv1.ConnectResult, error) {
	row, err := s.openSession(ctx, req.GetToken())
	if err != nil {
		return nil, err
	}
	if err := s.offeredIntegration(row, req.GetIntegration()); err != nil {
		return nil, err
	}
	if req.GetCredentials().GetOauth2() != nil {
		return nil, invalidField("credentials", "OAuth tokens are obtained by signing in, not typed in")
	}
	d, in, err := s.integration(req.GetIntegration())
	if err != nil {
		return nil, err
	}
	if _, err := s.checkCredentials(d, in, req.GetCredentials()); err != nil {
		return nil, err
	}
	if err := checkConfig(d, in, req.GetConfig()); err != nil {
		return nil, err
	}
	if err := s.verifyCredentials(ctx, d, in, req.GetConfig(), req.GetCredentials()); err != nil {
		return nil, err
	}
	return s.connectForSession(ctx, row, d.Slug, req.GetCredentials(), req.GetConfig())
}

// verifyCredentials sends the integration's verify request with cred, so
// that a mistyped key is refused on the page rather than on the first call.
func (s *Service) verifyCredentials(ctx context.Context, d *connector.Descriptor, in *platformv1.Integration, config map[string]string, cred *platformv1.Credentials) error {
	if d.VerifyPath == "" {
		return nil
	}
	base, err := d.ResolveBaseURL(config)
	if err != nil {
		return invalidField("config", err.Error())
	}
	authorize, err := d.Auth(cred)
	if err != nil {
		return invalidField("credentials", err.Error())
	}
	client, err := s.http.Client(d.Slug, base, authorize, providerhttp.Hooks{Describe: d.Hooks.Describe, Classify: d.Hooks.Classify, RetryAfter: d.Hooks.RetryAfter})
	if err != nil {
		return err
	}
	_, err = client.Do(ctx, providerhttp.Request{Method: http.MethodGet, Path: d.VerifyPath})
	switch apierr.Reason(err) {
	case "":
		return nil
	case apierr.ReasonConnectionNeedsReauth, apierr.ReasonProviderPermission, apierr.ReasonRecordNotFound:
		msg := fmt.Sprintf("%s did not accept these credentials: check them and try again", in.GetName())
		return apierr.InvalidArgument(apierr.ReasonCredentialsRejected, msg,
			apierr.FieldViolation{Field: "credentials", Description: msg, Reason: apierr.ReasonCredentialsRejected})
	}
	return err
}

// connectForSession creates the session's connection, or re-connects the
// one it names, and completes the session. The session is claimed first,
// so that two submissions of one link cannot make two connections; a
// failure afterwards gives the claim back.
func (s *Service) connectForSession(ctx context.Context, row store.ConnectSession, slug string, cred *platformv1.Credentials, config map[string]string) (*meshv1.ConnectResult, error) {
	d, in, err := s.integration(slug)
	if err != nil {
		return nil, err
	}
	authType, err := s.checkCredentials(d, in, cred)
	if err != nil {
		return nil, err
	}
	if err := checkConfig(d, in, config); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	connID := row.ReconnectConnectionID
	if connID == "" {
		connID = auth.NewID("conn_")
	}
	claimed, err := s.store.FinishConnectSession(ctx, row.ID, stPending, stCompleted, connID, now)
	if err != nil {
		return nil, s.internal(ctx, "complete connect session", err)
	}
	if !claimed {
		return nil, apierr.New(codes.FailedPrecondition, apierr.ReasonConnectSessionUsed, "this connect link has been used already")
	}
	result, err := s.saveSessionConnection(ctx, row, connID, d, in, authType, cred, config)
	if err != nil {
		if _, uerr := s.store.FinishConnectSession(ctx, row.ID, stCompleted, stPending, "", now); uerr != nil {
			s.logger.ErrorContext(ctx, "give back connect session", "connect_session", row.ID, "error", uerr.Error())
		}
		return nil, err
	}
	return result, nil
}

func (s *Service) saveSessionConnection(ctx context.Context, row store.ConnectSession, connID string, d *connector.Descriptor, in *platformv1.Integration,
	authType platformv1.AuthType, cred *platformv1.Credentials, config map[string]string,
) (*meshv1.ConnectResult, error) {
	now := s.now().UTC()
	sealed, err := s.seal(connID, cred)
	if err != nil {
		return nil, s.internal(ctx, "seal credentials", err)
	}
	result := &meshv1.ConnectResult{SessionId: row.ID, ConnectionId: connID, Integration: d.Slug, IntegrationName: in.GetName(), ReturnUrl: row.ReturnURL}
	if row.ReconnectConnectionID != "" {
		conn, err := s.store.GetConnection(ctx, row.ProjectID, connID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, apierr.New(codes.FailedPrecondition, apierr.ReasonConnectionNotFound, "the connection to re-connect was deleted")
		}
		if err != nil {
			return nil, s.internal(ctx, "read connection", err)
		}
		conn.Config, conn.AuthType, conn.Scopes = config, int32(authType), cred.GetOauth2().GetScopes()
		conn.Status, conn.StatusDetail, conn.UpdateTime = int32(platformv1.ConnectionStatus_CONNECTION_STATUS_ACTIVE), "", now
		if err := s.store.UpdateConnection(ctx, conn, &sealed); err != nil {
			return nil, s.internal(ctx, "re-connect connection", err)
		}
		result.Reconnected = true
		s.logger.InfoContext(ctx, "connection re-connected", "connection", connID, "integration", d.Slug, "project", row.ProjectID)
		s.event(ctx, row.ProjectID, "connection.reconnected", connID, map[string]any{"integration": d.Slug})
		return result, nil
	}
	conn := store.Connection{
		ID: connID, ProjectID: row.ProjectID, Integration: d.Slug, Status: int32(platformv1.ConnectionStatus_CONNECTION_STATUS_ACTIVE),
		DisplayName: in.GetName(), EndUserOriginID: row.EndUserOriginID, EndUserName: row.EndUserName, EndUserEmail: row.EndUserEmail,
		Config: config, AuthType: int32(authType), Scopes: cred.GetOauth2().GetScopes(), CreateTime: now, UpdateTime: now,
	}
	if row.EndUserName != "" {
		conn.DisplayName = in.GetName() + " – " + row.EndUserName
	}
	if err := s.store.CreateConnection(ctx, conn, sealed); err != nil {
		return nil, s.internal(ctx, "create connection", err)
	}
	s.logger.InfoContext(ctx, "connection created", "connection", connID, "integration", d.Slug, "project", row.ProjectID, "connect_session", row.ID)
	s.event(ctx, row.ProjectID, "connection.created", connID, map[string]any{"integration": d.Slug, "end_user_origin_id": row.EndUserOriginID})
	return result, nil
}

// event records a platform event for the events service. It never fails
// the operation that caused it: the event is logged if it cannot be kept.
func (s *Service) event(ctx context.Context, projectID, typ, connectionID string, data map[string]any) {
	raw, _ := json.Marshal(data)
	err := s.store.AppendPlatformEvent(ctx, store.PlatformEvent{ID: auth.NewID("evt_"), ProjectID: projectID, Type: typ,
		ConnectionID: connectionID, OccurredTime: s.now().UTC(), Data: string(raw)})
	if err != nil {
		s.logger.ErrorContext(ctx, "record platform event", "type", typ, "connection", connectionID, "error", err.Error())
	}
}
