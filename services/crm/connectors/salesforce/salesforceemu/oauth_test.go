package salesforceemu

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unimesh/unimesh/pkg/emulator/oauthemu"
)

const (
	oauthClientID = "3MVG9emulatorConsumerKey"
	oauthSecret   = "sf-consumer-secret"
	oauthRedirect = "https://unimesh.example/oauth/callback"
	oauthVerifier = "Zx8cV2bN5mQ1wE4rT7yU0iO3pA6sD9fG2hJ5kL8zX1c"
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

func serveOAuth(t *testing.T, opts Options) *oauthEnv {
	t.Helper()
	ck := &oauthClock{t: time.Date(2026, 1, 12, 8, 0, 0, 0, time.UTC)}
	opts.Token, opts.Seed, opts.Now = testToken, true, ck.now
	opts.OAuthClients = []oauthemu.Client{{ID: oauthClientID, Secret: oauthSecret, Name: "Unimesh", RedirectURIs: []string{oauthRedirect}}}
	e := New(opts)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return &oauthEnv{t: t, e: e, url: srv.URL, clock: ck}
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func authorizeQuery(scope string) url.Values {
	sum := sha256.Sum256([]byte(oauthVerifier))
	// No code_challenge_method: Salesforce takes the challenge as S256.
	return url.Values{"response_type": {"code"}, "client_id": {oauthClientID}, "redirect_uri": {oauthRedirect},
		"scope": {scope}, "state": {"sf-state"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}}
}

// consent runs the authorization page with q; it returns where the
// browser is sent.
func (o *oauthEnv) consent(q url.Values, decision string) *url.URL {
	o.t.Helper()
	resp, err := noRedirect.Get(o.url + "/services/oauth2/authorize?" + q.Encode())
	if err != nil {
		o.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		if !strings.Contains(string(b), `id="allow"`) || !strings.Contains(string(b), "Integration User") {
			o.t.Fatalf("consent page: %s", b)
		}
		q.Set("decision", decision)
		if resp, err = noRedirect.PostForm(o.url+"/services/oauth2/authorize", q); err != nil {
			o.t.Fatal(err)
		}
		resp.Body.Close()
	}
	u, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || u.Query().Get("state") != "sf-state" {
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
	return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {oauthClientID},
		"client_secret": {oauthSecret}, "redirect_uri": {oauthRedirect}, "code_verifier": {oauthVerifier}}
}

func refreshGrant(rt string) url.Values {
	return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {oauthClientID}, "client_secret": {oauthSecret}}
}

func (o *oauthEnv) token(form url.Values) reply {
	o.t.Helper()
	return o.send("POST", "/services/oauth2/token", form, "")
}

// tokens consents to scope and exchanges the code.
func (o *oauthEnv) tokens(scope string) reply {
	o.t.Helper()
	r := o.token(codeGrant(o.consent(authorizeQuery(scope), "allow").Query().Get("code")))
	if r.status != 200 {
		o.t.Fatalf("token: %d %s", r.status, r.raw)
	}
	return r
}

func (o *oauthEnv) api(tok string) reply {
	o.t.Helper()
	return o.send("GET", dataPath+"/limits", nil, tok)
}

func keysOf(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// wantSessionInvalid checks the REST API's 401.
func wantSessionInvalid(t *testing.T, r reply) {
	t.Helper()
	if r.status != 401 || !strings.Contains(r.raw, `"errorCode":"INVALID_SESSION_ID"`) {
		t.Fatalf("got %d %s, want 401 INVALID_SESSION_ID", r.status, r.raw)
	}
}

// wantOAuthError checks the OAuth endpoints' error body.
func wantOAuthError(t *testing.T, r reply, code, desc string) {
	t.Helper()
	if r.status != 400 || r.body["error"] != code || r.body["error_description"] != desc || len(r.body) != 2 {
		t.Fatalf("got %d %s, want 400 %s %q", r.status, r.raw, code, desc)
	}
}

func TestOAuthWebServerFlow(t *testing.T) {
	o := serveOAuth(t, Options{})
	u := o.consent(authorizeQuery("api refresh_token"), "allow")
	code := u.Query().Get("code")
	if !strings.HasPrefix(code, "aPrx") || !strings.HasSuffix(code, "==") || !strings.Contains(u.RawQuery, "%3D%3D") {
		t.Errorf("code %q (query %s)", code, u.RawQuery)
	}
	r := o.token(codeGrant(code))
	if r.status != 200 || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("token: %d %s", r.status, r.raw)
	}
	if want := []string{"access_token", "id", "instance_url", "issued_at", "refresh_token", "scope", "signature", "token_type"}; !reflect.DeepEqual(keysOf(r.body), want) {
		t.Errorf("token answer keys %v, want %v", keysOf(r.body), want)
	}
	at, rt := r.body["access_token"].(string), r.body["refresh_token"].(string)
	id := "https://login.salesforce.com/id/" + o.e.org + "/" + o.e.apiUser
	issuedAt := strconv.FormatInt(o.clock.now().UnixMilli(), 10)
	mac := hmac.New(sha256.New, []byte(oauthSecret))
	mac.Write([]byte(id + issuedAt))
	if r.body["id"] != id || r.body["issued_at"] != issuedAt || r.body["token_type"] != "Bearer" || r.body["scope"] != "api refresh_token" ||
		r.body["instance_url"] != DefaultInstanceURL || r.body["signature"] != base64.StdEncoding.EncodeToString(mac.Sum(nil)) ||
		!strings.HasPrefix(at, o.e.org[:15]+"!AQ") || !strings.HasPrefix(o.e.org, "00D") || !strings.HasPrefix(rt, "5Aep861") {
		t.Errorf("token answer: %s", r.raw)
	}
	if api := o.api(at); api.status != 200 || api.header.Get("Sforce-Limit-Info") == "" {
		t.Fatalf("API with the access token: %d %s", api.status, api.raw)
	}

	// The session times out after two hours.
	o.clock.advance(DefaultOAuthAccessTTL - time.Second)
	if api := o.api(at); api.status != 200 {
		t.Fatalf("session ended early: %d", api.status)
	}
	o.clock.advance(time.Second)
	wantSessionInvalid(t, o.api(at))

	n := o.token(refreshGrant(rt))
	if want := []string{"access_token", "id", "instance_url", "issued_at", "scope", "signature", "token_type"}; n.status != 200 || !reflect.DeepEqual(keysOf(n.body), want) {
		t.Fatalf("refresh: %d %s", n.status, n.raw)
	}
	if api := o.api(n.body["access_token"].(string)); api.status != 200 {
		t.Fatalf("API with the refreshed token: %d", api.status)
	}
	if s := o.e.OAuth.Stats(); s.CodeExchanges != 1 || s.Refreshes != 1 {
		t.Errorf("stats: %+v", s)
	}
}

func TestOAuthTokenErrors(t *testing.T) {
	for _, tc := range []struct {
		name      string
		form      func(o *oauthEnv, code string) url.Values
		err, desc string
	}{
		{"unknown refresh token", func(o *oauthEnv, code string) url.Values { return refreshGrant("5Aep861nope") },
			"invalid_grant", "expired access/refresh token"},
		{"used code", func(o *oauthEnv, code string) url.Values {
			o.token(codeGrant(code))
			return codeGrant(code)
		}, "invalid_grant", "invalid authorization code"},
		{"code older than 15 minutes", func(o *oauthEnv, code string) url.Values {
			o.clock.advance(OAuthCodeTTL)
			return codeGrant(code)
		}, "invalid_grant", "expired authorization code"},
		{"PKCE verifier wrong", func(o *oauthEnv, code string) url.Values {
			f := codeGrant(code)
			f.Set("code_verifier", strings.Repeat("c", 43))
			return f
		}, "invalid_grant", "invalid code verifier"},
		{"unknown client", func(o *oauthEnv, code string) url.Values {
			f := codeGrant(code)
			f.Set("client_id", "3MVG9nobody")
			return f
		}, "invalid_client_id", "client identifier invalid"},
		{"wrong secret", func(o *oauthEnv, code string) url.Values {
			f := codeGrant(code)
			f.Set("client_secret", "nope")
			return f
		}, "invalid_client", "invalid client credentials"},
		{"other redirect_uri", func(o *oauthEnv, code string) url.Values {
			f := codeGrant(code)
			f.Set("redirect_uri", "https://unimesh.example/elsewhere")
			return f
		}, "redirect_uri_mismatch", "redirect_uri must match configuration"},
		{"password grant", func(o *oauthEnv, code string) url.Values {
			return url.Values{"grant_type": {"password"}, "client_id": {oauthClientID}, "client_secret": {oauthSecret}}
		}, "unsupported_grant_type", "grant type not supported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := serveOAuth(t, Options{})
			code := o.consent(authorizeQuery("api refresh_token"), "allow").Query().Get("code")
			wantOAuthError(t, o.token(tc.form(o, code)), tc.err, tc.desc)
		})
	}
}

func TestOAuthRevoke(t *testing.T) {
	t.Run("refresh token: the grant goes", func(t *testing.T) {
		o := serveOAuth(t, Options{})
		r := o.tokens("api refresh_token")
		at, rt := r.body["access_token"].(string), r.body["refresh_token"].(string)
		if rv := o.send("POST", "/services/oauth2/revoke", url.Values{"token": {rt}}, ""); rv.status != 200 || rv.raw != "" {
			t.Fatalf("revoke: %d %s", rv.status, rv.raw)
		}
		wantSessionInvalid(t, o.api(at))
		o.clock.advance(DefaultOAuthAccessTTL)
		wantSessionInvalid(t, o.api(at))
		wantOAuthError(t, o.token(refreshGrant(rt)), "invalid_grant", "expired access/refresh token")
		wantOAuthError(t, o.send("POST", "/services/oauth2/revoke", url.Values{"token": {rt}}, ""), "invalid_token", "invalid token")
	})
	t.Run("access token: alone", func(t *testing.T) {
		o := serveOAuth(t, Options{})
		r := o.tokens("api refresh_token")
		at, rt := r.body["access_token"].(string), r.body["refresh_token"].(string)
		if rv := o.send("GET", "/services/oauth2/revoke?token="+url.QueryEscape(at), nil, ""); rv.status != 200 {
			t.Fatalf("blind GET revoke: %d %s", rv.status, rv.raw)
		}
		wantSessionInvalid(t, o.api(at))
		if n := o.token(refreshGrant(rt)); n.status != 200 {
			t.Fatalf("refresh after revoking the access token: %s", n.raw)
		}
	})
	t.Run("emulator control", func(t *testing.T) {
		o := serveOAuth(t, Options{})
		r := o.tokens("api refresh_token")
		if c := o.send("POST", "/_emulator/oauth/revoke", nil, ""); c.body["revoked"] != 1.0 {
			t.Fatalf("control: %s", c.raw)
		}
		wantSessionInvalid(t, o.api(r.body["access_token"].(string)))
		wantOAuthError(t, o.token(refreshGrant(r.body["refresh_token"].(string))), "invalid_grant", "expired access/refresh token")
	})
}

func TestOAuthScopesAndOptions(t *testing.T) {
	o := serveOAuth(t, Options{OAuthInstanceURL: "https://acme.my.salesforce.com", OAuthAccessTTL: 15 * time.Minute})
	// Without refresh_token or offline_access there is no refresh token.
	r := o.tokens("api")
	if _, has := r.body["refresh_token"]; has || r.body["instance_url"] != "https://acme.my.salesforce.com" {
		t.Errorf("token answer: %s", r.raw)
	}
	o.clock.advance(15 * time.Minute)
	wantSessionInvalid(t, o.api(r.body["access_token"].(string)))
	// No scope: the connected app's.
	if d := o.tokens(""); d.body["scope"] != "api id refresh_token" || d.body["refresh_token"] == nil {
		t.Errorf("default scopes: %s", d.raw)
	}
	// offline_access gives a refresh token too.
	if d := o.tokens("api offline_access"); d.body["refresh_token"] == nil {
		t.Errorf("offline_access: %s", d.raw)
	}
	// The expire control ends every session.
	live := o.tokens("api").body["access_token"].(string)
	if c := o.send("POST", "/_emulator/oauth/expire", nil, ""); c.status != 200 || c.body["expired"] == 0.0 {
		t.Fatalf("expire control: %s", c.raw)
	}
	wantSessionInvalid(t, o.api(live))
}

func TestOAuthAuthorizeErrors(t *testing.T) {
	o := serveOAuth(t, Options{})
	q := authorizeQuery("api")
	q.Del("response_type")
	if u := o.consent(q, "allow"); u.Query().Get("error") != "invalid_request" {
		t.Errorf("no response_type: %s", u)
	}
	if u := o.consent(authorizeQuery("api"), "deny"); u.Query().Get("error") != "access_denied" ||
		u.Query().Get("error_description") != "end-user denied authorization" {
		t.Errorf("deny: %s", u)
	}
	bad := o.send("GET", "/services/oauth2/authorize?response_type=code&client_id=nobody&redirect_uri="+url.QueryEscape(oauthRedirect), nil, "")
	if bad.status != 400 || bad.header.Get("Location") != "" {
		t.Errorf("unknown client: %d", bad.status)
	}
}
