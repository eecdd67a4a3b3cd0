package hubspotemu

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unimesh/unimesh/pkg/emulator/oauthemu"
)

const (
	oauthClientID = "5f0c1b7e-1d2a-4c3b-9e8f-0a1b2c3d4e5f"
	oauthSecret   = "hs-app-secret"
	oauthRedirect = "https://unimesh.example/oauth/callback"
	oauthVerifier = "Qm3pL8vN1xR6tY0wZ4aS7dF2gH5jK9lC3bV6nM0qE1r"
	oauthScope    = "oauth crm.objects.contacts.read crm.objects.deals.read"
)

type oauthClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *oauthClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *oauthClock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type oauthEnv struct {
	t     *testing.T
	e     *Emulator
	url   string
	clock *oauthClock
}

func serveOAuth(t *testing.T) *oauthEnv {
	t.Helper()
	ck := &oauthClock{t: time.Date(2026, 2, 3, 14, 0, 0, 0, time.UTC)}
	e := New(Options{Token: token, Seed: true, Now: ck.now,
		OAuthClients: []oauthemu.Client{{ID: oauthClientID, Secret: oauthSecret, Name: "Unimesh", RedirectURIs: []string{oauthRedirect}}}})
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return &oauthEnv{t: t, e: e, url: srv.URL, clock: ck}
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// consent opens the install page for scope and answers it; it returns
// where the browser is sent.
func (o *oauthEnv) consent(scope, decision string) *url.URL {
	o.t.Helper()
	sum := sha256.Sum256([]byte(oauthVerifier))
	q := url.Values{"client_id": {oauthClientID}, "redirect_uri": {oauthRedirect}, "scope": {scope}, "state": {"s1"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	resp, err := noRedirect.Get(o.url + "/oauth/authorize?" + q.Encode())
	if err != nil {
		o.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// A request in error redirects at once; a good one shows the page.
	if resp.StatusCode == http.StatusOK {
		if !strings.Contains(string(b), `id="allow"`) || !strings.Contains(string(b), "Avery Admin") {
			o.t.Fatalf("consent page: %s", b)
		}
		q.Set("decision", decision)
		if resp, err = noRedirect.PostForm(o.url+"/oauth/authorize", q); err != nil {
			o.t.Fatal(err)
		}
		resp.Body.Close()
	}
	u, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || u.Query().Get("state") != "s1" {
		o.t.Fatalf("consent answer: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	return u
}

type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (o *oauthEnv) send(method, path string, form url.Values, bearer string) reply {
	o.t.Helper()
	var rd io.Reader
	if form != nil {
		rd = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, o.url+path, rd)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		o.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, raw: string(b)}
	_ = json.Unmarshal(b, &r.body)
	return r
}

func codeGrant(code string) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "client_id": {oauthClientID}, "client_secret": {oauthSecret},
		"redirect_uri": {oauthRedirect}, "code": {code}, "code_verifier": {oauthVerifier}}
}

func refreshGrant(rt string) url.Values {
	return url.Values{"grant_type": {"refresh_token"}, "client_id": {oauthClientID}, "client_secret": {oauthSecret},
		"redirect_uri": {oauthRedirect}, "refresh_token": {rt}}
}

// tokens consents and exchanges the code.
func (o *oauthEnv) tokens() (access, refresh string) {
	o.t.Helper()
	r := o.send("POST", "/oauth/v1/token", codeGrant(o.consent(oauthScope, "allow").Query().Get("code")), "")
	if r.status != 200 {
		o.t.Fatalf("token: %d %s", r.status, r.raw)
	}
	return r.body["access_token"].(string), r.body["refresh_token"].(string)
}

func (o *oauthEnv) api(tok string) reply {
	o.t.Helper()
	return o.send("GET", "/crm/v3/objects/contacts?limit=1", nil, tok)
}

func keysOf(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// wantOAuthError checks the OAuth v1 error body.
func wantOAuthError(t *testing.T, r reply, status int, code string) {
	t.Helper()
	if r.status != status || r.body["status"] != code || r.body["message"] == "" ||
		!reflect.DeepEqual(keysOf(r.body), []string{"correlationId", "message", "status"}) {
		t.Fatalf("got %d %s, want %d %s", r.status, r.raw, status, code)
	}
}

func TestOAuthCodeFlowRefreshAndAPI(t *testing.T) {
	o := serveOAuth(t)
	r := o.send("POST", "/oauth/v1/token", codeGrant(o.consent(oauthScope, "allow").Query().Get("code")), "")
	if r.status != 200 || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("token: %d %s", r.status, r.raw)
	}
	if want := []string{"access_token", "expires_in", "hub_id", "refresh_token", "scopes", "token_type"}; !reflect.DeepEqual(keysOf(r.body), want) {
		t.Errorf("token answer keys %v, want %v", keysOf(r.body), want)
	}
	at, rt := r.body["access_token"].(string), r.body["refresh_token"].(string)
	if r.body["token_type"] != "bearer" || r.body["expires_in"] != 1800.0 || r.body["hub_id"] != float64(PortalID) ||
		!reflect.DeepEqual(r.body["scopes"], []any{"oauth", "crm.objects.contacts.read", "crm.objects.deals.read"}) ||
		!regexp.MustCompile(`^na1-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(rt) {
		t.Errorf("token answer: %s", r.raw)
	}
	if api := o.api(at); api.status != 200 || api.header.Get("X-HubSpot-RateLimit-Max") == "" {
		t.Fatalf("API with the access token: %d %s", api.status, api.raw)
	}

	info := o.send("GET", "/oauth/v1/access-tokens/"+url.PathEscape(at), nil, "")
	if info.status != 200 || info.body["token"] != at || info.body["hub_id"] != float64(PortalID) || info.body["user"] != "admin@northwind-demo.example" ||
		info.body["user_id"] != 5120001.0 || info.body["token_type"] != "access" || info.body["expires_in"] != 1800.0 || info.body["app_id"] == nil ||
		!reflect.DeepEqual(info.body["scopes"], []any{"oauth", "crm.objects.contacts.read", "crm.objects.deals.read"}) {
		t.Errorf("access token info: %s", info.raw)
	}
	if ri := o.send("GET", "/oauth/v1/refresh-tokens/"+rt, nil, ""); ri.status != 200 || ri.body["client_id"] != oauthClientID || ri.body["token_type"] != "refresh" {
		t.Errorf("refresh token info: %s", ri.raw)
	}

	// Thirty minutes on: EXPIRED_AUTHENTICATION, which the existing Expire helper also answers.
	o.clock.advance(40 * time.Minute)
	exp := o.api(at)
	if exp.status != 401 || exp.body["category"] != "EXPIRED_AUTHENTICATION" ||
		exp.body["message"] != "The OAuth token used to make this call expired 10 minute(s) ago." {
		t.Fatalf("expired token: %d %s", exp.status, exp.raw)
	}
	checkError(t, exp.body, "EXPIRED_AUTHENTICATION")
	if i := o.send("GET", "/oauth/v1/access-tokens/"+at, nil, ""); i.status != 404 {
		t.Errorf("expired token info: %d", i.status)
	}

	n := o.send("POST", "/oauth/v1/token", refreshGrant(rt), "")
	if n.status != 200 || n.body["refresh_token"] != rt || n.body["access_token"] == at || n.body["token_type"] != "bearer" {
		t.Fatalf("refresh: %s", n.raw)
	}
	if api := o.api(n.body["access_token"].(string)); api.status != 200 {
		t.Fatalf("API with the refreshed token: %d", api.status)
	}
	if s := o.e.OAuth.Stats(); s.CodeExchanges != 1 || s.Refreshes != 1 || s.FailedRefreshes != 0 {
		t.Errorf("stats: %+v", s)
	}
}

func TestOAuthTokenErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		form   func(o *oauthEnv, code string) url.Values
		status string
	}{
		{"unknown refresh token", func(o *oauthEnv, code string) url.Values { return refreshGrant("na1-0000") }, "BAD_REFRESH_TOKEN"},
		{"forged code", func(o *oauthEnv, code string) url.Values { return codeGrant("forged") }, "BAD_AUTH_CODE"},
		{"used code", func(o *oauthEnv, code string) url.Values {
			o.send("POST", "/oauth/v1/token", codeGrant(code), "")
			return codeGrant(code)
		}, "BAD_AUTH_CODE"},
		{"expired code", func(o *oauthEnv, code string) url.Values {
			o.clock.advance(10 * time.Minute)
			return codeGrant(code)
		}, "EXPIRED_AUTH_CODE"},
		{"PKCE verifier wrong", func(o *oauthEnv, code string) url.Values {
			f := codeGrant(code)
			f.Set("code_verifier", strings.Repeat("b", 43))
			return f
		}, "BAD_AUTH_CODE"},
		{"wrong secret", func(o *oauthEnv, code string) url.Values {
			f := codeGrant(code)
			f.Set("client_secret", "nope")
			return f
		}, "BAD_CLIENT_SECRET"},
		{"unknown client", func(o *oauthEnv, code string) url.Values {
			f := codeGrant(code)
			f.Set("client_id", "nobody")
			return f
		}, "BAD_CLIENT_ID"},
		{"other redirect_uri", func(o *oauthEnv, code string) url.Values {
			f := codeGrant(code)
			f.Set("redirect_uri", "https://unimesh.example/elsewhere")
			return f
		}, "BAD_REDIRECT_URI"},
		{"unsupported grant", func(o *oauthEnv, code string) url.Values {
			f := codeGrant(code)
			f.Set("grant_type", "client_credentials")
			return f
		}, "BAD_GRANT_TYPE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := serveOAuth(t)
			code := o.consent(oauthScope, "allow").Query().Get("code")
			wantOAuthError(t, o.send("POST", "/oauth/v1/token", tc.form(o, code), ""), 400, tc.status)
		})
	}
}

func TestOAuthDeletedRefreshToken(t *testing.T) {
	o := serveOAuth(t)
	at, rt := o.tokens()
	if r := o.send("DELETE", "/oauth/v1/refresh-tokens/"+rt, nil, ""); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.raw)
	}
	// "Access tokens generated with the refresh token will not be affected."
	if api := o.api(at); api.status != 200 {
		t.Fatalf("access token after the delete: %d", api.status)
	}
	o.clock.advance(OAuthAccessTTL)
	exp := o.api(at)
	checkError(t, exp.body, "EXPIRED_AUTHENTICATION")
	wantOAuthError(t, o.send("POST", "/oauth/v1/token", refreshGrant(rt), ""), 400, "BAD_REFRESH_TOKEN")
	wantOAuthError(t, o.send("DELETE", "/oauth/v1/refresh-tokens/"+rt, nil, ""), 404, "NOT_FOUND")
	wantOAuthError(t, o.send("GET", "/oauth/v1/refresh-tokens/"+rt, nil, ""), 404, "NOT_FOUND")
}

func TestOAuthRevokedAndUnknownTokens(t *testing.T) {
	o := serveOAuth(t)
	at, rt := o.tokens()
	unknown := o.api("CNmadeUp")
	if unknown.status != 401 {
		t.Fatalf("unknown token: %d", unknown.status)
	}
	checkError(t, unknown.body, "INVALID_AUTHENTICATION")
	if r := o.send("POST", "/_emulator/oauth/revoke", nil, ""); r.status != 200 || r.body["revoked"] != 1.0 {
		t.Fatalf("revoke control: %s", r.raw)
	}
	o.clock.advance(OAuthAccessTTL)
	revoked := o.api(at)
	if revoked.status != 401 {
		t.Fatalf("revoked token: %d", revoked.status)
	}
	checkError(t, revoked.body, "INVALID_AUTHENTICATION")
	wantOAuthError(t, o.send("POST", "/oauth/v1/token", refreshGrant(rt), ""), 400, "BAD_REFRESH_TOKEN")
	if s := o.send("GET", "/_emulator/oauth/stats", nil, ""); s.body["failed_refreshes"] != 1.0 || s.body["active_grants"] != 0.0 {
		t.Errorf("stats: %s", s.raw)
	}
}

func TestOAuthAuthorizeErrors(t *testing.T) {
	o := serveOAuth(t)
	if u := o.consent("oauth crm.objects.everything.write", "allow"); u.Query().Get("error") != "invalid_scope" {
		t.Errorf("unknown scope: %s", u)
	}
	if u := o.consent(oauthScope, "deny"); u.Query().Get("error") != "access_denied" || u.Query().Has("code") {
		t.Errorf("deny: %s", u)
	}
	page := o.send("GET", "/oauth/authorize?client_id=nobody&redirect_uri="+url.QueryEscape(oauthRedirect), nil, "")
	if page.status != 400 || page.header.Get("Location") != "" {
		t.Errorf("unknown client: %d %v", page.status, page.header)
	}
}
