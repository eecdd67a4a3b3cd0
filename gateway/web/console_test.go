package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/pkg/apierr"
	meshv1 "github.com/unimesh/unimesh/proto/unimesh/mesh/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

// connectSandbox makes a connection through a connect link, as an end user would.
func connectSandbox(t *testing.T, s *stack, endUser *platformv1.EndUser) string {
	t.Helper()
	link := s.session(&platformv1.ConnectSession{Integrations: []string{"sandbox-crm"}, EndUser: endUser})
	done := newBrowser(t).post(link+"/sandbox-crm/credentials", url.Values{"api_key": {sandboxKey}})
	_, _, id := done.main()
	if id == "" {
		t.Fatalf("connecting failed:\n%s", done.Body)
	}
	return id
}

// login logs a browser into the console with key.
func login(t *testing.T, s *stack, b *browser, key string) *page {
	t.Helper()
	return b.post(s.URL+"/console/login", url.Values{"api_key": {key}}, "Origin", s.URL)
}

func wantRedirect(t *testing.T, p *page, to string) {
	t.Helper()
	if p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != to {
		t.Fatalf("want 303 to %s; got %d to %q:\n%s", to, p.StatusCode, p.Header.Get("Location"), p.Body)
	}
}

// csrfOf reads the CSRF token the console's forms carry.
func csrfOf(t *testing.T, p *page) string {
	t.Helper()
	ins := p.all("input", "name", "csrf")
	if len(ins) == 0 {
		t.Fatalf("no CSRF field:\n%s", p.Body)
	}
	v, _ := attr(ins[0], "value")
	return v
}

func TestConsoleLogin(t *testing.T) {
	s := newStack(t)
	b := newBrowser(t)

	wantRedirect(t, b.get(s.URL+"/console/"), "/console/login")
	wantRedirect(t, b.get(s.URL+"/console"), "/console/")
	form := b.get(s.URL + "/console/login")
	form.wantPageHeaders(t, true)
	if form.Header.Get("X-Frame-Options") != "DENY" || form.byID("login-form") == nil {
		t.Fatalf("login page:\n%s", form.Body)
	}
	if typ, _ := attr(form.byID("api_key"), "type"); typ != "password" {
		t.Fatalf("the key input is of type %q", typ)
	}

	cases := []struct {
		name, key, origin, fetchSite string
		code                         int
		reason, words                string
	}{
		{"read-only key", s.readKey, s.URL, "", http.StatusForbidden, apierr.ReasonPermissionDenied, "lacks the admin scope"},
		{"unknown key", "umk_abcdefghijkl_0123456789abcdefghijklmnopqrstuvwxyz", s.URL, "", http.StatusUnauthorized, apierr.ReasonAPIKeyInvalid, "not valid"},
		{"no key", "", s.URL, "", http.StatusBadRequest, "REQUIRED_FIELDS_MISSING", "Enter an API key"},
		{"another site's form", s.adminKey, "https://evil.example", "", http.StatusForbidden, "ORIGIN_MISMATCH", "another site"},
		// A page with no-referrer posts with Origin null: only the
		// browser's Sec-Fetch-Site tells whose page it is.
		{"a no-referrer page elsewhere", s.adminKey, "null", "cross-site", http.StatusForbidden, "ORIGIN_MISMATCH", "another site"},
		{"a null origin alone", s.adminKey, "null", "", http.StatusForbidden, "ORIGIN_MISMATCH", "another site"},
		{"a sibling site", s.adminKey, "", "same-site", http.StatusForbidden, "ORIGIN_MISMATCH", "another site"},
	}
	for _, c := range cases {
		p := b.post(s.URL+"/console/login", url.Values{"api_key": {c.key}}, "Origin", c.origin, "Sec-Fetch-Site", c.fetchSite)
		_, reason, _ := p.main()
		if p.StatusCode != c.code || reason != c.reason || !strings.Contains(p.Body, c.words) || cookieNamed(p.Cookies(), "um_console") != nil {
			t.Fatalf("%s: %d %q, cookies %v:\n%s", c.name, p.StatusCode, reason, p.Cookies(), p.Body)
		}
		if c.key != "" && strings.Contains(p.Body, c.key) {
			t.Fatalf("%s: the key was echoed back", c.name)
		}
		if inv, _ := attr(p.byID("api_key"), "aria-invalid"); inv != "true" {
			t.Fatalf("%s: the error is not tied to the key input", c.name)
		}
	}

	// What Chromium sends from the console's own no-referrer login page.
	in := b.post(s.URL+"/console/login", url.Values{"api_key": {s.adminKey}}, "Origin", "null", "Sec-Fetch-Site", "same-origin")
	wantRedirect(t, in, "/console/")
	c := cookieNamed(in.Cookies(), "um_console")
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Secure || c.Path != "/console" ||
		c.MaxAge < int((11*time.Hour).Seconds()) || c.MaxAge > int((12*time.Hour).Seconds()) {
		t.Fatalf("console cookie: %+v", c)
	}
	home := b.get(s.URL + "/console/")
	home.wantPageHeaders(t, true)
	if home.StatusCode != http.StatusOK || !strings.Contains(home.Body, "Acme Analytics") || len(home.all("nav", "aria-label", "Console")) != 1 {
		t.Fatalf("console home: %d\n%s", home.StatusCode, home.Body)
	}
	if cur := home.all("a", "aria-current", "page"); len(cur) != 1 || text(cur[0]) != "Connections" {
		t.Fatal("the nav does not mark the current page")
	}

	// Logging out ends the session itself, not just the browser's cookie.
	out := b.post(s.URL+"/console/logout", url.Values{"csrf": {csrfOf(t, home)}}, "Origin", s.URL)
	wantRedirect(t, out, "/console/login")
	if cleared := cookieNamed(out.Cookies(), "um_console"); cleared == nil || cleared.MaxAge >= 0 {
		t.Fatalf("logout left the cookie: %+v", cleared)
	}
	stale := newBrowser(t)
	stale.c.Jar.SetCookies(mustURL(s.URL+"/console/"), []*http.Cookie{{Name: "um_console", Value: c.Value, Path: "/console"}})
	wantRedirect(t, stale.get(s.URL+"/console/"), "/console/login")
	if _, err := s.pages.GetConsoleSession(context.Background(), &meshv1.GetConsoleSessionRequest{Token: c.Value}); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("the session lives on after logout: %v", err)
	}
}

func TestConsoleConnections(t *testing.T) {
	s := newStack(t)
	id := connectSandbox(t, s, &platformv1.EndUser{OriginId: "cust-7", Name: "Kim Lee"})
	// A request of the connection, as a category service records it.
	_, err := meshv1.NewConnectInternalServiceClient(s.conn).RecordRequests(context.Background(), &meshv1.RecordRequestsRequest{Requests: []*meshv1.LoggedRequest{{
		ProjectId: s.project, ConnectionId: id, Entry: &platformv1.RequestLogEntry{Time: timestamppb.Now(), Transport: "rest", Method: "GET",
			Path: "/crm/v1/connections/" + id + "/contacts", Status: 200, Code: "OK", DurationMs: 12.5, TraceId: "4bf92f3577b34da6a3ce929d0e0e4736"},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)
	wantRedirect(t, login(t, s, b, s.adminKey), "/console/")

	home := b.get(s.URL + "/console/")
	rows := home.all("tr", "data-connection-id", id)
	if len(rows) != 1 {
		t.Fatalf("the connection is not listed:\n%s", home.Body)
	}
	row := &page{Doc: rows[0]}
	if cells := row.all("td", "data-status", "ACTIVE"); len(cells) != 1 || !strings.Contains(text(rows[0]), "Kim Lee") || !strings.Contains(text(rows[0]), "cust-7") {
		t.Fatalf("row: %s", text(rows[0]))
	}
	csrf := csrfOf(t, home)

	connPath := s.URL + "/console/connections/" + id
	detail := b.get(connPath)
	detail.wantPageHeaders(t, true)
	for _, want := range []string{"/crm/v1/connections/" + id + "/contacts", "4bf92f3577b34da6a3ce929d0e0e4736", "12.5", "Sandbox CRM"} {
		if !strings.Contains(detail.Body, want) {
			t.Fatalf("connection page lacks %q:\n%s", want, detail.Body)
		}
	}
	if strings.Contains(detail.Body, sandboxKey) {
		t.Fatal("the connection page shows its credential")
	}

	// Posts without the session's CSRF token, or from another site.
	for name, p := range map[string]*page{
		"no token":     b.post(connPath+"/status", url.Values{"status": {"DISABLED"}}, "Origin", s.URL),
		"wrong token":  b.post(connPath+"/status", url.Values{"status": {"DISABLED"}, "csrf": {csrf + "x"}}, "Origin", s.URL),
		"another site": b.post(connPath+"/status", url.Values{"status": {"DISABLED"}, "csrf": {csrf}}, "Origin", "https://evil.example"),
	} {
		if p.StatusCode != http.StatusForbidden {
			t.Fatalf("%s: %d\n%s", name, p.StatusCode, p.Body)
		}
	}
	if c, _ := s.connection(id); c.GetStatus() != platformv1.ConnectionStatus_CONNECTION_STATUS_ACTIVE {
		t.Fatalf("a refused post changed the connection: %v", c.GetStatus())
	}

	wantRedirect(t, b.post(connPath+"/status", url.Values{"status": {"DISABLED"}, "csrf": {csrf}}, "Origin", s.URL),
		"/console/connections/"+id+"?done=disabled")
	if c, _ := s.connection(id); c.GetStatus() != platformv1.ConnectionStatus_CONNECTION_STATUS_DISABLED {
		t.Fatalf("after disable: %v", c.GetStatus())
	}
	after := b.get(connPath + "?done=disabled")
	if len(after.all("dd", "data-status", "DISABLED")) != 1 || after.byID("enable") == nil || !strings.Contains(after.Body, "The connection is disabled") {
		t.Fatalf("connection page after disable:\n%s", after.Body)
	}
	if home := b.get(s.URL + "/console/"); len(home.all("td", "data-status", "DISABLED")) != 1 {
		t.Fatal("the list does not show the connection disabled")
	}
	wantRedirect(t, b.post(connPath+"/status", url.Values{"status": {"ACTIVE"}, "csrf": {csrf}}, "Origin", s.URL),
		"/console/connections/"+id+"?done=enabled")

	re := b.post(connPath+"/reconnect", url.Values{"csrf": {csrf}})
	in := re.byID("reconnect-url")
	link, _ := attr(in, "value")
	if _, ro := attr(in, "readonly"); re.StatusCode != http.StatusOK || !ro || !strings.HasPrefix(link, s.URL+"/connect/cst_") {
		t.Fatalf("re-connect link %q:\n%s", link, re.Body)
	}
	if again := b.get(connPath); again.byID("reconnect-url") != nil {
		t.Fatal("the re-connect link is shown twice")
	}
	end := newBrowser(t)
	rp := end.get(link)
	if got := offered(rp); len(got) != 1 || got[0] != "sandbox-crm" || !strings.Contains(rp.Body, "Reconnect your account") {
		t.Fatalf("re-connect page offers %v:\n%s", got, rp.Body)
	}
	_, _, same := end.post(link+"/sandbox-crm/credentials", url.Values{"api_key": {sandboxKey}}).main()
	if same != id {
		t.Fatalf("re-connecting made %q, not %q", same, id)
	}

	unconfirmed := b.post(connPath+"/delete", url.Values{"csrf": {csrf}})
	if unconfirmed.StatusCode != http.StatusBadRequest {
		t.Fatalf("delete without confirmation: %d", unconfirmed.StatusCode)
	}
	if _, err := s.connection(id); err != nil {
		t.Fatalf("deleted without confirmation: %v", err)
	}
	wantRedirect(t, b.post(connPath+"/delete", url.Values{"csrf": {csrf}, "confirm": {"yes"}}), "/console/?done=deleted")
	if _, err := s.connection(id); apierr.Reason(err) != apierr.ReasonConnectionNotFound {
		t.Fatalf("after delete: %v", err)
	}
	gone := b.get(connPath)
	gone.wantError(t, http.StatusNotFound, apierr.ReasonConnectionNotFound, "no connection")
}

func TestConsoleKeysAndCatalog(t *testing.T) {
	s := newStack(t)
	b := newBrowser(t)
	wantRedirect(t, login(t, s, b, s.adminKey), "/console/")

	cat := b.get(s.URL + "/console/integrations")
	for _, slug := range []string{"pipedrive", "sandbox-crm"} {
		sec := cat.all("section", "data-integration", slug)
		if len(sec) != 1 {
			t.Fatalf("catalog lacks %s:\n%s", slug, cat.Body)
		}
		words := text(sec[0])
		for _, want := range []string{"CRM", "contact", "list", "API key"} {
			if !strings.Contains(words, want) {
				t.Fatalf("%s lacks %q: %s", slug, want, words)
			}
		}
	}
	if !strings.Contains(text(cat.all("section", "data-integration", "pipedrive")[0]), "OAuth 2.0") {
		t.Fatal("pipedrive's OAuth is not listed")
	}

	keys := b.get(s.URL + "/console/keys")
	csrf := csrfOf(t, keys)
	mine := keys.all("tr", "data-api-key-id", s.adminID)
	if len(mine) != 1 || len(keys.all("tr", "data-api-key-id", "")) != 2 || len((&page{Doc: mine[0]}).all("button", "", "")) != 0 {
		t.Fatalf("keys page:\n%s", keys.Body)
	}

	if p := b.post(s.URL+"/console/keys", url.Values{"csrf": {csrf}, "name": {""}}); p.StatusCode != http.StatusBadRequest ||
		!strings.Contains(p.Body, "Pick at least one scope") {
		t.Fatalf("create without a name or scope: %d", p.StatusCode)
	}
	created := b.post(s.URL+"/console/keys", url.Values{"csrf": {csrf}, "name": {"ci backend"}, "scope": {"read", "write"}})
	secret, _ := attr(created.byID("new-api-key"), "value")
	if created.StatusCode != http.StatusOK || !strings.HasPrefix(secret, "umk_") {
		t.Fatalf("created: %d\n%s", created.StatusCode, created.Body)
	}
	projects := platformv1.NewProjectServiceClient(s.conn)
	if p, err := projects.GetProject(as(secret), &platformv1.GetProjectRequest{}); err != nil || p.GetDisplayName() != "Acme Analytics" {
		t.Fatalf("the new key: %v, %v", p, err)
	}
	listed := b.get(s.URL + "/console/keys")
	if strings.Contains(listed.Body, secret) || !strings.Contains(listed.Body, "ci backend") {
		t.Fatal("the secret is shown again, or the key is not listed")
	}
	var newID string
	for _, tr := range listed.all("tr", "data-api-key-id", "") {
		if strings.Contains(text(tr), "ci backend") {
			newID, _ = attr(tr, "data-api-key-id")
		}
	}

	refused := b.post(s.URL+"/console/keys/"+s.adminID+"/revoke", url.Values{"csrf": {csrf}})
	if r, _ := attr(refused.byID("form-error"), "data-reason"); refused.StatusCode != http.StatusBadRequest || r != "API_KEY_IN_USE" {
		t.Fatalf("revoking the session's own key: %d\n%s", refused.StatusCode, refused.Body)
	}
	if _, err := projects.GetProject(as(s.adminKey), &platformv1.GetProjectRequest{}); err != nil {
		t.Fatalf("the session's key was revoked: %v", err)
	}

	if p := b.post(s.URL+"/console/keys/"+newID+"/revoke", nil); p.StatusCode != http.StatusForbidden {
		t.Fatalf("revoke without CSRF: %d", p.StatusCode)
	}
	wantRedirect(t, b.post(s.URL+"/console/keys/"+newID+"/revoke", url.Values{"csrf": {csrf}}), "/console/keys?done=revoked")
	if _, err := projects.GetProject(as(secret), &platformv1.GetProjectRequest{}); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("the revoked key still works: %v", err)
	}
	if p := b.get(s.URL + "/console/nowhere"); p.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown console page: %d", p.StatusCode)
	}
}
