package connect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
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

// KeyVerifier checks API keys against the store and records their use, at
// most once a minute per key.
type KeyVerifier struct {
	store   *store.Store
	logger  *slog.Logger
	now     func() time.Time
	touches *touchThrottle
}

// NewKeyVerifier returns a verifier over the store.
func NewKeyVerifier(s *store.Store, logger *slog.Logger, now func() time.Time) *KeyVerifier {
	return &KeyVerifier{store: s, logger: logger, now: now, touches: newTouchThrottle()}
}

var errInvalidKey = apierr.New(codes.Unauthenticated, apierr.ReasonAPIKeyInvalid, "invalid API key")

// Verify resolves a key. Unknown, malformed and revoked keys all get the same answer.
func (v *KeyVerifier) Verify(ctx context.Context, key string) (*auth.Principal, error) {
	if strings.HasPrefix(key, ConsoleTokenPrefix) {
		p, _, err := v.verifyConsoleToken(ctx, key)
		return p, err
	}
	id, secret, ok := auth.ParseKey(key)
	if !ok {
		return nil, errInvalidKey
	}
	k, err := v.store.GetAPIKey(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errInvalidKey
	}
	if err != nil {
		v.logger.ErrorContext(ctx, "api key lookup", "error", err.Error())
		return nil, apierr.New(codes.Unavailable, apierr.ReasonUnavailable, "cannot check the API key now")
	}
	if !auth.SecretMatches(k.SecretHash, secret) {
		return nil, errInvalidKey
	}
	scopes, err := auth.ParseScopes(k.Scopes)
	if err != nil {
		return nil, apierr.Internal("stored key has bad scopes")
	}
	v.touch(ctx, k.ID)
	return &auth.Principal{ProjectID: k.ProjectID, KeyID: k.ID, Scopes: scopes}, nil
}

func (v *KeyVerifier) touch(ctx context.Context, id string) {
	now := v.now()
	if !v.touches.due(id, now) {
		return
	}
	if err := v.store.TouchAPIKey(context.WithoutCancel(ctx), id, now); err != nil {
		v.logger.WarnContext(ctx, "record api key use", "error", err.Error())
	}
}

// AuthenticateApiKey implements the mesh-internal RPC.
func (s *Service) AuthenticateApiKey(ctx context.Context, req *meshv1.AuthenticateApiKeyRequest) (*meshv1.AuthenticateApiKeyResponse, error) {
	p, err := s.keys.Verify(ctx, req.GetApiKey())
	if err != nil {
		return nil, err
	}
	return &meshv1.AuthenticateApiKeyResponse{ProjectId: p.ProjectID, ApiKeyId: p.KeyID, Scopes: p.Scopes}, nil
}

// GetProject implements platformv1.ProjectServiceServer.
func (s *Service) GetProject(ctx context.Context, _ *platformv1.GetProjectRequest) (*platformv1.Project, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	proj, err := s.store.GetProject(ctx, p.ProjectID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, apierr.NotFound(apierr.ReasonProjectNotFound, "the key's project no longer exists")
	}
	if err != nil {
		return nil, s.internal(ctx, "read project", err)
	}
	return &platformv1.Project{Id: proj.ID, DisplayName: proj.DisplayName,
		CreateTime: timestamppb.New(proj.CreateTime), UpdateTime: timestamppb.New(proj.UpdateTime)}, nil
}

func apiKeyProto(k store.APIKey) *platformv1.ApiKey {
	scopes, _ := auth.ParseScopes(k.Scopes)
	out := &platformv1.ApiKey{Id: k.ID, DisplayName: k.DisplayName, Prefix: auth.DisplayPrefix(k.ID), Scopes: scopes,
		CreateTime: timestamppb.New(k.CreateTime)}
	if !k.LastUsedTime.IsZero() {
		out.LastUsedTime = timestamppb.New(k.LastUsedTime)
	}
	return out
}

// ListApiKeys implements platformv1.ProjectServiceServer.
func (s *Service) ListApiKeys(ctx context.Context, req *platformv1.ListApiKeysRequest) (*platformv1.ListApiKeysResponse, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	scope := pagetoken.Scope("api_keys", p.ProjectID)
	after, err := decodeCursor(scope, req.GetPageToken())
	if err != nil {
		return nil, err
	}
	size := pageSize(req.GetPageSize())
	keys, err := s.store.ListAPIKeys(ctx, p.ProjectID, after, size+1)
	if err != nil {
		return nil, s.internal(ctx, "list api keys", err)
	}
	resp := &platformv1.ListApiKeysResponse{}
	for i, k := range keys {
		if i == size {
			last := keys[size-1]
			resp.NextPageToken = encodeCursor(scope, last.CreateTime, last.ID)
			break
		}
		resp.ApiKeys = append(resp.ApiKeys, apiKeyProto(k))
	}
	return resp, nil
}

// CreateApiKey implements platformv1.ProjectServiceServer.
func (s *Service) CreateApiKey(ctx context.Context, req *platformv1.CreateApiKeyRequest) (*platformv1.CreateApiKeyResponse, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	k, full, err := CreateAPIKey(ctx, s.store, p.ProjectID, req.GetApiKey().GetDisplayName(), req.GetApiKey().GetScopes(), s.now())
	if err != nil {
		return nil, s.internal(ctx, "create api key", err)
	}
	return &platformv1.CreateApiKeyResponse{ApiKey: apiKeyProto(k), Key: full}, nil
}

// DeleteApiKey implements platformv1.ProjectServiceServer.
func (s *Service) DeleteApiKey(ctx context.Context, req *platformv1.DeleteApiKeyRequest) (*emptypb.Empty, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	err = s.store.DeleteAPIKey(ctx, p.ProjectID, req.GetId())
	if errors.Is(err, store.ErrNotFound) {
		return nil, apierr.NotFound(apierr.ReasonAPIKeyNotFound, fmt.Sprintf("no API key %s", req.GetId()))
	}
	if err != nil {
		return nil, s.internal(ctx, "delete api key", err)
	}
	return &emptypb.Empty{}, nil
}

// CreateAPIKey stores a new key of a project and returns it with its full
// text, which exists nowhere else afterwards.
func CreateAPIKey(ctx context.Context, s *store.Store, projectID, name string, scopes []platformv1.Scope, now time.Time) (store.APIKey, string, error) {
	g := auth.GenerateKey()
	k := store.APIKey{ID: g.ID, ProjectID: projectID, DisplayName: name, SecretHash: g.Hash,
		Scopes: auth.FormatScopes(scopes), CreateTime: now.UTC()}
	if err := s.CreateAPIKey(ctx, k); err != nil {
		return store.APIKey{}, "", err
	}
	return k, g.Full, nil
}

// EnsureAPIKey stores a key with a chosen full text (UNIMESH_DEV_API_KEY)
// unless it exists.
func EnsureAPIKey(ctx context.Context, s *store.Store, projectID, name, full string, scopes []platformv1.Scope, now time.Time) error {
	g, err := auth.KeyFromSecretMaterial(full)
	if err != nil {
		return err
	}
	if existing, err := s.GetAPIKey(ctx, g.ID); err == nil {
		if existing.ProjectID != projectID || !auth.SecretMatches(existing.SecretHash, full[len(auth.KeyPrefix)+len(g.ID)+1:]) {
			return fmt.Errorf("an API key with id %s exists already with another secret or project", g.ID)
		}
		return nil
	}
	return s.CreateAPIKey(ctx, store.APIKey{ID: g.ID, ProjectID: projectID, DisplayName: name, SecretHash: g.Hash,
		Scopes: auth.FormatScopes(scopes), CreateTime: now.UTC()})
}

// CreateProject stores a project.
func CreateProject(ctx context.Context, s *store.Store, name string, now time.Time) (store.Project, error) {
	p := store.Project{ID: auth.NewID("proj_"), DisplayName: name, CreateTime: now.UTC(), UpdateTime: now.UTC()}
	return p, s.CreateProject(ctx, p)
}
