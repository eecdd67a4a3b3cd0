package events

import (
	"context"
	"errors"
	"net/http"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/store"
	"github.com/unimesh/unimesh/pkg/webhook"
	meshv1 "github.com/unimesh/unimesh/proto/unimesh/mesh/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

// NativePath is where the gateway takes providers' native webhook
// deliveries: NativePath + "<connection id>".
const NativePath = "/webhooks/native/"

// How long to wait before trying to subscribe again.
const (
	nativeRetryFailed      = 10 * time.Minute
	nativeRetryUnsupported = 24 * time.Hour
)

func nativeOwner(connectionID string) string { return "native_subscription:" + connectionID }

// ensureNative makes sure a connection whose provider pushes changes is
// subscribed, and returns the objects ("crm.contact") the subscription
// covers: those need polling only to find deletions.
func (s *Service) ensureNative(ctx context.Context, conn store.Connection, category string, client grpc.ClientConnInterface) map[string]bool {
	if s.opts.PublicURL == "" {
		return nil // providers could not reach us
	}
	sub, err := s.store.GetNativeSubscription(ctx, conn.ID)
	switch {
	case err == nil && sub.Status == store.NativeActive:
		covered := map[string]bool{}
		for _, o := range sub.Objects {
			covered[category+"."+o] = true
		}
		return covered
	case err == nil && sub.Status == store.NativeUnsupported && s.now().Sub(sub.UpdateTime) < nativeRetryUnsupported,
		err == nil && sub.Status == store.NativeFailed && s.now().Sub(sub.UpdateTime) < nativeRetryFailed:
		return nil
	case err != nil && !errors.Is(err, store.ErrNotFound):
		s.logger.WarnContext(ctx, "native subscription", "connection", conn.ID, "error", err.Error())
		return nil
	}
	secret := webhook.NewSecret()[len(webhook.SecretPrefix):]
	keyID, sealed, err := s.keyring.Seal([]byte(secret), nativeOwner(conn.ID))
	if err != nil {
		s.logger.ErrorContext(ctx, "seal native webhook secret", "error", err.Error())
		return nil
	}
	sub = store.NativeSubscription{ConnectionID: conn.ID, ProjectID: conn.ProjectID, KeyID: keyID, SealedSecret: sealed,
		UpdateTime: s.now().UTC()}
	resp, err := meshv1.NewCategoryInternalServiceClient(client).SubscribeWebhooks(ctx, &meshv1.SubscribeWebhooksRequest{
		ProjectId: conn.ProjectID, ConnectionId: conn.ID, TargetUrl: s.opts.PublicURL + NativePath + conn.ID, Secret: secret})
	switch {
	case status.Code(err) == codes.Unimplemented:
		sub.Status = store.NativeUnsupported
	case err != nil:
		sub.Status, sub.LastError = store.NativeFailed, status.Convert(err).Message()
		s.logger.WarnContext(ctx, "native webhook subscription failed; polling instead", "connection", conn.ID,
			"reason", apierr.Reason(err))
	default:
		sub.Status, sub.State, sub.Objects = store.NativeActive, resp.GetState(), resp.GetObjects()
		s.logger.InfoContext(ctx, "subscribed to native webhooks", "connection", conn.ID, "objects", sub.Objects)
	}
	if err := s.store.PutNativeSubscription(ctx, sub); err != nil {
		s.logger.WarnContext(ctx, "save native subscription", "connection", conn.ID, "error", err.Error())
		return nil
	}
	if sub.Status != store.NativeActive {
		return nil
	}
	covered := map[string]bool{}
	for _, o := range sub.Objects {
		covered[category+"."+o] = true
	}
	return covered
}

// ReceiveWebhook implements meshv1.EventsInternalServiceServer.
func (s *Service) ReceiveWebhook(ctx context.Context, req *meshv1.ReceiveWebhookRequest) (*meshv1.ReceiveWebhookResponse, error) {
	answer := func(code int) (*meshv1.ReceiveWebhookResponse, error) {
		return &meshv1.ReceiveWebhookResponse{HttpStatus: int32(code)}, nil
	}
	sub, err := s.store.GetNativeSubscription(ctx, req.GetConnectionId())
	if errors.Is(err, store.ErrNotFound) || (err == nil && sub.Status != store.NativeActive) {
		// 410 tells a provider that honours it to stop sending.
		return answer(http.StatusGone)
	}
	if err != nil {
		return nil, s.internal(ctx, "read native subscription", err)
	}
	conn, err := s.store.GetConnection(ctx, sub.ProjectID, sub.ConnectionID)
	if errors.Is(err, store.ErrNotFound) {
		return answer(http.StatusGone)
	}
	if err != nil {
		return nil, s.internal(ctx, "read connection", err)
	}
	category := ""
	if s.opts.CategoryOf != nil {
		category = s.opts.CategoryOf(conn.Integration)
	}
	client := s.opts.Categories[category]
	if client == nil {
		return answer(http.StatusGone)
	}
	secret, err := s.keyring.Open(sub.KeyID, sub.SealedSecret, nativeOwner(sub.ConnectionID))
	if err != nil {
		return nil, s.internal(ctx, "open native webhook secret", err)
	}
	read, err := meshv1.NewCategoryInternalServiceClient(client).ReadWebhook(ctx, &meshv1.ReadWebhookRequest{
		ProjectId: sub.ProjectID, ConnectionId: sub.ConnectionID, Headers: req.GetHeaders(), Body: req.GetBody(), Secret: string(secret),
		Method: http.MethodPost})
	if code := s.readFailure(ctx, err, sub.ConnectionID); code != 0 {
		return answer(code)
	}
	endpoints, err := s.enabledEndpoints(ctx, sub.ProjectID)
	if err != nil {
		return nil, s.internal(ctx, "list endpoints", err)
	}
	if len(endpoints) == 0 {
		return answer(http.StatusOK)
	}
	if err := s.applyNative(ctx, conn, read.GetChanges(), endpoints); err != nil {
		return nil, s.internal(ctx, "record native change", err)
	}
	return answer(http.StatusOK)
}

// ReleaseConnection implements meshv1.EventsInternalServiceServer: it
// unsubscribes a connection's native webhooks while its credentials still
// exist. A failure is logged, not returned: the deletion goes on, and the
// provider's later deliveries get 410 Gone.
func (s *Service) ReleaseConnection(ctx context.Context, req *meshv1.ReleaseConnectionRequest) (*emptypb.Empty, error) {
	sub, err := s.store.GetNativeSubscription(ctx, req.GetConnectionId())
	if err != nil || sub.ProjectID != req.GetProjectId() {
		return &emptypb.Empty{}, nil
	}
	if sub.Status == store.NativeActive {
		conn, err := s.store.GetConnection(ctx, sub.ProjectID, sub.ConnectionID)
		if err == nil && s.opts.CategoryOf != nil {
			if client := s.opts.Categories[s.opts.CategoryOf(conn.Integration)]; client != nil {
				_, err = meshv1.NewCategoryInternalServiceClient(client).UnsubscribeWebhooks(ctx, &meshv1.UnsubscribeWebhooksRequest{
					ProjectId: sub.ProjectID, ConnectionId: sub.ConnectionID, State: sub.State})
			}
		}
		if err != nil {
			s.logger.WarnContext(ctx, "native webhook unsubscribe failed", "connection", sub.ConnectionID, "reason", apierr.Reason(err))
		} else {
			s.logger.InfoContext(ctx, "unsubscribed from native webhooks", "connection", sub.ConnectionID)
		}
	}
	if err := s.store.DeleteNativeSubscription(ctx, sub.ConnectionID); err != nil {
		s.logger.WarnContext(ctx, "delete native subscription", "connection", sub.ConnectionID, "error", err.Error())
	}
	return &emptypb.Empty{}, nil
}

// AppPath is where the gateway takes app-level webhooks:
// AppPath + "<integration>/<project id>".
const AppPath = "/webhooks/apps/"

// appSecret is the client secret of a project's OAuth app for an
// integration: its own, else the deployment's default app (dev).
func (s *Service) appSecret(ctx context.Context, projectID, integration string) (string, bool, error) {
	app, err := s.store.GetOAuthApp(ctx, projectID, integration)
	if errors.Is(err, store.ErrNotFound) {
		secret, ok := s.opts.DefaultAppSecrets[integration]
		return secret, ok && secret != "", nil
	}
	if err != nil {
		return "", false, err
	}
	secret, err := s.keyring.Open(app.KeyID, app.SealedSecret, store.OAuthAppOwner(projectID, integration))
	if err != nil {
		return "", false, err
	}
	return string(secret), true, nil
}

// ReceiveAppWebhook implements meshv1.EventsInternalServiceServer: one
// delivery of an app's webhooks goes to each of the project's active
// connections of the integration, whose connector keeps what concerns it
// (HubSpot: the events of its account). The first refusal answers for all:
// the signature is the app's.
func (s *Service) ReceiveAppWebhook(ctx context.Context, req *meshv1.ReceiveAppWebhookRequest) (*meshv1.ReceiveWebhookResponse, error) {
	answer := func(code int) (*meshv1.ReceiveWebhookResponse, error) {
		return &meshv1.ReceiveWebhookResponse{HttpStatus: int32(code)}, nil
	}
	category := ""
	if s.opts.CategoryOf != nil {
		category = s.opts.CategoryOf(req.GetIntegration())
	}
	client := s.opts.Categories[category]
	if client == nil {
		return answer(http.StatusNotFound)
	}
	if _, err := s.store.GetProject(ctx, req.GetProjectId()); errors.Is(err, store.ErrNotFound) {
		return answer(http.StatusNotFound)
	} else if err != nil {
		return nil, s.internal(ctx, "read project", err)
	}
	secret, ok, err := s.appSecret(ctx, req.GetProjectId(), req.GetIntegration())
	if err != nil {
		return nil, s.internal(ctx, "read app secret", err)
	}
	if !ok {
		return answer(http.StatusNotFound) // no app of the project's to verify with
	}
	endpoints, err := s.enabledEndpoints(ctx, req.GetProjectId())
	if err != nil {
		return nil, s.internal(ctx, "list endpoints", err)
	}
	conns, err := s.store.ListConnections(ctx, req.GetProjectId(), store.ConnectionFilter{Integration: req.GetIntegration(),
		Status: int32(platformv1.ConnectionStatus_CONNECTION_STATUS_ACTIVE)}, nil, 1000)
	if err != nil {
		return nil, s.internal(ctx, "list connections", err)
	}
	categories := meshv1.NewCategoryInternalServiceClient(client)
	for _, conn := range conns {
		read, err := categories.ReadWebhook(ctx, &meshv1.ReadWebhookRequest{ProjectId: req.GetProjectId(), ConnectionId: conn.ID,
			Headers: req.GetHeaders(), Body: req.GetBody(), Secret: secret, Url: req.GetUrl(), Method: http.MethodPost})
		if code := s.readFailure(ctx, err, conn.ID); code != 0 {
			return answer(code)
		}
		if len(endpoints) == 0 {
			continue
		}
		if err := s.applyNative(ctx, conn, read.GetChanges(), endpoints); err != nil {
			return nil, s.internal(ctx, "record native change", err)
		}
	}
	return answer(http.StatusOK)
}

// applyNative records the changes a native delivery told of.
func (s *Service) applyNative(ctx context.Context, conn store.Connection, changes []*meshv1.RecordChange, endpoints []store.WebhookEndpoint) error {
	for _, c := range changes {
		rc, ok := meshChange(c, platformv1.EventSource_EVENT_SOURCE_NATIVE)
		if !ok {
			continue
		}
		if _, err := s.apply(ctx, rc, endpoints); err != nil {
			return err
		}
	}
	return nil
}

// readFailure is the HTTP status a provider gets when its delivery could
// not be read, or 0 when it was: 401 when it failed verification, 400 when
// it is not the provider's format, and 503 (the provider retries) when the
// records it names could not be read now.
func (s *Service) readFailure(ctx context.Context, err error, connectionID string) int {
	switch status.Code(err) {
	case codes.OK:
		return 0
	case codes.Unauthenticated:
		s.logger.WarnContext(ctx, "webhook delivery refused: verification failed", "connection", connectionID)
		return http.StatusUnauthorized
	case codes.InvalidArgument:
		return http.StatusBadRequest
	}
	s.logger.WarnContext(ctx, "webhook delivery not read", "connection", connectionID, "reason", apierr.Reason(err))
	return http.StatusServiceUnavailable
}

// meshChange turns a change a category service reported into one to apply;
// false when its record cannot be decoded.
func meshChange(c *meshv1.RecordChange, source platformv1.EventSource) (recordChange, bool) {
	rc := recordChange{projectID: c.GetProjectId(), connectionID: c.GetConnectionId(), integration: c.GetIntegration(),
		object: c.GetCategory() + "." + c.GetObject(), recordID: c.GetRecordId(), source: source,
		occurred: c.GetOccurTime().AsTime(), sweepGen: -1}
	switch c.GetKind() {
	case meshv1.ChangeKind_CHANGE_KIND_CREATED:
		rc.kind = store.ChangeCreated
	case meshv1.ChangeKind_CHANGE_KIND_UPDATED:
		rc.kind = store.ChangeUpdated
	case meshv1.ChangeKind_CHANGE_KIND_DELETED:
		rc.kind = store.ChangeDeleted
	}
	if rc.kind != store.ChangeDeleted {
		if c.GetRecord() == nil {
			return rc, false
		}
		rec, err := c.GetRecord().UnmarshalNew()
		if err != nil {
			return rc, false
		}
		rc.rec = rec
	}
	return rc, true
}
