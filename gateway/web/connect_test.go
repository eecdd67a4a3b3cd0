package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/unimesh/unimesh/gateway/web"
	"github.com/unimesh/unimesh/pkg/apierr"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

// offered is the slugs a connect page links to.
func offered(p *page) []string {
	var out []string
	for _, a := range p.all("a", "data-integration", "") {
		slug, _ := attr(a, "data-integration")
		out = append(out, slug)
	}
	return out
}

func TestAPIKeyFlow(t *testing.T) {
	s := newStack(t)
	b := newBrowser(t)
	link := s.session(&platformv1.ConnectSession{Integrations: []string{"sandbox-crm"},
		ReturnUrl: "https://app.example.com/settings/integrations?tab=crm"})

	index := b.get(link)
	index.wantPageHeaders(t, false)
	if index.StatusCode != http.StatusOK || !slices.Equal(offered(index), []string{"sandbox-crm"}) || !strings.Contains(index.Body, "Acme Analytics") {
		t.Fatalf("connect page: %d, offers %v:\n%s", index.StatusCode, offered(index), index.Body)
	}
	if href, _ := attr(index.all("a", "data-integration", "sandbox-crm")[0], "href"); href != strings.TrimPrefix(link, s.URL)+"/sandbox-crm" {
		t.Fatalf("integration link %q", href)
	}
	if img := index.all("img", "src", "/assets/logos/sandbox.svg"); len(img) != 1 {
		t.Fatal("the sandbox integration has no sandbox badge")
	}

	// An integration the link does not offer.
	b.get(link+"/pipedrive").wantError(t, http.StatusNotFound, apierr.ReasonIntegrationNotOffered, "does not offer")

	form := b.get(link + "/sandbox-crm")
	form.wantPageHeaders(t, false)
	key := form.byID("api_key")
	if form.StatusCode != http.StatusOK || form.byID("credentials-form") == nil || form.byID("credentials-submit") == nil || form.byID("oauth-continue") != nil {
		t.Fatalf("integration page: %d\n%s", form.StatusCode, form.Body)
	}
	if typ, _ := attr(key, "type"); typ != "password" {
		t.Fatalf("the key input is of type %q", typ)
	}
	if ac, _ := attr(key, "autocomplete"); ac != "off" {
		t.Fatalf("the key input's autocomplete is %q", ac)
	}
	if l := form.all("label", "for", "api_key"); len(l) != 1 || text(l[0]) != "Sandbox API key" {
		t.Fatalf("the key input's label: %v", l)
	}

	// Nothing typed in: refused by the page itself.
	empty := b.post(link+"/sandbox-crm/credentials", url.Values{"api_key": {"  "}})
	if empty.StatusCode != http.StatusBadRequest || empty.byID("api_key-error") == nil {
		t.Fatalf("empty key: %d\n%s", empty.StatusCode, empty.Body)
	}

	const wrong = "sbx_wrong_key_that_must_not_echo_1234"
	bad := b.post(link+"/sandbox-crm/credentials", url.Values{"api_key": {wrong}})
	if bad.StatusCode != http.StatusBadRequest || !strings.Contains(bad.Body, "did not accept these credentials") {
		t.Fatalf("wrong key: %d\n%s", bad.StatusCode, bad.Body)
	}
	if banner := bad.byID("form-error"); banner == nil || !strings.Contains(text(banner), apierr.ReasonCredentialsRejected) {
		t.Fatalf("wrong key: no banner with the reason\n%s", bad.Body)
	}
	if strings.Contains(bad.Body, wrong) {
		t.Fatal("the wrong key was echoed back into the page")
	}
	k := bad.byID("api_key")
	inv, _ := attr(k, "aria-invalid")
	desc, _ := attr(k, "aria-describedby")
	if inv != "true" || desc != "api_key-error" || !strings.Contains(text(bad.byID("api_key-error")), "did not accept") {
		t.Fatalf("the key's error is not tied to it: aria-invalid=%q aria-describedby=%q", inv, desc)
	}

	ok := b.post(link+"/sandbox-crm/credentials", url.Values{"api_key": {sandboxKey}})
	ok.wantPageHeaders(t, false)
	st, _, connID := ok.main()
	if ok.StatusCode != http.StatusOK || st != "success" || !strings.HasPrefix(connID, "conn_") || !strings.Contains(ok.Body, "Sandbox CRM is connected") {
		t.Fatalf("right key: %d %q %q\n%s", ok.StatusCode, st, connID, ok.Body)
	}
	if strings.Contains(ok.Body, sandboxKey) {
		t.Fatal("the key is on the success page")
	}
	cont, _ := attr(ok.byID("continue"), "href")
	if cont != "https://app.example.com/settings/integrations?tab=crm&connection_id="+connID+"&status=success" {
		t.Fatalf("continue link %q", cont)
	}
	// The result goes to the opener or parent, with the inline script the
	// CSP nonce allows, aimed at the return URL's origin.
	scripts := ok.all("script", "", "")
	nonce := nonceRE.FindStringSubmatch(ok.Header.Get("Content-Security-Policy"))[1]
	if len(scripts) != 1 {
		t.Fatal("no result script")
	}
	if n, _ := attr(scripts[0], "nonce"); n != nonce {
		t.Fatalf("script nonce %q, CSP nonce %q", n, nonce)
	}
	js := text(scripts[0])
	for _, want := range []string{`"type":"unimesh:connect"`, `"status":"success"`, `"connectionId":"` + connID + `"`, `"integration":"sandbox-crm"`, `"https://app.example.com"`} {
		if !strings.Contains(js, want) {
			t.Fatalf("result script lacks %s:\n%s", want, js)
		}
	}

	conn, err := s.connection(connID)
	if err != nil || conn.GetStatus() != platformv1.ConnectionStatus_CONNECTION_STATUS_ACTIVE || conn.GetIntegration() != "sandbox-crm" ||
		conn.GetEndUser().GetOriginId() != "cust-42" || conn.GetAuthType() != platformv1.AuthType_AUTH_TYPE_API_KEY {
		t.Fatalf("connection: %v, %v", conn, err)
	}

	b.get(link).wantError(t, http.StatusGone, apierr.ReasonConnectSessionUsed, "This link has already been used")
	again := b.post(link+"/sandbox-crm/credentials", url.Values{"api_key": {sandboxKey}})
	again.wantError(t, http.StatusGone, apierr.ReasonConnectSessionUsed, "already been used")
	if !strings.Contains(text(again.all("script", "", "")[0]), `"status":"error"`) {
		t.Fatal("the error page posts no error result")
	}
}

func TestDeadLinks(t *testing.T) {
	s := newStack(t)
	b := newBrowser(t)

	expiring := s.session(&platformv1.ConnectSession{ExpireTime: expireIn(time.Hour)})
	revoked, revokedID := s.sessionWithID(&platformv1.ConnectSession{})
	if _, err := platformv1.NewConnectSessionServiceClient(s.conn).DeleteConnectSession(as(s.adminKey),
		&platformv1.DeleteConnectSessionRequest{Id: revokedID}); err != nil {
		t.Fatal(err)
	}

	// An unlimited link offers the whole catalog.
	if got := offered(b.get(expiring)); !slices.Equal(got, []string{"pipedrive", "salesforce", "sandbox-crm"}) {
		t.Fatalf("a link without integrations offers %v", got)
	}
	s.offset.Store(int64(2 * time.Hour))
	dead := b.get(expiring)
	dead.wantError(t, http.StatusGone, apierr.ReasonConnectSessionExpired, "This link has expired")
	dead.wantPageHeaders(t, false)
	b.get(expiring+"/sandbox-crm").wantError(t, http.StatusGone, apierr.ReasonConnectSessionExpired, "has expired")

	b.get(revoked).wantError(t, http.StatusGone, apierr.ReasonConnectSessionRevoked, "withdrawn")

	b.get(s.URL+"/connect/cst_thisLinkWasNeverMade").wantError(t, http.StatusNotFound, apierr.ReasonConnectSessionNotFound, "This link is not valid")
	b.get(s.URL+"/connect/not%20a%20token").wantError(t, http.StatusNotFound, apierr.ReasonConnectSessionNotFound, "This link is not valid")
	b.get(s.URL+"/connect/").wantError(t, http.StatusNotFound, apierr.ReasonConnectSessionNotFound, "This link is not valid")
}

// consent answers the emulator's consent page.
func consent(t *testing.T, b *browser, authorizeURL, decision string) string {
	t.Helper()
	pg := b.get(authorizeURL)
	if pg.StatusCode != http.StatusOK {
		t.Fatalf("consent page: %d\n%s", pg.StatusCode, pg.Body)
	}
	form := url.Values{"decision": {decision}}
	for _, in := range pg.all("input", "type", "hidden") {
		name, _ := attr(in, "name")
		value, _ := attr(in, "value")
		form.Set(name, value)
	}
	// A form without an action posts to the page's own URL, as a browser does.
	target := authorizeURL
	if action, ok := attr(pg.all("form", "", "")[0], "action"); ok && action != "" {
		u, _ := url.Parse(authorizeURL)
		target = u.Scheme + "://" + u.Host + action
	}
	back := b.post(target, form)
	if back.StatusCode != http.StatusFound {
		t.Fatalf("consent: %d\n%s", back.StatusCode, back.Body)
	}
	return back.Header.Get("Location")
}

// startOAuth posts the OAuth form of a link's Pipedrive page.
func startOAuth(t *testing.T, s *stack, b *browser, link string) (authorize string, binding *http.Cookie) {
	t.Helper()
	start := b.post(link+"/pipedrive/oauth", nil)
	loc := start.Header.Get("Location")
	if start.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, s.pdURL+"/oauth/authorize?") {
		t.Fatalf("start: %d %q\n%s", start.StatusCode, loc, start.Body)
	}
	for _, c := range start.Cookies() {
		if c.Name == "um_oauth_binding" {
			binding = c
		}
	}
	if binding == nil {
		t.Fatal("no binding cookie")
	}
	return loc, binding
}

func TestOAuthFlow(t *testing.T) {
	s := newStack(t)
	b := newBrowser(t)
	link := s.session(&platformv1.ConnectSession{Integrations: []string{"pipedrive"}, ReturnUrl: "https://app.example.com/done"})

	form := b.get(link + "/pipedrive")
	// Browsers check form-action on the redirect that follows the post.
	form.wantPageHeaders(t, false, "'self' https: http:")
	cont := form.byID("oauth-continue")
	if form.StatusCode != http.StatusOK || cont == nil || text(cont) != "Continue with Pipedrive" || form.byID("credentials-form") == nil {
		t.Fatalf("pipedrive page: %d\n%s", form.StatusCode, form.Body)
	}
	if strings.Index(form.Body, `id="oauth-continue"`) > strings.Index(form.Body, `id="credentials-form"`) {
		t.Fatal("the credentials form comes before the OAuth one")
	}
	if l := form.all("label", "for", "api_key"); len(l) != 1 || text(l[0]) != "API token" {
		t.Fatal("Pipedrive's key is not labelled as its API token")
	}
	domain := form.all("input", "name", "config.company_domain")
	if len(domain) != 1 {
		t.Fatalf("no company_domain input\n%s", form.Body)
	}
	if _, req := attr(domain[0], "required"); !req {
		t.Fatal("company_domain is not required")
	}
	if desc, _ := attr(domain[0], "aria-describedby"); desc != "config-company_domain-help" || form.byID("config-company_domain-help") == nil {
		t.Fatalf("company_domain's help is not tied to it: %q", desc)
	}

	authorize, binding := startOAuth(t, s, b, link)
	if !binding.HttpOnly || binding.SameSite != http.SameSiteLaxMode || binding.Secure || binding.Path != "/oauth/callback" || binding.MaxAge != 600 {
		t.Fatalf("binding cookie: %+v", binding)
	}
	if q, _ := url.Parse(authorize); q.Query().Get("redirect_uri") != s.URL+"/oauth/callback" || q.Query().Get("code_challenge") == "" {
		t.Fatalf("authorization URL %s", authorize)
	}
	callback := consent(t, b, authorize, "allow")
	if !strings.HasPrefix(callback, s.URL+"/oauth/callback?") {
		t.Fatalf("the emulator sent the browser to %s", callback)
	}
	done := b.get(callback)
	done.wantPageHeaders(t, false)
	st, _, connID := done.main()
	if done.StatusCode != http.StatusOK || st != "success" || connID == "" || !strings.Contains(done.Body, "Pipedrive is connected") {
		t.Fatalf("callback: %d\n%s", done.StatusCode, done.Body)
	}
	if b.cookie(s.URL+"/oauth/callback", "um_oauth_binding") != nil {
		t.Fatal("the binding cookie outlived its callback")
	}
	conn, err := s.connection(connID)
	if err != nil || conn.GetStatus() != platformv1.ConnectionStatus_CONNECTION_STATUS_ACTIVE || conn.GetAuthType() != platformv1.AuthType_AUTH_TYPE_OAUTH2 ||
		!slices.Contains(conn.GetScopes(), "base") || conn.GetConfig()["company_domain"] != "sandbox" {
		t.Fatalf("connection: %v, %v", conn, err)
	}

	// The same answer again, with the binding put back: the state is spent.
	b.c.Jar.SetCookies(mustURL(s.URL+"/oauth/callback"), []*http.Cookie{{Name: binding.Name, Value: binding.Value, Path: "/oauth/callback"}})
	b.get(callback).wantError(t, http.StatusGone, apierr.ReasonOAuthStateUsed, "used already")

	u := mustURL(callback)
	q := u.Query()
	state := q.Get("state")
	last := "A"
	if strings.HasSuffix(state, "A") {
		last = "B"
	}
	q.Set("state", state[:len(state)-1]+last)
	u.RawQuery = q.Encode()
	b.get(u.String()).wantError(t, http.StatusBadRequest, apierr.ReasonOAuthStateInvalid, "could not be verified")

	// A callback opened in another browser than the one that started.
	link2 := s.session(&platformv1.ConnectSession{Integrations: []string{"pipedrive"}})
	authorize2, _ := startOAuth(t, s, b, link2)
	callback2 := consent(t, b, authorize2, "allow")
	other := newBrowser(t)
	other.get(callback2).wantError(t, http.StatusForbidden, apierr.ReasonOAuthBrowserMismatch, "another browser")

	// The end user declines.
	link3 := s.session(&platformv1.ConnectSession{Integrations: []string{"pipedrive"}})
	authorize3, _ := startOAuth(t, s, b, link3)
	denied := b.get(consent(t, b, authorize3, "deny"))
	denied.wantError(t, http.StatusOK, apierr.ReasonOAuthDenied, "Access was declined")
	if !strings.Contains(denied.Body, "user_denied") {
		t.Fatalf("the provider's error is not shown:\n%s", denied.Body)
	}
	// The link stays usable after a refusal.
	if again := b.get(link3); again.StatusCode != http.StatusOK {
		t.Fatalf("the link after a refusal: %d", again.StatusCode)
	}
}

func mustURL(raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil {
		panic(err)
	}
	return u
}

// TestCookiesSecureOverHTTPS serves the same connect behind an https
// public URL: every cookie becomes Secure, and the OAuth page allows only
// https targets.
func TestCookiesSecureOverHTTPS(t *testing.T) {
	s := newStack(t)
	h, err := web.New(web.Options{Pages: s.pages, Connect: s.conn, PublicURL: "https://connect.example.com", Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	link := s.session(&platformv1.ConnectSession{Integrations: []string{"pipedrive"}})
	path := strings.TrimPrefix(link, s.URL)

	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path+"/pipedrive", nil))
	if csp := w.Header().Get("Content-Security-Policy"); w.Code != http.StatusOK || !strings.Contains(csp, "form-action 'self' https:;") {
		t.Fatalf("%d, CSP %s", w.Code, csp)
	}

	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, path+"/pipedrive/oauth", nil))
	binding := cookieNamed(w.Result().Cookies(), "um_oauth_binding")
	if w.Code != http.StatusSeeOther || binding == nil || !binding.Secure || !binding.HttpOnly || binding.SameSite != http.SameSiteLaxMode {
		t.Fatalf("%d, binding %+v", w.Code, binding)
	}

	w = httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/console/login", strings.NewReader(url.Values{"api_key": {s.adminKey}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://connect.example.com")
	h.ServeHTTP(w, req)
	c := cookieNamed(w.Result().Cookies(), "um_console")
	if w.Code != http.StatusSeeOther || c == nil || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
		t.Fatalf("%d, console cookie %+v", w.Code, c)
	}
}

func cookieNamed(cs []*http.Cookie, name string) *http.Cookie {
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestAssets(t *testing.T) {
	s := newStack(t)
	b := newBrowser(t)
	index := b.get(s.session(&platformv1.ConnectSession{}))
	var css string
	for _, l := range index.all("link", "rel", "stylesheet") {
		css, _ = attr(l, "href")
	}
	got := b.get(s.URL + css)
	if got.StatusCode != http.StatusOK || got.Header.Get("Content-Type") != "text/css; charset=utf-8" || !strings.Contains(got.Body, ":focus-visible") {
		t.Fatalf("stylesheet %q: %d %s", css, got.StatusCode, got.Header.Get("Content-Type"))
	}
	for _, img := range index.all("img", "src", "") {
		src, _ := attr(img, "src")
		logo := b.get(s.URL + src)
		if logo.StatusCode != http.StatusOK || logo.Header.Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(logo.Body, "<svg") {
			t.Fatalf("logo %s: %d", src, logo.StatusCode)
		}
	}
	if src, _ := attr(index.all("a", "data-integration", "pipedrive")[0].FirstChild, "src"); src != "/assets/logos/pipedrive.svg" {
		t.Fatalf("pipedrive's logo is %q", src)
	}
	if miss := b.get(s.URL + "/assets/logos/nope.svg"); miss.StatusCode != http.StatusNotFound {
		t.Fatalf("missing asset: %d", miss.StatusCode)
	}
	// Accessibility basics of every connect page.
	if l, _ := attr(index.all("html", "", "")[0], "lang"); l != "en" || len(index.all("meta", "name", "viewport")) != 1 {
		t.Fatal("no lang or viewport")
	}
	for _, img := range index.all("img", "", "") {
		if _, ok := attr(img, "alt"); !ok {
			t.Fatal("an image without alt")
		}
	}
}

func TestRedactPath(t *testing.T) {
	for in, want := range map[string]string{
		"/connect/cst_secret":                     "/connect/{token}",
		"/connect/cst_secret/pipedrive":           "/connect/{token}/pipedrive",
		"/connect/cst_secret/pipedrive/oauth":     "/connect/{token}/pipedrive/oauth",
		"/connect/":                               "/connect/",
		"/oauth/callback":                         "/oauth/callback",
		"/platform/v1/connections/conn_1/request": "/platform/v1/connections/conn_1/request",
	} {
		if got := web.RedactPath(in); got != want {
			t.Errorf("RedactPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCredentialsWithConfig connects Pipedrive with its API token: the
// form asks for the company domain its config needs.
func TestCredentialsWithConfig(t *testing.T) {
	s := newStack(t)
	b := newBrowser(t)
	link := s.session(&platformv1.ConnectSession{Integrations: []string{"pipedrive"}})

	missing := b.post(link+"/pipedrive/credentials", url.Values{"api_key": {"pd-api-token"}})
	if missing.StatusCode != http.StatusBadRequest || missing.byID("config-company_domain-error") == nil {
		t.Fatalf("without company_domain: %d\n%s", missing.StatusCode, missing.Body)
	}
	in := missing.byID("config-company_domain")
	if desc, _ := attr(in, "aria-describedby"); desc != "config-company_domain-help config-company_domain-error" {
		t.Fatalf("aria-describedby %q", desc)
	}

	// connect refuses a domain that is not one DNS label; what was typed
	// (not a secret) stays in the form, the token does not.
	bad := b.post(link+"/pipedrive/credentials", url.Values{"api_key": {"pd-api-token"}, "config.company_domain": {"not a domain"}})
	if bad.StatusCode != http.StatusBadRequest || !strings.Contains(bad.Body, "single subdomain label") || strings.Contains(bad.Body, "pd-api-token") {
		t.Fatalf("bad domain: %d\n%s", bad.StatusCode, bad.Body)
	}
	if v, _ := attr(bad.byID("config-company_domain"), "value"); v != "not a domain" {
		t.Fatalf("the typed domain was lost: %q", v)
	}

	ok := b.post(link+"/pipedrive/credentials", url.Values{"api_key": {"pd-api-token"}, "config.company_domain": {" acme "}})
	_, _, id := ok.main()
	conn, err := s.connection(id)
	if err != nil || conn.GetConfig()["company_domain"] != "acme" || conn.GetAuthType() != platformv1.AuthType_AUTH_TYPE_API_KEY {
		t.Fatalf("connection %v, %v\n%s", conn, err, ok.Body)
	}
}

// TestIntegrationThatCannotConnect offers an OAuth-only integration whose
// project has no OAuth app: the page says so and offers no form.
func TestIntegrationThatCannotConnect(t *testing.T) {
	s := newStack(t)
	b := newBrowser(t)
	link := s.session(&platformv1.ConnectSession{Integrations: []string{"salesforce"}})
	p := b.get(link + "/salesforce")
	if p.StatusCode != http.StatusOK || len(p.all("form", "", "")) != 0 || len(p.all("", "data-unavailable", "true")) != 1 ||
		!strings.Contains(p.Body, "Salesforce cannot be connected yet") {
		t.Fatalf("%d\n%s", p.StatusCode, p.Body)
	}
	// A post made anyway is refused by connect, and shown on the page.
	start := b.post(link+"/salesforce/oauth", nil)
	if r, _ := attr(start.byID("form-error"), "data-reason"); start.StatusCode != http.StatusBadRequest || r != apierr.ReasonOAuthAppNotFound {
		t.Fatalf("start anyway: %d %q\n%s", start.StatusCode, r, start.Body)
	}
	if cookieNamed(start.Cookies(), "um_oauth_binding") != nil {
		t.Fatal("a refused start set the binding cookie")
	}
}
