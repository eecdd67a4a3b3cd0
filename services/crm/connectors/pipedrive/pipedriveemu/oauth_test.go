package pipedriveemu

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unimesh/unimesh/pkg/emulator/oauthemu"
)

const (
	oauthClientID = "pd-app-1"
	oauthSecret   = "pd-app-secret"
	oauthRedirect = "https://unimesh.example/oauth/callback"
	oauthVerifier = "k9aT2vXoP5wQ8rL1mN4bC7dF0gH3jK6sU9yE2iO5pA8"
)

type oauthClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *oauthClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *oauthClock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// startOAuth runs a seeded emulator with one registered app, on a clock
// the test moves.
func startOAuth(t *testing.T) (*Emulator, *httptest.Server, *oauthClock) {
	t.Helper()
	ck := &oauthClock{t: fixedNow}
	e := New(Options{Token: token, Seed: true, Now: ck.now, RateLimit: 1 << 20,
		OAuthClients: []oauthemu.Client{{ID: oauthClientID, Secret: oauthSecret, Name: "Unimesh", RedirectURIs: []string{oauthRedirect}}}})
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return e, srv, ck
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// consent opens the authorization page and answers it; it returns the
// callback URL the browser is sent to.
func consent(t *testing.T, srv *httptest.Server, decision string) *url.URL {
	t.Helper()
	sum := sha256.Sum256([]byte(oauthVerifier))
	q := url.Values{"client_id": {oauthClientID}, "redirect_uri": {oauthRedirect}, "state": {"xyz"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	page, err := http.Get(srv.URL + "/oauth/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if page.StatusCode != 200 || !strings.Contains(string(b), `id="allow"`) || !strings.Contains(string(b), "Pipedrive") {
		t.Fatalf("consent page: %d %s", page.StatusCode, b)
	}
	q.Set("decision", decision)
	resp, err := noRedirect.PostForm(srv.URL+"/oauth/authorize", q)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	u, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(u.String(), oauthRedirect+"?") || u.Query().Get("state") != "xyz" {
		t.Fatalf("consent answer: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	return u
}

// tokenCall posts to /oauth/token with HTTP Basic client credentials.
func tokenCall(t *testing.T, srv *httptest.Server, form url.Values, secret string) response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(oauthClientID, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := response{status: resp.StatusCode, header: resp.Header, raw: string(b)}
	_ = json.Unmarshal(b, &out.body)
	return out
}

func codeGrant(code string) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {oauthRedirect}, "code_verifier": {oauthVerifier}}
}

func refreshGrant(rt string) url.Values {
	return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
}

// bearer calls the API with an OAuth access token.
func bearer(t *testing.T, srv *httptest.Server, tok string) response {
	t.Helper()
	return call(t, srv, "GET", "/api/v2/persons?limit=1", "", "x-api-token", "", "Authorization", "Bearer "+tok)
}

// wantOAuthError checks the emulator's token error body.
func wantOAuthError(t *testing.T, r response, status int, code, msg string) {
	t.Helper()
	if r.status != status || r.body["success"] != false || r.body["error"] != code || r.body["message"] != msg {
		t.Fatalf("got %d %s, want %d %s %q", r.status, r.raw, status, code, msg)
	}
}

func TestOAuthCodeFlowRefreshAndAPI(t *testing.T) {
	e, srv, _ := startOAuth(t)
	code := consent(t, srv, "allow").Query().Get("code")
	r := tokenCall(t, srv, codeGrant(code), oauthSecret)
	if r.status != 200 || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("token: %d %s", r.status, r.raw)
	}
	keys := make([]string, 0, len(r.body))
	for k := range r.body {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if want := []string{"access_token", "api_domain", "expires_in", "refresh_token", "scope", "token_type"}; !reflect.DeepEqual(keys, want) {
		t.Errorf("token answer keys %v, want %v", keys, want)
	}
	at, rt := r.body["access_token"].(string), r.body["refresh_token"].(string)
	if r.body["token_type"] != "Bearer" || r.body["expires_in"] != 3599.0 || r.body["api_domain"] != "https://sandbox.pipedrive.com" ||
		r.body["scope"] != "base,deals:full,activities:full,contacts:full,leads:full,users:read" ||
		!strings.HasPrefix(at, "v1u:") || !strings.HasPrefix(rt, "13452001:") {
		t.Errorf("token answer: %s", r.raw)
	}
	if api := bearer(t, srv, at); api.status != 200 || api.header.Get("x-ratelimit-limit") == "" {
		t.Fatalf("API with the access token: %d %s", api.status, api.raw)
	}
	// An OAuth token is a bearer token only.
	wantError(t, call(t, srv, "GET", "/api/v2/persons?api_token="+url.QueryEscape(at), "", "x-api-token", ""), 401, "unauthorized access")

	// Expired: the API's 401; a refresh gives a working token and the same refresh token.
	if n := e.OAuth.ExpireAccessTokens(); n != 1 {
		t.Fatalf("expired %d", n)
	}
	wantError(t, bearer(t, srv, at), 401, "unauthorized access")
	n := tokenCall(t, srv, refreshGrant(rt), oauthSecret)
	if n.status != 200 || n.body["refresh_token"] != rt || n.body["api_domain"] != "https://sandbox.pipedrive.com" || n.body["access_token"] == at {
		t.Fatalf("refresh: %s", n.raw)
	}
	if api := bearer(t, srv, n.body["access_token"].(string)); api.status != 200 {
		t.Fatalf("API with the refreshed token: %d", api.status)
	}
	if s := e.OAuth.Stats(); s.CodeExchanges != 1 || s.Refreshes != 1 {
		t.Errorf("stats: %+v", s)
	}
}

func TestOAuthTokenErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		req     func(ck *oauthClock, code string) (url.Values, string)
		status  int
		errCode string
		msg     string
	}{
		{"wrong secret", func(_ *oauthClock, code string) (url.Values, string) { return codeGrant(code), "nope" },
			401, "invalid_client", "Invalid client: client is invalid"},
		{"unknown code", func(_ *oauthClock, code string) (url.Values, string) { return codeGrant("forged"), oauthSecret },
			400, "invalid_grant", "Invalid grant: authorization_code is invalid"},
		{"code older than 5 minutes", func(ck *oauthClock, code string) (url.Values, string) {
			ck.advance(5 * time.Minute)
			return codeGrant(code), oauthSecret
		}, 400, "invalid_grant", "Invalid grant: authorization_code has expired"},
		{"redirect_uri differs", func(_ *oauthClock, code string) (url.Values, string) {
			f := codeGrant(code)
			f.Set("redirect_uri", "https://unimesh.example/other")
			return f, oauthSecret
		}, 400, "invalid_request", "Invalid request: redirect_uri is invalid"},
		{"redirect_uri missing", func(_ *oauthClock, code string) (url.Values, string) {
			f := codeGrant(code)
			f.Del("redirect_uri")
			return f, oauthSecret
		}, 400, "invalid_request", "Invalid request: redirect_uri is not a valid URI"},
		{"PKCE verifier wrong", func(_ *oauthClock, code string) (url.Values, string) {
			f := codeGrant(code)
			f.Set("code_verifier", strings.Repeat("a", 43))
			return f, oauthSecret
		}, 400, "invalid_grant", "Invalid grant: code_verifier is invalid"},
		{"no grant_type", func(_ *oauthClock, code string) (url.Values, string) { return url.Values{"code": {code}}, oauthSecret },
			400, "invalid_request", "Missing parameter: grant_type"},
		{"exchange_api_token grant", func(_ *oauthClock, code string) (url.Values, string) {
			return url.Values{"grant_type": {"exchange_api_token"}}, oauthSecret
		}, 400, "unsupported_grant_type", "Unsupported grant type: grant_type is invalid"},
		{"unknown refresh token", func(_ *oauthClock, code string) (url.Values, string) {
			return refreshGrant("13452001:1:nope"), oauthSecret
		},
			400, "invalid_grant", "Invalid grant: refresh_token is invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, srv, ck := startOAuth(t)
			code := consent(t, srv, "allow").Query().Get("code")
			form, secret := tc.req(ck, code)
			wantOAuthError(t, tokenCall(t, srv, form, secret), tc.status, tc.errCode, tc.msg)
		})
	}
}

func TestOAuthRevokedGrant(t *testing.T) {
	e, srv, ck := startOAuth(t)
	r := tokenCall(t, srv, codeGrant(consent(t, srv, "allow").Query().Get("code")), oauthSecret)
	at, rt := r.body["access_token"].(string), r.body["refresh_token"].(string)
	// The app is uninstalled: the emulator control stands for it.
	resp, err := http.Post(srv.URL+"/_emulator/oauth/revoke", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.TrimSpace(string(b)) != `{"revoked":1}` {
		t.Fatalf("revoke control: %d %s", resp.StatusCode, b)
	}
	ck.advance(OAuthAccessTTL)
	wantError(t, bearer(t, srv, at), 401, "unauthorized access")
	wantOAuthError(t, tokenCall(t, srv, refreshGrant(rt), oauthSecret), 400, "invalid_grant", "Invalid grant: refresh_token is invalid")
	if s := e.OAuth.Stats(); s.FailedRefreshes != 1 || s.ActiveGrants != 0 {
		t.Errorf("stats: %+v", s)
	}
}

func TestOAuthAccessTokenLifetimeAndIdleRefresh(t *testing.T) {
	_, srv, ck := startOAuth(t)
	r := tokenCall(t, srv, codeGrant(consent(t, srv, "allow").Query().Get("code")), oauthSecret)
	at, rt := r.body["access_token"].(string), r.body["refresh_token"].(string)
	ck.advance(OAuthAccessTTL - time.Second)
	if api := bearer(t, srv, at); api.status != 200 {
		t.Fatalf("token died early: %d", api.status)
	}
	ck.advance(time.Second)
	wantError(t, bearer(t, srv, at), 401, "unauthorized access")
	ck.advance(OAuthRefreshIdleTTL)
	wantOAuthError(t, tokenCall(t, srv, refreshGrant(rt), oauthSecret), 400, "invalid_grant", "Invalid grant: refresh_token is invalid")
}

func TestOAuthDeny(t *testing.T) {
	_, srv, _ := startOAuth(t)
	u := consent(t, srv, "deny")
	if u.Query().Get("error") != "user_denied" || u.Query().Has("code") {
		t.Fatalf("deny: %s", u)
	}
}
