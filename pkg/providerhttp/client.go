// Package providerhttp is the HTTP client every connector calls its provider
// with, and the passthrough proxy too. It injects credentials, traces each
// call as a client span, retries reads (never writes) on transport errors,
// 5xx and 429 within a bounded budget, honours Retry-After, caps response
// sizes, refuses private addresses unless allowed, and maps failures to the
// API's errors: 401 → CONNECTION_NEEDS_REAUTH, 429 → PROVIDER_RATE_LIMITED
// with RetryInfo, 5xx → PROVIDER_UNAVAILABLE, ...
package providerhttp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/telemetry"
)

// Policy bounds retries, waits and sizes.
type Policy struct {
	// MaxAttempts is how many times a read is tried in all; writes are tried once.
	MaxAttempts int
	// BaseBackoff and MaxBackoff bound the jittered exponential backoff between attempts.
	BaseBackoff, MaxBackoff time.Duration
	// RateLimitBudget is the longest a read may wait in all on 429s before
	// PROVIDER_RATE_LIMITED is returned to the caller.
	RateLimitBudget time.Duration
	// AttemptTimeout bounds one attempt.
	AttemptTimeout time.Duration
	// MaxResponseBytes caps a response body.
	MaxResponseBytes int64
}

// DefaultPolicy is what connectors get unless they say otherwise.
func DefaultPolicy() Policy {
	return Policy{
		MaxAttempts:      3,
		BaseBackoff:      200 * time.Millisecond,
		MaxBackoff:       5 * time.Second,
		RateLimitBudget:  10 * time.Second,
		AttemptTimeout:   30 * time.Second,
		MaxResponseBytes: 32 << 20,
	}
}

// FactoryOptions configure a Factory.
type FactoryOptions struct {
	TracerProvider trace.TracerProvider
	// AllowPrivateNetworks lets providers live on loopback and private
	// addresses: on for the embedded mode and tests, whose emulators listen
	// on 127.0.0.1; off in the mesh, where it would open an SSRF path into
	// the cluster.
	AllowPrivateNetworks bool
	// Policy is the default policy of the clients made.
	Policy Policy
	// UserAgent is sent on every request.
	UserAgent string
}

// Factory makes per-connection clients sharing one connection pool and one
// instrumented transport.
type Factory struct {
	http      *http.Client
	policy    Policy
	userAgent string
}

// NewFactory builds a factory.
func NewFactory(opts FactoryOptions) *Factory {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !opts.AllowPrivateNetworks {
		dialer.Control = RefusePrivate
	}
	base := &http.Transport{
		Proxy:                 nil, // providers are reached directly; no proxy env can redirect credentials
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          512,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	transport := otelhttp.NewTransport(authTransport{next: base},
		otelhttp.WithTracerProvider(opts.TracerProvider),
		otelhttp.WithPropagators(telemetry.Propagator()),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
			if name, ok := r.Context().Value(integrationKey{}).(string); ok {
				return "provider " + name + " " + r.Method
			}
			return "provider " + r.Method
		}),
	)
	p := opts.Policy
	if p.MaxAttempts == 0 {
		p = DefaultPolicy()
	}
	ua := opts.UserAgent
	if ua == "" {
		ua = "Unimesh/" + telemetry.Version
	}
	return &Factory{
		http: &http.Client{
			Transport: transport,
			// Redirects are followed only to the same host: a provider must not be
			// able to send our credentials, or our caller, elsewhere.
			CheckRedirect: func(req *http.Request, via []*http.Request) error {
				if len(via) >= 5 {
					return errors.New("too many redirects")
				}
				if req.URL.Host != via[0].URL.Host {
					return http.ErrUseLastResponse
				}
				return nil
			},
		},
		policy:    p,
		userAgent: ua,
	}
}

type integrationKey struct{}

// RefusePrivate stops connections to loopback, private, link-local and
// unspecified addresses, checked on the resolved address so that DNS cannot
// smuggle one in.
func RefusePrivate(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip := net.ParseIP(host)
	if ip == nil || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() {
		return fmt.Errorf("provider address %s is not a public address", host)
	}
	return nil
}

// Hooks adapt a client to one provider's habits.
type Hooks struct {
	// RetryAfter reads how long to wait from a 429 response; the default
	// reads Retry-After (seconds or an HTTP date).
	RetryAfter func(h http.Header, now time.Time) (time.Duration, bool)
	// OnUnauthorized is told when the provider refuses the credentials (401).
	OnUnauthorized func(ctx context.Context, detail string)
	// Describe turns an error response into words for the error message,
	// such as the provider's own error message. It must not return secrets.
	Describe func(resp *Response) string
	// Classify returns the status code an answer stands for, where the
	// provider's own says something else: Salesforce answers 403
	// REQUEST_LIMIT_EXCEEDED for a rate limit. It returns resp.StatusCode
	// when the code is to be taken as it is.
	Classify func(resp *Response) int
	// Reauthorize is asked for fresh credentials when the provider answers
	// 401, for credentials that can be renewed (an OAuth access token with
	// a refresh token). The request is then sent once more with what it
	// returns, whatever its method: a 401 means the provider did nothing.
	// An error from it is returned to the caller as it is.
	Reauthorize func(ctx context.Context) (Authorizer, error)
}

// authBox holds a client's current authorizer: a reauthorization replaces
// it for every later request of the client and its copies.
type authBox struct {
	mu sync.Mutex
	fn Authorizer
}

func (b *authBox) get() Authorizer {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.fn
}

func (b *authBox) set(fn Authorizer) {
	b.mu.Lock()
	b.fn = fn
	b.mu.Unlock()
}

// Client calls one provider for one connection.
type Client struct {
	f           *Factory
	base        *url.URL
	auth        *authBox
	hooks       Hooks
	policy      Policy
	integration string
}

// Client returns a client for the provider at baseURL, authenticating with auth.
func (f *Factory) Client(integration, baseURL string, auth Authorizer, hooks Hooks) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, apierr.New(codes.FailedPrecondition, apierr.ReasonProviderError,
			fmt.Sprintf("%s: the connection's base URL is not an http(s) URL", integration))
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawQuery, u.Fragment, u.User = "", "", nil
	return &Client{f: f, base: u, auth: &authBox{fn: auth}, hooks: hooks, policy: f.policy, integration: integration}, nil
}

// WithPolicy returns a copy of c with another policy.
func (c *Client) WithPolicy(p Policy) *Client {
	cc := *c
	cc.policy = p
	return &cc
}

// BaseURL is the provider base URL the client resolves paths against.
func (c *Client) BaseURL() *url.URL { u := *c.base; return &u }

// Request is one call to the provider.
type Request struct {
	Method string
	// Path is appended to the base URL's path; it must start with '/'.
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
	// Read marks a request that changes nothing whatever its method, such
	// as HubSpot's search (a POST), so that it is retried like a GET.
	Read bool
}

// Response is the provider's answer, with its body read.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
}

// Error is a provider failure mapped to the API's error. It keeps the
// response, so that a connector can read the provider's error body (field
// errors, codes) and answer something more precise.
type Error struct {
	Response *Response
	status   *status.Status
}

func (e *Error) Error() string { return e.status.Err().Error() }

// GRPCStatus makes the error a gRPC status as it is.
func (e *Error) GRPCStatus() *status.Status { return e.status }

// ResolveURL joins path (and query) to the base URL. The result always stays
// on the provider's host and under its base path.
func (c *Client) ResolveURL(p string, q url.Values) (*url.URL, error) {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
		return nil, fmt.Errorf("provider path %q must start with a single '/'", p)
	}
	rel, err := url.Parse(p)
	if err != nil || rel.Scheme != "" || rel.Host != "" || rel.User != nil {
		return nil, fmt.Errorf("provider path %q is not a relative path", p)
	}
	clean := path.Clean("/" + rel.Path)
	if hasDotDot(rel.Path) {
		return nil, fmt.Errorf("provider path %q leaves the base path", p)
	}
	u := *c.base
	u.Path = c.base.Path + clean
	if strings.HasSuffix(rel.Path, "/") && clean != "/" {
		u.Path += "/"
	}
	u.RawPath = ""
	if rel.RawPath != "" {
		u.RawPath = c.base.EscapedPath() + rel.EscapedPath()
	}
	merged := rel.Query()
	for k, vs := range q {
		for _, v := range vs {
			merged.Add(k, v)
		}
	}
	u.RawQuery = merged.Encode()
	if u.Host != c.base.Host {
		return nil, fmt.Errorf("provider path %q leaves the provider's host", p)
	}
	return &u, nil
}

func hasDotDot(p string) bool {
	for seg := range strings.SplitSeq(p, "/") {
		if seg == ".." {
			return true
		}
		if dec, err := url.PathUnescape(seg); err == nil && (dec == ".." || strings.Contains(dec, "/")) {
			return true
		}
	}
	return false
}

func isRead(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

// Do sends req, retrying reads as the policy allows, and maps any non-2xx
// answer to an *Error.
func (c *Client) Do(ctx context.Context, req Request) (*Response, error) {
	resp, err := c.send(ctx, req, true)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, nil
	}
	return nil, c.mapError(ctx, resp)
}

// Raw sends req once, with no retry and no mapping of the status code: the
// passthrough proxy hands the provider's answer back as it is.
func (c *Client) Raw(ctx context.Context, req Request) (*Response, error) {
	return c.send(ctx, req, false)
}

func (c *Client) send(ctx context.Context, req Request, retry bool) (*Response, error) {
	u, err := c.ResolveURL(req.Path, req.Query)
	if err != nil {
		return nil, apierr.New(codes.Internal, apierr.ReasonInternal, "bad provider path")
	}
	ctx = context.WithValue(ctx, integrationKey{}, c.integration)
	authorized := withAuthorizer(ctx, c.auth.get())
	reauthorized := false
	attempts := 1
	if retry && (req.Read || isRead(req.Method)) {
		attempts = max(1, c.policy.MaxAttempts)
	}
	var (
		waitedOnLimits time.Duration
		lastErr        error
	)
	for attempt := 0; ; attempt++ {
		resp, err := c.attempt(authorized, u, req)
		if err == nil && resp.StatusCode == http.StatusUnauthorized && c.hooks.Reauthorize != nil && !reauthorized {
			reauthorized = true
			fresh, rerr := c.hooks.Reauthorize(ctx)
			if rerr != nil {
				return nil, rerr
			}
			c.auth.set(fresh)
			authorized = withAuthorizer(ctx, fresh)
			attempt--
			continue
		}
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return nil, status.FromContextError(ctx.Err()).Err()
			}
			if errors.Is(err, errTooLarge) {
				return nil, apierr.New(codes.FailedPrecondition, apierr.ReasonProviderResponseTooBig,
					fmt.Sprintf("%s answered more than %d bytes", c.integration, c.policy.MaxResponseBytes), "integration", c.integration)
			}
			lastErr = apierr.New(codes.Unavailable, apierr.ReasonProviderUnavailable,
				fmt.Sprintf("%s could not be reached", c.integration), "integration", c.integration)
		case !retry:
			return resp, nil
		case c.status(resp) == http.StatusTooManyRequests:
			wait, _ := c.retryAfter(resp.Header)
			lastErr = c.mapError(ctx, resp)
			if attempt+1 >= attempts || waitedOnLimits+wait > c.policy.RateLimitBudget {
				return nil, lastErr
			}
			waitedOnLimits += wait
			if !sleep(ctx, max(wait, c.backoff(attempt))) {
				return nil, status.FromContextError(ctx.Err()).Err()
			}
			continue
		case c.status(resp) >= 500:
			lastErr = c.mapError(ctx, resp)
			if c.status(resp) == http.StatusNotImplemented {
				return resp, nil
			}
		default:
			return resp, nil
		}
		if attempt+1 >= attempts {
			return nil, lastErr
		}
		if !sleep(ctx, c.backoff(attempt)) {
			return nil, status.FromContextError(ctx.Err()).Err()
		}
	}
}

// status is the status code resp stands for.
func (c *Client) status(resp *Response) int {
	if c.hooks.Classify != nil {
		return c.hooks.Classify(resp)
	}
	return resp.StatusCode
}

var errTooLarge = errors.New("response too large")

func (c *Client) attempt(ctx context.Context, u *url.URL, req Request) (*Response, error) {
	actx, cancel := context.WithTimeout(ctx, c.policy.AttemptTimeout)
	defer cancel()
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hr, err := http.NewRequestWithContext(actx, req.Method, u.String(), body)
	if err != nil {
		return nil, err
	}
	for k, vs := range req.Header {
		for _, v := range vs {
			hr.Header.Add(k, v)
		}
	}
	if hr.Header.Get("User-Agent") == "" {
		hr.Header.Set("User-Agent", c.f.userAgent)
	}
	if req.Body != nil && hr.Header.Get("Content-Type") == "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	if hr.Header.Get("Accept") == "" {
		hr.Header.Set("Accept", "application/json")
	}
	trace.SpanFromContext(ctx).SetAttributes(attribute.String("unimesh.integration", c.integration))
	hresp, err := c.f.http.Do(hr)
	if err != nil {
		return nil, err
	}
	defer hresp.Body.Close()
	limit := c.policy.MaxResponseBytes
	b, err := io.ReadAll(io.LimitReader(hresp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, errTooLarge
	}
	return &Response{StatusCode: hresp.StatusCode, Header: hresp.Header, Body: b}, nil
}

func (c *Client) backoff(attempt int) time.Duration {
	ceiling := c.policy.BaseBackoff << attempt
	if ceiling > c.policy.MaxBackoff || ceiling <= 0 {
		ceiling = c.policy.MaxBackoff
	}
	if ceiling <= 0 {
		return 0
	}
	// Full jitter: replicas that failed together do not retry together.
	return time.Duration(rand.Int64N(int64(ceiling)) + 1)
}

func (c *Client) retryAfter(h http.Header) (time.Duration, bool) {
	if c.hooks.RetryAfter != nil {
		if d, ok := c.hooks.RetryAfter(h, time.Now()); ok {
			return d, true
		}
	}
	return RetryAfter(h, time.Now())
}

// RetryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil && secs >= 0 {
		return time.Duration(secs * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, t.Sub(now)), true
	}
	return 0, false
}

func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// mapError maps a non-2xx answer to the API's error.
func (c *Client) mapError(ctx context.Context, resp *Response) error {
	detail := ""
	if c.hooks.Describe != nil {
		detail = c.hooks.Describe(resp)
	}
	msg := func(base string) string {
		if detail != "" {
			return base + ": " + detail
		}
		return base
	}
	md := []string{"integration", c.integration, "provider_status", strconv.Itoa(resp.StatusCode)}
	var st *status.Status
	switch code := c.status(resp); {
	case code == http.StatusUnauthorized:
		if c.hooks.OnUnauthorized != nil {
			c.hooks.OnUnauthorized(ctx, msg("the provider answered 401"))
		}
		st = status.Convert(apierr.New(codes.FailedPrecondition, apierr.ReasonConnectionNeedsReauth,
			msg(c.integration+" refused the connection's credentials; the end user must connect again"), md...))
	case code == http.StatusForbidden:
		st = status.Convert(apierr.New(codes.PermissionDenied, apierr.ReasonProviderPermission,
			msg(c.integration+" denied access with the connection's credentials"), md...))
	case code == http.StatusNotFound:
		st = status.Convert(apierr.NotFound(apierr.ReasonRecordNotFound, msg(c.integration+" has no such record"), md...))
	case code == http.StatusTooManyRequests:
		wait, _ := c.retryAfter(resp.Header)
		st = status.Convert(apierr.RateLimited(apierr.ReasonProviderRateLimited,
			msg(c.integration+" rate limit reached"), wait, md...))
	case code >= 500:
		st = status.Convert(apierr.New(codes.Unavailable, apierr.ReasonProviderUnavailable,
			msg(fmt.Sprintf("%s answered %d", c.integration, code)), md...))
	case code == http.StatusBadRequest || code == http.StatusUnprocessableEntity:
		st = status.Convert(apierr.New(codes.InvalidArgument, apierr.ReasonProviderRejected,
			msg(c.integration+" rejected the request"), md...))
	case code == http.StatusConflict:
		// A conflict is the record's state refusing the change (a paid
		// invoice, a closed application), not a malformed request.
		st = status.Convert(apierr.New(codes.FailedPrecondition, apierr.ReasonProviderRejected,
			msg(c.integration+" refused the change in the record's current state"), md...))
	default:
		st = status.Convert(apierr.New(codes.FailedPrecondition, apierr.ReasonProviderError,
			msg(fmt.Sprintf("%s answered %d", c.integration, code)), md...))
	}
	return &Error{Response: resp, status: st}
}

// JSON sends a request with an optional JSON body and decodes a JSON answer
// into out (when out is not nil).
func (c *Client) JSON(ctx context.Context, method, p string, q url.Values, in, out any) error {
	req := Request{Method: method, Path: p, Query: q}
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode %s request: %w", c.integration, err)
		}
		req.Body = b
	}
	resp, err := c.Do(ctx, req)
	if err != nil {
		return err
	}
	if out == nil || len(resp.Body) == 0 {
		return nil
	}
	if err := json.Unmarshal(resp.Body, out); err != nil {
		return apierr.New(codes.Unavailable, apierr.ReasonProviderError,
			fmt.Sprintf("%s answered a body that is not the JSON expected", c.integration), "integration", c.integration)
	}
	return nil
}

// HTTPClient is the factory's instrumented client, for protocols spoken
// beside a provider's API, such as its OAuth token endpoint: it keeps the
// same private-address guard, redirect rule and tracing. Name the
// integration on the context with ForIntegration to name its spans.
func (f *Factory) HTTPClient() *http.Client { return f.http }

// ForIntegration returns ctx naming the integration that requests made
// with it go to, for span names.
func ForIntegration(ctx context.Context, integration string) context.Context {
	return context.WithValue(ctx, integrationKey{}, integration)
}
