package connect

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/auth"
	"github.com/unimesh/unimesh/pkg/pagetoken"
	"github.com/unimesh/unimesh/pkg/store"
	meshv1 "github.com/unimesh/unimesh/proto/unimesh/mesh/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

// How long connect links live: a day unless the project says, a week at most.
const (
	sessionDefaultTTL = 24 * time.Hour
	sessionMaxTTL     = 7 * 24 * time.Hour
)

// randomToken returns prefix and 32 random bytes, base64url: a secret.
func randomToken(prefix string) string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err)) // no entropy: nothing can be safe
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// hashToken is how secrets handed out (link and session tokens) are kept.
func hashToken(tok string) []byte {
	sum := sha256.Sum256([]byte(tok))
	return sum[:]
}

var (
	stPending   = int32(platformv1.ConnectSessionState_CONNECT_SESSION_STATE_PENDING)
	stCompleted = int32(platformv1.ConnectSessionState_CONNECT_SESSION_STATE_COMPLETED)
	stRevoked   = int32(platformv1.ConnectSessionState_CONNECT_SESSION_STATE_REVOKED)
)

// sessionState is the state a session shows at now: a pending one past
// its expiry is EXPIRED.
func sessionState(c store.ConnectSession, now time.Time) platformv1.ConnectSessionState {
	if c.State == stPending && !now.Before(c.ExpireTime) {
		return platformv1.ConnectSessionState_CONNECT_SESSION_STATE_EXPIRED
	}
	return platformv1.ConnectSessionState(c.State)
}

func (s *Service) sessionProto(c store.ConnectSession) *platformv1.ConnectSession {
	out := &platformv1.ConnectSession{
		Id:                    c.ID,
		EndUser:               &platformv1.EndUser{OriginId: c.EndUserOriginID, Name: c.EndUserName, Email: c.EndUserEmail},
		Integrations:          c.Integrations,
		ReconnectConnectionId: c.ReconnectConnectionID,
		ExpireTime:            timestamppb.New(c.ExpireTime),
		ReturnUrl:             c.ReturnURL,
		State:                 sessionState(c, s.now()),
		ConnectionId:          c.ConnectionID,
		CreateTime:            timestamppb.New(c.CreateTime),
	}
	if !c.CompleteTime.IsZero() {
		out.CompleteTime = timestamppb.New(c.CompleteTime)
	}
	return out
}

func sessionNotFound(id string) error {
	return apierr.NotFound(apierr.ReasonConnectSessionNotFound, fmt.Sprintf("no connect session %s", id), "connect_session", id)
}

func invalidField(field, msg string) error {
	return apierr.InvalidArgument(apierr.ReasonInvalidArgument, msg, apierr.FieldViolation{Field: field, Description: msg})
}

// checkReturnURL accepts absolute http(s) URLs only: a javascript: or
// data: URL would run in the connect page's origin.
func checkReturnURL(field, raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return invalidField(field, field+" must be an absolute http(s) URL")
	}
	return nil
}

// CreateConnectSession implements platformv1.ConnectSessionServiceServer.
func (s *Service) CreateConnectSession(ctx context.Context, req *platformv1.CreateConnectSessionRequest) (*platformv1.ConnectSession, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if s.publicURL == "" {
		return nil, apierr.New(codes.FailedPrecondition, apierr.ReasonInvalidArgument,
			"connect links need the gateway's public URL: set UNIMESH_PUBLIC_URL")
	}
	in := req.GetConnectSession()
	now := s.now().UTC()
	row := store.ConnectSession{
		ID: auth.NewID("cs_"), ProjectID: p.ProjectID, EndUserOriginID: in.GetEndUser().GetOriginId(),
		EndUserName: in.GetEndUser().GetName(), EndUserEmail: in.GetEndUser().GetEmail(),
		Integrations: in.GetIntegrations(), ReturnURL: in.GetReturnUrl(), State: stPending, CreateTime: now,
		ExpireTime: now.Add(sessionDefaultTTL),
	}
	for i, slug := range row.Integrations {
		if _, ok := s.catalog.Integration(slug); !ok {
			return nil, apierr.InvalidArgument(apierr.ReasonIntegrationNotFound, fmt.Sprintf("no integration %q", slug),
				apierr.FieldViolation{Field: fmt.Sprintf("connect_session.integrations[%d]", i), Description: fmt.Sprintf("no integration %q; GET /platform/v1/integrations lists them", slug), Reason: apierr.ReasonIntegrationNotFound})
		}
	}
	if id := in.GetReconnectConnectionId(); id != "" {
		conn, err := s.store.GetConnection(ctx, p.ProjectID, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil, apierr.InvalidArgument(apierr.ReasonConnectionNotFound, fmt.Sprintf("no connection %s to re-connect", id),
				apierr.FieldViolation{Field: "connect_session.reconnect_connection_id", Description: "no such connection in this project", Reason: apierr.ReasonConnectionNotFound})
		}
		if err != nil {
			return nil, s.internal(ctx, "read connection", err)
		}
		if len(row.Integrations) > 0 && !slices.Equal(row.Integrations, []string{conn.Integration}) {
			return nil, invalidField("connect_session.integrations", fmt.Sprintf("a re-connect link offers only the connection's own integration, %s", conn.Integration))
		}
		row.ReconnectConnectionID, row.Integrations = id, []string{conn.Integration}
		if conn.EndUserOriginID != "" && conn.EndUserOriginID != row.EndUserOriginID {
			return nil, invalidField("connect_session.end_user.origin_id", "a re-connect link must name the connection's own end user")
		}
	}
	if exp := in.GetExpireTime(); exp != nil {
		t := exp.AsTime()
		if !t.After(now) || t.Sub(now) > sessionMaxTTL {
			return nil, invalidField("connect_session.expire_time", "expire_time must be in the future and at most 7 days ahead")
		}
		row.ExpireTime = t.UTC()
	}
	if err := checkReturnURL("connect_session.return_url", row.ReturnURL); err != nil {
		return nil, err
	}
	token := randomToken("cst_")
	row.TokenHash = hashToken(token)
	if err := s.store.CreateConnectSession(ctx, row); err != nil {
		return nil, s.internal(ctx, "create connect session", err)
	}
	out := s.sessionProto(row)
	out.Url = s.publicURL + "/connect/" + token
	s.logger.InfoContext(ctx, "connect session created", "connect_session", row.ID, "project", p.ProjectID)
	return out, nil
}

// GetConnectSession implements platformv1.ConnectSessionServiceServer.
func (s *Service) GetConnectSession(ctx context.Context, req *platformv1.GetConnectSessionRequest) (*platformv1.ConnectSession, error) {
	row, err := s.projectSession(ctx, req.GetId())
	if err != nil {
		return nil, err
	}
	return s.sessionProto(row), nil
}

// projectSession reads a session of the caller's project.
func (s *Service) projectSession(ctx context.Context, id string) (store.ConnectSession, error) {
	p, err := caller(ctx)
	if err != nil {
		return store.ConnectSession{}, err
	}
	row, err := s.store.GetConnectSession(ctx, p.ProjectID, id)
	if errors.Is(err, store.ErrNotFound) {
		return row, sessionNotFound(id)
	}
	if err != nil {
		return row, s.internal(ctx, "read connect session", err)
	}
	return row, nil
}

// ListConnectSessions implements platformv1.ConnectSessionServiceServer.
func (s *Service) ListConnectSessions(ctx context.Context, req *platformv1.ListConnectSessionsRequest) (*platformv1.ListConnectSessionsResponse, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	scope := pagetoken.Scope("connect_sessions", p.ProjectID, req.GetEndUserOriginId())
	after, err := decodeCursor(scope, req.GetPageToken())
	if err != nil {
		return nil, err
	}
	size := pageSize(req.GetPageSize())
	rows, err := s.store.ListConnectSessions(ctx, p.ProjectID, req.GetEndUserOriginId(), after, size+1)
	if err != nil {
		return nil, s.internal(ctx, "list connect sessions", err)
	}
	resp := &platformv1.ListConnectSessionsResponse{}
	for i, c := range rows {
		if i == size {
			last := rows[size-1]
			resp.NextPageToken = encodeCursor(scope, last.CreateTime, last.ID)
			break
		}
		resp.ConnectSessions = append(resp.ConnectSessions, s.sessionProto(c))
	}
	return resp, nil
}

// DeleteConnectSession implements platformv1.ConnectSessionServiceServer:
// it revokes the link; the record stays, so that the project can see what
// became of it.
func (s *Service) DeleteConnectSession(ctx context.Context, req *platformv1.DeleteConnectSessionRequest) (*emptypb.Empty, error) {
	row, err := s.projectSession(ctx, req.GetId())
	if err != nil {
		return nil, err
	}
	if row.State == stPending {
		if _, err := s.store.FinishConnectSession(ctx, row.ID, stPending, stRevoked, "", s.now().UTC()); err != nil {
			return nil, s.internal(ctx, "revoke connect session", err)
		}
	}
	return &emptypb.Empty{}, nil
}

// openSession finds the pending session a link's secret belongs to, or
// says clearly why the link no longer works.
func (s *Service) openSession(ctx context.Context, token string) (store.ConnectSession, error) {
	row, err := s.store.GetConnectSessionByToken(ctx, hashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return row, apierr.NotFound(apierr.ReasonConnectSessionNotFound, "this connect link is not valid: check that it was copied whole")
	}
	if err != nil {
		return row, s.internal(ctx, "read connect session", err)
	}
	return row, s.sessionUsable(row)
}

func (s *Service) sessionUsable(row store.ConnectSession) error {
	switch sessionState(row, s.now()) {
	case platformv1.ConnectSessionState_CONNECT_SESSION_STATE_EXPIRED:
		return apierr.New(codes.FailedPrecondition, apierr.ReasonConnectSessionExpired, "this connect link has expired: ask for a new one")
	case platformv1.ConnectSessionState_CONNECT_SESSION_STATE_COMPLETED:
		return apierr.New(codes.FailedPrecondition, apierr.ReasonConnectSessionUsed, "this connect link has been used already: ask for a new one to connect again")
	case platformv1.ConnectSessionState_CONNECT_SESSION_STATE_REVOKED:
		return apierr.New(codes.FailedPrecondition, apierr.ReasonConnectSessionRevoked, "this connect link was withdrawn: ask for a new one")
	}
	return nil
}

// offered is the integrations a session offers, in catalog order.
func (s *Service) offered(row store.ConnectSession) []*platformv1.Integration {
	all := s.catalog.List(platformv1.Category_CATEGORY_UNSPECIFIED)
	if len(row.Integrations) == 0 {
		return all
	}
	var out []*platformv1.Integration
	for _, in := range all {
		if slices.Contains(row.Integrations, in.GetSlug()) {
			out = append(out, in)
		}
	}
	return out
}

// OpenConnectSession implements meshv1.ConnectPagesServiceServer.
func (s *Service) OpenConnectSession(ctx context.Context, req *meshv1.OpenConnectSessionRequest) (*meshv1.ConnectPage, error) {
	row, err := s.openSession(ctx, req.GetToken())
	if err != nil {
		return nil, err
	}
	page := &meshv1.ConnectPage{
		SessionId: row.ID, EndUser: &platformv1.EndUser{OriginId: row.EndUserOriginID, Name: row.EndUserName, Email: row.EndUserEmail},
		ReturnUrl: row.ReturnURL, ReconnectConnectionId: row.ReconnectConnectionID, ExpireTime: timestamppb.New(row.ExpireTime),
	}
	if proj, err := s.store.GetProject(ctx, row.ProjectID); err == nil {
		page.ProjectName = proj.DisplayName
	}
	for _, in := range s.offered(row) {
		d, ok := s.catalog.Descriptor(in.GetSlug())
		if !ok {
			continue
		}
		pi := &meshv1.PageIntegration{Slug: in.GetSlug(), Name: in.GetName(), ConfigFields: in.GetConfigFields(),
			Categories: in.GetCategories(), Sandbox: in.GetSandbox(), ApiKeyLabel: d.APIKeyLabel, UsernameLabel: d.UsernameLabel}
		for _, a := range in.GetAuthTypes() {
			if a == platformv1.AuthType_AUTH_TYPE_OAUTH2 {
				if d.OAuth == nil || !s.hasOAuthApp(ctx, row.ProjectID, in.GetSlug()) {
					continue
				}
				pi.OauthConfigKeys = d.OAuth.PreConfig
			}
			pi.AuthTypes = append(pi.AuthTypes, a)
		}
		page.Integrations = append(page.Integrations, pi)
	}
	return page, nil
}

// offeredIntegration checks that the session offers slug.
func (s *Service) offeredIntegration(row store.ConnectSession, slug string) error {
	for _, in := range s.offered(row) {
		if in.GetSlug() == slug {
			return nil
		}
	}
	return apierr.InvalidArgument(apierr.ReasonIntegrationNotOffered, fmt.Sprintf("this link does not offer %q", slug),
		apierr.FieldViolation{Field: "integration", Description: "not offered by this link", Reason: apierr.ReasonIntegrationNotOffered})
}
