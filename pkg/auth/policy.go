package auth

import (
	"context"
	"crypto/subtle"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"

	"github.com/unimesh/unimesh/pkg/apierr"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

// InternalTokenHeader carries the mesh's internal token on calls between
// Unimesh services.
const InternalTokenHeader = "x-unimesh-internal-token"

type principalKey struct{}

// NewContext returns ctx carrying p.
func NewContext(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the caller of the current request.
func FromContext(ctx context.Context) (*Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(*Principal)
	return p, ok && p != nil
}

// Verifier resolves an API key to its principal. It answers UNAUTHENTICATED
// with reason API_KEY_INVALID for any key it does not know.
type Verifier interface {
	Verify(ctx context.Context, apiKey string) (*Principal, error)
}

// RequiredScope is the scope a unified or platform method needs, by AIP
// naming: Get and List read; every other method writes; API keys need ADMIN.
func RequiredScope(fullMethod string) platformv1.Scope {
	service, method := splitMethod(fullMethod)
	if strings.HasSuffix(service, ".ProjectService") && strings.Contains(method, "ApiKey") {
		return platformv1.Scope_SCOPE_ADMIN
	}
	// OAuth apps hold the project's client secrets at its providers.
	if strings.HasSuffix(service, ".OAuthAppService") {
		return platformv1.Scope_SCOPE_ADMIN
	}
	// A webhook endpoint receives every matching record in full: choosing
	// where they go is the project owner's decision.
	if strings.HasSuffix(service, ".WebhookService") {
		return platformv1.Scope_SCOPE_ADMIN
	}
	if strings.HasPrefix(method, "Get") || strings.HasPrefix(method, "List") {
		return platformv1.Scope_SCOPE_READ
	}
	return platformv1.Scope_SCOPE_WRITE
}

func splitMethod(fullMethod string) (service, method string) {
	s := strings.TrimPrefix(fullMethod, "/")
	service, method, _ = strings.Cut(s, "/")
	return service, method
}

// Policy decides who may call what on one gRPC server.
type Policy struct {
	// Verifier resolves API keys; nil refuses every API-key call.
	Verifier Verifier
	// InternalToken is the mesh's shared secret for internal methods. Empty
	// refuses every internal call.
	InternalToken string
}

// IsPublic reports methods anyone may call: health checks and reflection.
func IsPublic(fullMethod string) bool {
	return strings.HasPrefix(fullMethod, "/grpc.health.v1.") || strings.HasPrefix(fullMethod, "/grpc.reflection.")
}

// IsInternal reports the mesh-only methods.
func IsInternal(fullMethod string) bool {
	return strings.HasPrefix(fullMethod, "/unimesh.mesh.")
}

// Authorize checks the caller of fullMethod and returns the context to serve it with.
func (p *Policy) Authorize(ctx context.Context, fullMethod string) (context.Context, error) {
	if IsPublic(fullMethod) {
		return ctx, nil
	}
	md, _ := metadata.FromIncomingContext(ctx)
	if IsInternal(fullMethod) {
		got := first(md, InternalTokenHeader)
		if p.InternalToken == "" || subtle.ConstantTimeCompare([]byte(got), []byte(p.InternalToken)) != 1 {
			return nil, apierr.New(codes.PermissionDenied, apierr.ReasonPermissionDenied, "internal method")
		}
		return ctx, nil
	}
	if project := first(md, ActAsProjectHeader); project != "" {
		return p.authorizeInternalReader(ctx, md, fullMethod, project)
	}
	key, ok := BearerToken(first(md, "authorization"))
	if !ok {
		return nil, apierr.New(codes.Unauthenticated, apierr.ReasonUnauthenticated,
			"missing API key: send it as 'Authorization: Bearer <key>'")
	}
	if p.Verifier == nil {
		return nil, apierr.New(codes.Unauthenticated, apierr.ReasonAPIKeyInvalid, "API keys are not accepted here")
	}
	principal, err := p.Verifier.Verify(ctx, key)
	if err != nil {
		return nil, err
	}
	need := RequiredScope(fullMethod)
	if !principal.Allows(need) {
		return nil, apierr.New(codes.PermissionDenied, apierr.ReasonPermissionDenied,
			"the API key lacks the "+strings.ToLower(strings.TrimPrefix(need.String(), "SCOPE_"))+" scope",
			"required_scope", strings.ToLower(strings.TrimPrefix(need.String(), "SCOPE_")))
	}
	if slot, ok := ctx.Value(slotKey{}).(*Slot); ok {
		slot.Principal = principal
	}
	return NewContext(ctx, principal), nil
}

// ActAsProjectHeader names the project a mesh service reads for, with the
// internal token, on a unified API method.
const ActAsProjectHeader = "x-unimesh-act-as-project"

// ActAsProject returns ctx with outgoing metadata that makes a call, on a
// connection carrying the internal token, read as the project.
func ActAsProject(ctx context.Context, projectID string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, ActAsProjectHeader, projectID)
}

// authorizeInternalReader admits a mesh service reading for a project: it
// needs the internal token, and gets the READ scope only, so a leaked
// project id alone is worth nothing and the mesh can never write as a
// project this way.
func (p *Policy) authorizeInternalReader(ctx context.Context, md metadata.MD, fullMethod, project string) (context.Context, error) {
	got := first(md, InternalTokenHeader)
	if p.InternalToken == "" || subtle.ConstantTimeCompare([]byte(got), []byte(p.InternalToken)) != 1 {
		return nil, apierr.New(codes.PermissionDenied, apierr.ReasonPermissionDenied, "acting for a project is internal")
	}
	if RequiredScope(fullMethod) != platformv1.Scope_SCOPE_READ {
		return nil, apierr.New(codes.PermissionDenied, apierr.ReasonPermissionDenied, "an internal caller may only read for a project")
	}
	principal := &Principal{ProjectID: project, Scopes: []platformv1.Scope{platformv1.Scope_SCOPE_READ}, Internal: true}
	if slot, ok := ctx.Value(slotKey{}).(*Slot); ok {
		slot.Principal = principal
	}
	return NewContext(ctx, principal), nil
}

// BearerToken extracts the token of an "Authorization: Bearer <token>" value.
func BearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

func first(md metadata.MD, key string) string {
	if v := md.Get(key); len(v) > 0 {
		return v[0]
	}
	return ""
}

// UnaryInterceptor enforces the policy on unary calls.
func (p *Policy) UnaryInterceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		ctx, err := p.Authorize(ctx, info.FullMethod)
		if err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

// StreamInterceptor enforces the policy on streaming calls.
func (p *Policy) StreamInterceptor() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx, err := p.Authorize(ss.Context(), info.FullMethod)
		if err != nil {
			return err
		}
		return handler(srv, &wrappedStream{ServerStream: ss, ctx: ctx})
	}
}

type wrappedStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (w *wrappedStream) Context() context.Context { return w.ctx }

// InternalToken returns per-RPC credentials that attach the mesh's internal
// token to every call of a client connection.
func InternalToken(token string) credentials.PerRPCCredentials { return internalToken(token) }

type internalToken string

func (t internalToken) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{InternalTokenHeader: string(t)}, nil
}

func (internalToken) RequireTransportSecurity() bool { return false }

// ForwardAPIKey returns ctx with the caller's API key as outgoing metadata,
// for a hop that must authenticate as the same caller.
func ForwardAPIKey(ctx context.Context, apiKey string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+apiKey)
}

type slotKey struct{}

// Slot receives the principal of a call once it is authenticated, for
// interceptors that run before authentication (the per-call log line).
type Slot struct{ Principal *Principal }

// WithSlot returns ctx with an empty slot that Authorize will fill.
func WithSlot(ctx context.Context) (context.Context, *Slot) {
	s := &Slot{}
	return context.WithValue(ctx, slotKey{}, s), s
}
