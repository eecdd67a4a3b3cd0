package connect

import (
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/providerhttp"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

// Headers a passthrough request may not set: credentials are the server's
// to inject, and routing and framing headers are the transport's.
var refusedRequestHeaders = map[string]bool{
	"authorization": true, "proxy-authorization": true, "cookie": true, "host": true, "connection": true,
	"keep-alive": true, "transfer-encoding": true, "te": true, "trailer": true, "upgrade": true,
	"content-length": true, "forwarded": true, "x-forwarded-for": true, "x-forwarded-host": true,
	"x-forwarded-proto": true, "x-real-ip": true, "proxy-connection": true,
}

// Headers never handed back: hop-by-hop ones, and cookies set for the
// connection's session at the provider.
var droppedResponseHeaders = map[string]bool{
	"connection": true, "keep-alive": true, "transfer-encoding": true, "te": true, "trailer": true, "upgrade": true,
	"proxy-authenticate": true, "set-cookie": true, "content-length": true, "www-authenticate": true,
}

// MaxPassthroughResponse caps what a passthrough call may bring back.
const MaxPassthroughResponse = 10 << 20

func refused(field, msg string) error {
	return apierr.InvalidArgument(apierr.ReasonPassthroughRefused, msg,
		apierr.FieldViolation{Field: field, Description: msg, Reason: apierr.ReasonPassthroughRefused})
}

// Passthrough implements platformv1.PassthroughServiceServer.
func (s *Service) Passthrough(ctx context.Context, req *platformv1.PassthroughRequest) (*platformv1.PassthroughResponse, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	row, cred, _, err := s.live(ctx, p.ProjectID, req.GetConnection())
	if err != nil {
		return nil, err
	}
	if err := connector.Usable(row.ID, platformv1.ConnectionStatus(row.Status)); err != nil {
		return nil, err
	}
	d, _, err := s.integration(row.Integration)
	if err != nil {
		return nil, err
	}
	base, err := d.ResolveBaseURL(row.Config)
	if err != nil {
		return nil, refused("connection", err.Error())
	}
	authorize, err := d.Auth(cred)
	if err != nil {
		return nil, err
	}
	hooks := d.Hooks
	if o := cred.GetOauth2(); o.GetRefreshToken() != "" {
		refused := tokenSHA(o.GetAccessToken())
		hooks.Reauthorize = func(ctx context.Context) (providerhttp.Authorizer, error) {
			fresh, _, err := s.renew(ctx, p.ProjectID, row.ID, renewal{refusedSHA: refused})
			if err != nil {
				return nil, err
			}
			return d.Auth(fresh)
		}
	}
	client, err := s.http.Client(d.Slug, base, authorize, hooks)
	if err != nil {
		return nil, err
	}
	policy := providerhttp.DefaultPolicy()
	policy.MaxResponseBytes = MaxPassthroughResponse
	client = client.WithPolicy(policy)

	// The path must stay under the provider's base URL: no scheme or host,
	// no "..", no backslashes that some servers read as slashes.
	path := req.GetPath()
	if strings.Contains(path, "\\") || strings.ContainsAny(path, "\r\n\t ") {
		return nil, refused("path", "path contains characters that are not allowed")
	}
	if u, err := url.Parse(path); err != nil || u.IsAbs() || u.Host != "" || strings.HasPrefix(path, "//") {
		return nil, refused("path", "path must be relative to the provider's base URL, such as /v1/contacts")
	}
	if _, err := client.ResolveURL(path, nil); err != nil {
		return nil, refused("path", "path leaves the provider's base URL")
	}
	hreq := providerhttp.Request{Method: req.GetMethod(), Path: path, Header: http.Header{}, Query: url.Values{}}
	for k, v := range req.GetQuery() {
		hreq.Query.Set(k, v)
	}
	for k, v := range req.GetHeaders() {
		if refusedRequestHeaders[strings.ToLower(k)] {
			return nil, refused("headers", "header "+k+" cannot be set on a passthrough request")
		}
		hreq.Header.Set(k, v)
	}
	switch b := req.GetBody().(type) {
	case *platformv1.PassthroughRequest_Json:
		raw, err := protojson.Marshal(b.Json)
		if err != nil {
			return nil, refused("json", "json body is not valid")
		}
		hreq.Body = raw
		if hreq.Header.Get("Content-Type") == "" {
			hreq.Header.Set("Content-Type", "application/json")
		}
	case *platformv1.PassthroughRequest_Text:
		hreq.Body = []byte(b.Text)
		if hreq.Header.Get("Content-Type") == "" {
			hreq.Header.Set("Content-Type", "text/plain; charset=utf-8")
		}
	case *platformv1.PassthroughRequest_Binary:
		hreq.Body = b.Binary
		if hreq.Header.Get("Content-Type") == "" {
			hreq.Header.Set("Content-Type", "application/octet-stream")
		}
	}
	if hreq.Header.Get("Accept") == "" {
		hreq.Header.Set("Accept", "*/*")
	}
	resp, err := client.Raw(ctx, hreq)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusUnauthorized {
		if err := s.markNeedsReauth(ctx, p.ProjectID, row.ID, "the provider answered 401 to a passthrough request"); err != nil {
			s.logger.WarnContext(ctx, "mark connection needs re-auth", "error", err.Error())
		}
	}
	s.logger.InfoContext(ctx, "passthrough", "connection", row.ID, "method", req.GetMethod(), "status", resp.StatusCode)
	return passthroughResponse(resp), nil
}

func passthroughResponse(resp *providerhttp.Response) *platformv1.PassthroughResponse {
	out := &platformv1.PassthroughResponse{StatusCode: int32(resp.StatusCode), Headers: map[string]string{}}
	for k, vs := range resp.Header {
		if !droppedResponseHeaders[strings.ToLower(k)] && len(vs) > 0 {
			out.Headers[k] = strings.Join(vs, ", ")
		}
	}
	if len(resp.Body) == 0 {
		return out
	}
	mediaType, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	isJSON := mediaType == "application/json" || strings.HasSuffix(mediaType, "+json")
	switch {
	case isJSON && json.Valid(resp.Body):
		v := &structpb.Value{}
		if err := protojson.Unmarshal(resp.Body, v); err == nil {
			out.Body = &platformv1.PassthroughResponse_Json{Json: v}
			return out
		}
		out.Body = &platformv1.PassthroughResponse_Text{Text: string(resp.Body)}
	case utf8.Valid(resp.Body) && (strings.HasPrefix(mediaType, "text/") || isJSON || mediaType == "" || strings.HasSuffix(mediaType, "xml")):
		out.Body = &platformv1.PassthroughResponse_Text{Text: string(resp.Body)}
	default:
		out.Body = &platformv1.PassthroughResponse_Binary{Binary: resp.Body}
	}
	return out
}
