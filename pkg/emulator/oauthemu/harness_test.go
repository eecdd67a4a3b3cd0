package oauthemu

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	appID     = "app-1"
	appSecret = "s3cret:with+odd chars"
	appURI    = "https://app.example/oauth/callback?tenant=t1"
	// verifier is a valid PKCE verifier (43 unreserved characters).
	verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
)

// s256 is the S256 challenge of v.
func s256(v string) string {
	sum := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// env is a Server behind a real HTTP server: /authorize, /token, /revoke
// and the control endpoints.
type env struct {
	t     *testing.T
	s     *Server
	clock *clock
	url   string
	http  *http.Client
}

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	ck := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	if opts.Now == nil {
		opts.Now = ck.Now
	}
	if opts.ScopeSeparator == "" && opts.Scopes == nil {
		opts.ScopeSeparator = " "
		opts.Scopes = []string{"read", "write", "admin"}
		opts.DefaultScopes = []string{"read"}
	}
	opts.Clients = append(opts.Clients,
		Client{ID: appID, Secret: appSecret, Name: "Acme <Sync>", RedirectURIs: []string{appURI}},
		Client{ID: "app-2", Secret: "other", Name: "Other", RedirectURIs: []string{"https://other.example/cb", "https://other.example/cb2"}})
	s := New(opts)
	mux := http.NewServeMux()
	mux.HandleFunc("/authorize", s.ServeAuthorize)
	mux.Handle("/token", s.TokenHandler())
	mux.Handle("/revoke", s.RevokeHandler())
	mux.Handle(ControlPrefix, s.ControlHandler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &env{t: t, s: s, clock: ck, url: srv.URL, http: hc}
}

type answer struct {
	status int
	header http.Header
	raw    string
	json   map[string]any
}

func (e *env) do(req *http.Request) answer {
	e.t.Helper()
	resp, err := e.http.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: string(b)}
	_ = json.Unmarshal(b, &a.json)
	return a
}

// authorize GETs the authorization endpoint.
func (e *env) authorize(q url.Values) answer {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.url+"/authorize?"+q.Encode(), nil)
	return e.do(req)
}

var (
	hiddenRe = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)
	// The form has no action: it posts back to the page's own URL.
	formRe = regexp.MustCompile(`<form method="post">`)
)

// decide loads the consent page and submits its form as a browser would,
// with the page's hidden fields and the decision's button.
func (e *env) decide(q url.Values, decision string) answer {
	e.t.Helper()
	page := e.authorize(q)
	if page.status != http.StatusOK {
		e.t.Fatalf("consent page: %d %s", page.status, page.raw)
	}
	form := url.Values{}
	for _, m := range hiddenRe.FindAllStringSubmatch(page.raw, -1) {
		form.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	form.Set("decision", decision)
	if !formRe.MatchString(page.raw) {
		e.t.Fatalf("no form on the consent page: %s", page.raw)
	}
	req, _ := http.NewRequest(http.MethodPost, e.url+"/authorize?"+q.Encode(), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.do(req)
}

// redirect parses an answer's Location.
func (e *env) redirect(a answer) *url.URL {
	e.t.Helper()
	if a.status != http.StatusFound {
		e.t.Fatalf("status %d, want a 302: %s", a.status, a.raw)
	}
	u, err := url.Parse(a.header.Get("Location"))
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// authQuery is a good authorization request with PKCE S256.
func authQuery(extra ...string) url.Values {
	q := url.Values{"response_type": {"code"}, "client_id": {appID}, "redirect_uri": {appURI}, "state": {"st-42"},
		"code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"}}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == "" {
			q.Del(extra[i])
		} else {
			q.Set(extra[i], extra[i+1])
		}
	}
	return q
}

// code consents to q and returns the code.
func (e *env) code(q url.Values) string {
	e.t.Helper()
	u := e.redirect(e.decide(q, "allow"))
	if u.Query().Get("state") != q.Get("state") {
		e.t.Fatalf("state %q, want %q", u.Query().Get("state"), q.Get("state"))
	}
	c := u.Query().Get("code")
	if c == "" {
		e.t.Fatalf("no code in %s", u)
	}
	return c
}

// token posts a token request, authenticating with HTTP Basic when basic.
func (e *env) token(form url.Values, basic bool) answer {
	e.t.Helper()
	return e.post("/token", form, basic)
}

func (e *env) post(path string, form url.Values, basic bool) answer {
	e.t.Helper()
	return e.do(e.request(path, form, basic))
}

// tokenRequest is a token request, not sent.
func (e *env) tokenRequest(form url.Values, basic bool) *http.Request {
	return e.request("/token", form, basic)
}

// request is a form post; basic authenticates with HTTP Basic, its parts
// form-encoded as RFC 6749 section 2.3.1 says.
func (e *env) request(path string, form url.Values, basic bool) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, e.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth(url.QueryEscape(appID), url.QueryEscape(appSecret))
	}
	return req
}

func codeForm(code string, extra ...string) url.Values {
	f := url.Values{"grant_type": {GrantAuthorizationCode}, "code": {code}, "redirect_uri": {appURI}, "code_verifier": {verifier}}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == "" {
			f.Del(extra[i])
		} else {
			f.Set(extra[i], extra[i+1])
		}
	}
	return f
}

func refreshForm(rt string) url.Values {
	return url.Values{"grant_type": {GrantRefreshToken}, "refresh_token": {rt}, "client_id": {appID}, "client_secret": {appSecret}}
}

// tokens runs the whole flow and returns the token answer.
func (e *env) tokens() answer {
	e.t.Helper()
	a := e.token(codeForm(e.code(authQuery())), true)
	if a.status != http.StatusOK {
		e.t.Fatalf("token: %d %s", a.status, a.raw)
	}
	return a
}

func (a answer) str(k string) string { s, _ := a.json[k].(string); return s }

// wantError checks an RFC 6749 error answer.
func wantError(t *testing.T, a answer, status int, code string) {
	t.Helper()
	if a.status != status || a.str("error") != code {
		t.Fatalf("got %d %s, want %d %s", a.status, a.raw, status, code)
	}
	if a.header.Get("Cache-Control") != "no-store" {
		t.Errorf("error answer may be cached: %v", a.header)
	}
}
