package providerhttp

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/unimesh/unimesh/pkg/apierr"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

func testFactory(t *testing.T, allowPrivate bool) (*Factory, *tracetest.SpanRecorder) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	p := DefaultPolicy()
	p.BaseBackoff, p.MaxBackoff, p.RateLimitBudget = time.Millisecond, 5*time.Millisecond, 200*time.Millisecond
	return NewFactory(FactoryOptions{TracerProvider: tp, AllowPrivateNetworks: allowPrivate, Policy: p}), rec
}

func apiKey(k string) *platformv1.Credentials {
	return &platformv1.Credentials{Kind: &platformv1.Credentials_ApiKey{ApiKey: &platformv1.ApiKeyCredentials{Key: k}}}
}

func client(t *testing.T, f *Factory, srv *httptest.Server, scheme Scheme, hooks Hooks) *Client {
	t.Helper()
	auth, err := scheme(apiKey("sekret-123"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.Client("acme", srv.URL+"/api", auth, hooks)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCredentialsReachProviderButNotSpans(t *testing.T) {
	f, rec := testFactory(t, true)
	var gotQuery, gotPath string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotQuery, gotPath = r.URL.Query().Get("api_token"), r.URL.Path
		w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	c := client(t, f, srv, QueryAPIKey("api_token"), Hooks{})
	var out struct{ OK bool }
	if err := c.JSON(context.Background(), http.MethodGet, "/v1/things", nil, nil, &out); err != nil || !out.OK {
		t.Fatalf("JSON = %v, %+v", err, out)
	}
	if gotQuery != "sekret-123" || gotPath != "/api/v1/things" {
		t.Fatalf("provider saw token %q path %q", gotQuery, gotPath)
	}
	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans, want 1", len(spans))
	}
	if spans[0].Name() != "provider acme GET" {
		t.Errorf("span name = %q", spans[0].Name())
	}
	for _, kv := range spans[0].Attributes() {
		if strings.Contains(kv.Value.Emit(), "sekret") {
			t.Fatalf("span attribute %s leaks the credential: %s", kv.Key, kv.Value.Emit())
		}
	}
}

func TestReadsRetryWritesDoNot(t *testing.T) {
	f, _ := testFactory(t, true)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	c := client(t, f, srv, BearerAPIKey(), Hooks{})
	if _, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/x"}); err != nil {
		t.Fatalf("read after two 503s: %v", err)
	}
	if n := hits.Load(); n != 3 {
		t.Fatalf("read tried %d times, want 3", n)
	}
	hits.Store(0)
	_, err := c.Do(context.Background(), Request{Method: http.MethodPost, Path: "/x", Body: []byte(`{}`)})
	if apierr.Reason(err) != apierr.ReasonProviderUnavailable || status.Code(err) != codes.Unavailable {
		t.Fatalf("write on 503: %v", err)
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("write sent %d times, want exactly 1", n)
	}
}

func TestRateLimitHonoursRetryAfterThenGivesUp(t *testing.T) {
	f, _ := testFactory(t, true)
	var hits atomic.Int32
	limitFor := int32(1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) <= atomic.LoadInt32(&limitFor) {
			w.Header().Set("Retry-After", "0.05")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	c := client(t, f, srv, BearerAPIKey(), Hooks{})
	start := time.Now()
	if _, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/x"}); err != nil {
		t.Fatalf("read after one 429: %v", err)
	}
	if time.Since(start) < 50*time.Millisecond {
		t.Fatal("Retry-After was not honoured")
	}
	hits.Store(0)
	atomic.StoreInt32(&limitFor, 100)
	_, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/x"})
	if apierr.Reason(err) != apierr.ReasonProviderRateLimited || status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("err = %v", err)
	}
	if d, ok := apierr.RetryDelay(err); !ok || d != 50*time.Millisecond {
		t.Fatalf("RetryInfo = %v, %v", d, ok)
	}
	if n := hits.Load(); n > 3 {
		t.Fatalf("%d attempts: the retry budget was not bounded", n)
	}
}

func TestUnauthorizedMarksReauth(t *testing.T) {
	f, _ := testFactory(t, true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"error":"token expired"}`))
	}))
	defer srv.Close()
	var told string
	c := client(t, f, srv, BearerAPIKey(), Hooks{
		OnUnauthorized: func(_ context.Context, d string) { told = d },
		Describe:       func(r *Response) string { return "token expired" },
	})
	_, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/x"})
	if apierr.Reason(err) != apierr.ReasonConnectionNeedsReauth || status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(told, "token expired") {
		t.Fatalf("OnUnauthorized told %q", told)
	}
	var pe *Error
	if !errorAs(err, &pe) || pe.Response.StatusCode != 401 {
		t.Fatal("the provider response is not kept on the error")
	}
}

func TestStatusMapping(t *testing.T) {
	cases := []struct {
		status int
		code   codes.Code
		reason string
	}{
		{400, codes.InvalidArgument, apierr.ReasonProviderRejected},
		{403, codes.PermissionDenied, apierr.ReasonProviderPermission},
		{404, codes.NotFound, apierr.ReasonRecordNotFound},
		{422, codes.InvalidArgument, apierr.ReasonProviderRejected},
		{409, codes.FailedPrecondition, apierr.ReasonProviderRejected},
		{418, codes.FailedPrecondition, apierr.ReasonProviderError},
		{502, codes.Unavailable, apierr.ReasonProviderUnavailable},
	}
	f, _ := testFactory(t, true)
	for _, tc := range cases {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(tc.status) }))
		c := client(t, f, srv, BearerAPIKey(), Hooks{})
		_, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/x"})
		if status.Code(err) != tc.code || apierr.Reason(err) != tc.reason {
			t.Errorf("%d: got %v / %s, want %v / %s", tc.status, status.Code(err), apierr.Reason(err), tc.code, tc.reason)
		}
		srv.Close()
	}
}

func TestResponseSizeCap(t *testing.T) {
	f, _ := testFactory(t, true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("x", 2048)))
	}))
	defer srv.Close()
	c := client(t, f, srv, BearerAPIKey(), Hooks{})
	p := c.policy
	p.MaxResponseBytes = 1024
	_, err := c.WithPolicy(p).Do(context.Background(), Request{Method: http.MethodGet, Path: "/x"})
	if apierr.Reason(err) != apierr.ReasonProviderResponseTooBig {
		t.Fatalf("err = %v", err)
	}
}

func TestResolveURLStaysOnProvider(t *testing.T) {
	f, _ := testFactory(t, true)
	c, err := f.Client("acme", "https://acme.example.com/api/v2", nil, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	ok := map[string]string{
		"/deals":             "https://acme.example.com/api/v2/deals",
		"/deals/12?limit=5":  "https://acme.example.com/api/v2/deals/12?limit=5",
		"/a/./b":             "https://acme.example.com/api/v2/a/b",
		"/search/a%20b/":     "https://acme.example.com/api/v2/search/a%20b/",
		"/a%2fb":             "https://acme.example.com/api/v2/a%2fb",
		"/deals?x=%2F..%2F.": "https://acme.example.com/api/v2/deals?x=%2F..%2F.",
	}
	for in, want := range ok {
		u, err := c.ResolveURL(in, nil)
		if err != nil || u.String() != want {
			t.Errorf("ResolveURL(%q) = %v, %v; want %s", in, u, err, want)
		}
	}
	for _, bad := range []string{"deals", "//evil.com/x", "https://evil.com/x", "/../secrets", "/a/../../b", "/%2e%2e/x", "/%252e%252e/x", "/..%2F..%2Fadmin", "/@evil.com"} {
		u, err := c.ResolveURL(bad, nil)
		if err == nil && u.Host != "acme.example.com" {
			t.Errorf("ResolveURL(%q) = %v: left the provider", bad, u)
		} else if err == nil && bad != "/@evil.com" {
			t.Errorf("ResolveURL(%q) = %v, want refusal", bad, u)
		}
	}
}

func TestPrivateAddressesRefusedUnlessAllowed(t *testing.T) {
	f, _ := testFactory(t, false)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	c := client(t, f, srv, BearerAPIKey(), Hooks{})
	_, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/x"})
	if apierr.Reason(err) != apierr.ReasonProviderUnavailable || hits.Load() != 0 {
		t.Fatalf("loopback provider reached with private networks refused: err=%v hits=%d", err, hits.Load())
	}
}

func TestCrossHostRedirectNotFollowed(t *testing.T) {
	f, _ := testFactory(t, true)
	var evilHits atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { evilHits.Add(1) }))
	defer evil.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, strings.Replace(evil.URL, "127.0.0.1", "localhost", 1)+"/steal", http.StatusFound)
	}))
	defer srv.Close()
	c := client(t, f, srv, BearerAPIKey(), Hooks{})
	resp, err := c.Raw(context.Background(), Request{Method: http.MethodGet, Path: "/x"})
	if err != nil || resp.StatusCode != http.StatusFound || evilHits.Load() != 0 {
		t.Fatalf("redirect followed to another host: resp=%v err=%v hits=%d", resp, err, evilHits.Load())
	}
}

func TestRetryAfterForms(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h := http.Header{}
	h.Set("Retry-After", "7")
	if d, ok := RetryAfter(h, now); !ok || d != 7*time.Second {
		t.Errorf("seconds: %v %v", d, ok)
	}
	h.Set("Retry-After", now.Add(30*time.Second).Format(http.TimeFormat))
	if d, ok := RetryAfter(h, now); !ok || d != 30*time.Second {
		t.Errorf("date: %v %v", d, ok)
	}
	h.Set("Retry-After", "soon")
	if _, ok := RetryAfter(h, now); ok {
		t.Error("garbage accepted")
	}
}

func TestClassifyTurnsAProviderStatusIntoARateLimit(t *testing.T) {
	f, _ := testFactory(t, true)
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(`[{"errorCode":"REQUEST_LIMIT_EXCEEDED","message":"TotalRequests Limit exceeded."}]`))
	}))
	defer srv.Close()
	hooks := Hooks{Classify: func(resp *Response) int {
		if resp.StatusCode == http.StatusForbidden && strings.Contains(string(resp.Body), "REQUEST_LIMIT_EXCEEDED") {
			return http.StatusTooManyRequests
		}
		return resp.StatusCode
	}}
	c := client(t, f, srv, BearerAPIKey(), hooks)
	err := c.JSON(context.Background(), http.MethodGet, "/x", nil, nil, nil)
	if apierr.Reason(err) != apierr.ReasonProviderRateLimited || status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("err = %v", err)
	}
	if n := calls.Load(); n != 3 {
		t.Fatalf("a read limited by the provider was tried %d times, want 3", n)
	}
	calls.Store(0)
	err = c.JSON(context.Background(), http.MethodPost, "/x", nil, map[string]any{}, nil)
	if apierr.Reason(err) != apierr.ReasonProviderRateLimited || calls.Load() != 1 {
		t.Fatalf("write: %v after %d calls", err, calls.Load())
	}
}

func TestOAuthBearer(t *testing.T) {
	a, err := OAuthBearer()(&platformv1.Credentials{Kind: &platformv1.Credentials_Oauth2{Oauth2: &platformv1.OAuth2Credentials{AccessToken: "tok-1"}}})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	a(r)
	if got := r.Header.Get("Authorization"); got != "Bearer tok-1" {
		t.Fatalf("Authorization = %q", got)
	}
	if _, err := OAuthBearer()(apiKey("k")); apierr.Reason(err) != apierr.ReasonCredentialsMismatch {
		t.Fatalf("an API key taken as OAuth: %v", err)
	}
}

func TestAReadByPostIsRetried(t *testing.T) {
	f, _ := testFactory(t, true)
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.Write([]byte(`{"results":[]}`))
	}))
	defer srv.Close()
	c := client(t, f, srv, BearerAPIKey(), Hooks{})
	if _, err := c.Do(context.Background(), Request{Method: http.MethodPost, Path: "/search", Body: []byte(`{}`), Read: true}); err != nil {
		t.Fatalf("a search by POST after two 502s: %v", err)
	}
	if n := calls.Load(); n != 3 {
		t.Fatalf("%d calls, want 3", n)
	}
}

// A 401 on renewable credentials asks for fresh ones once and resends the
// request with them, a write included; a second 401 is final.
func TestReauthorizeResendsOnceWithFreshCredentials(t *testing.T) {
	f, _ := testFactory(t, true)
	var good atomic.Value
	good.Store("fresh-1")
	var seen atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Add(1)
		if r.Header.Get("Authorization") != "Bearer "+good.Load().(string) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	var renewals, told atomic.Int32
	hooks := Hooks{
		OnUnauthorized: func(context.Context, string) { told.Add(1) },
		Reauthorize: func(context.Context) (Authorizer, error) {
			renewals.Add(1)
			return OAuthBearer()(&platformv1.Credentials{Kind: &platformv1.Credentials_Oauth2{Oauth2: &platformv1.OAuth2Credentials{AccessToken: "fresh-1"}}})
		},
	}
	c := client(t, f, srv, BearerAPIKey(), hooks)
	if _, err := c.Do(context.Background(), Request{Method: http.MethodPost, Path: "/x", Body: []byte(`{}`)}); err != nil {
		t.Fatalf("write after reauthorization: %v", err)
	}
	if renewals.Load() != 1 || seen.Load() != 2 {
		t.Fatalf("renewals %d, requests %d; want 1 and 2", renewals.Load(), seen.Load())
	}
	// The client keeps the fresh credentials for its next requests.
	if _, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/y"}); err != nil || renewals.Load() != 1 {
		t.Fatalf("second request: %v, renewals %d", err, renewals.Load())
	}
	// Fresh credentials refused too: one renewal, then NEEDS_REAUTH.
	good.Store("never")
	_, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/z"})
	if apierr.Reason(err) != apierr.ReasonConnectionNeedsReauth || renewals.Load() != 2 || told.Load() != 1 {
		t.Fatalf("err %v, renewals %d, told %d", err, renewals.Load(), told.Load())
	}
	// A renewal that fails is the answer.
	failing := hooks
	failing.Reauthorize = func(context.Context) (Authorizer, error) {
		return nil, apierr.New(codes.FailedPrecondition, apierr.ReasonConnectionNeedsReauth, "refresh token revoked")
	}
	c2 := client(t, f, srv, BearerAPIKey(), failing)
	if _, err := c2.Do(context.Background(), Request{Method: http.MethodGet, Path: "/x"}); !strings.Contains(err.Error(), "refresh token revoked") {
		t.Fatalf("err = %v", err)
	}
}
