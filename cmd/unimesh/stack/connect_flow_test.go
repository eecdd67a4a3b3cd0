package stack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/unimesh/unimesh/cmd/unimesh/stack"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

// endUser is a browser without JavaScript: it follows the connect pages,
// the provider's consent and the callback with plain HTTP and a cookie jar.
type endUser struct {
	t      *testing.T
	client *http.Client
}

func newEndUser(t *testing.T) *endUser {
	jar, _ := cookiejar.New(nil)
	return &endUser{t: t, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (u *endUser) send(method, target string, form url.Values) (*http.Response, string) {
	u.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		u.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		// A browser sends its page's origin with a form.
		if p, err := url.Parse(target); err == nil {
			req.Header.Set("Origin", p.Scheme+"://"+p.Host)
		}
	}
	resp, err := u.client.Do(req)
	if err != nil {
		u.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var connectionIDAttr = regexp.MustCompile(`data-connection-id="(conn_[A-Za-z0-9_-]+)"`)

// connectThroughOAuth opens a connect link, picks slug, consents at the
// provider's emulator and lands on the success page; it returns the
// connection made.
func (u *endUser) connectThroughOAuth(link, slug string) string {
	u.t.Helper()
	resp, page := u.send(http.MethodGet, link, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `data-integration="`+slug+`"`) {
		u.t.Fatalf("connect page: %d\n%s", resp.StatusCode, page)
	}
	resp, page = u.send(http.MethodPost, link+"/"+slug+"/oauth", url.Values{})
	authorize := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || authorize == "" {
		u.t.Fatalf("continue with %s: %d\n%s", slug, resp.StatusCode, page)
	}
	resp, page = u.send(http.MethodGet, authorize, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `id="allow"`) {
		u.t.Fatalf("consent page: %d\n%s", resp.StatusCode, page)
	}
	au, _ := url.Parse(authorize)
	decision := au.Query()
	decision.Set("decision", "allow")
	resp, page = u.send(http.MethodPost, au.Scheme+"://"+au.Host+au.Path, decision)
	callback := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.Contains(callback, "/oauth/callback?") {
		u.t.Fatalf("consent: %d %q\n%s", resp.StatusCode, callback, page)
	}
	resp, page = u.send(http.MethodGet, callback, nil)
	m := connectionIDAttr.FindStringSubmatch(page)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `data-status="success"`) || m == nil {
		u.t.Fatalf("callback: %d\n%s", resp.StatusCode, page)
	}
	return m[1]
}

func emulatorControl(t *testing.T, h *harness, slug, action string) map[string]any {
	t.Helper()
	method := http.MethodPost
	if action == "stats" {
		method = http.MethodGet
	}
	req, _ := http.NewRequest(method, h.dev.Sandboxes.URL+"/"+slug+"/_emulator/oauth/"+action, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("emulator %s: %d %v", action, resp.StatusCode, err)
	}
	return out
}

// The "must show", end to end on `unimesh dev`: a connect link
// made with the API, the HubSpot sandbox connected through OAuth, the CRM
// API on the new connection; an expired token refreshed once for many
// calls; a revoked grant turning the connection NEEDS_REAUTH; a re-connect
// link fixing it in place.
func TestConnectLinkOAuthRefreshRevokeReconnect(t *testing.T) {
	h := startDev(t, func(c *stack.DevConfig) {
		c.Sandboxes.Vendors = true
		c.Gateway = stack.GatewayOptions{RatePerSecond: 1e6, Burst: 1 << 20}
	})
	r := h.do(http.MethodPost, "/platform/v1/connectSessions", map[string]any{
		"endUser": map[string]any{"originId": "acme-42", "name": "Acme Inc"}, "integrations": []string{"hubspot", "pipedrive"}})
	h.expect(r, http.StatusOK, "")
	link := r.str("url")
	if !strings.HasPrefix(link, h.dev.URL+"/connect/cst_") {
		t.Fatalf("link %q", link)
	}
	user := newEndUser(t)
	id := user.connectThroughOAuth(link, "hubspot")

	conn := h.do(http.MethodGet, "/platform/v1/connections/"+id, nil)
	h.expect(conn, http.StatusOK, "")
	config, _ := conn.body["config"].(map[string]any)
	if conn.str("status") != "CONNECTION_STATUS_ACTIVE" || conn.str("authType") != "AUTH_TYPE_OAUTH2" || len(conn.list("scopes")) == 0 ||
		config["hub_id"] == nil || config["hub_id"] == "" {
		t.Fatalf("connection: %s", conn.raw)
	}
	contacts := h.do(http.MethodGet, "/crm/v1/connections/"+id+"/contacts?pageSize=5", nil)
	h.expect(contacts, http.StatusOK, "")
	if len(contacts.list("contacts")) == 0 {
		t.Fatalf("no contacts: %s", contacts.raw)
	}
	// The link is spent.
	resp, page := user.send(http.MethodGet, link, nil)
	if resp.StatusCode != http.StatusGone || !strings.Contains(page, "CONNECT_SESSION_USED") {
		t.Fatalf("reused link: %d\n%s", resp.StatusCode, page)
	}

	// The access token expires at HubSpot: many calls at once, one refresh.
	before := emulatorControl(t, h, "hubspot", "stats")["refreshes"].(float64)
	emulatorControl(t, h, "hubspot", "expire")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			r := h.do(http.MethodGet, "/crm/v1/connections/"+id+"/contacts?pageSize=2", nil)
			if r.status != http.StatusOK {
				t.Errorf("call after expiry: %d %s", r.status, r.raw)
			}
		})
	}
	wg.Wait()
	if after := emulatorControl(t, h, "hubspot", "stats")["refreshes"].(float64); after-before != 1 {
		t.Fatalf("%v refreshes at HubSpot, want 1", after-before)
	}

	// The end user uninstalls the app at HubSpot.
	emulatorControl(t, h, "hubspot", "revoke")
	emulatorControl(t, h, "hubspot", "expire")
	h.expect(h.do(http.MethodGet, "/crm/v1/connections/"+id+"/contacts", nil), http.StatusBadRequest, "CONNECTION_NEEDS_REAUTH")
	conn = h.do(http.MethodGet, "/platform/v1/connections/"+id, nil)
	if conn.str("status") != "CONNECTION_STATUS_NEEDS_REAUTH" {
		t.Fatalf("after revocation: %s", conn.raw)
	}

	// A re-connect link fixes the same connection.
	r = h.do(http.MethodPost, "/platform/v1/connectSessions", map[string]any{
		"endUser": map[string]any{"originId": "acme-42"}, "reconnectConnectionId": id})
	h.expect(r, http.StatusOK, "")
	if again := newEndUser(t).connectThroughOAuth(r.str("url"), "hubspot"); again != id {
		t.Fatalf("re-connect made %s, want %s", again, id)
	}
	h.expect(h.do(http.MethodGet, "/crm/v1/connections/"+id+"/contacts?pageSize=1", nil), http.StatusOK, "")

	// The request log shows the calls, without payloads.
	var log response
	for range 50 { // the category service sends its log every second
		if log = h.do(http.MethodGet, "/platform/v1/connections/"+id+"/requests", nil); len(log.list("requests")) >= 10 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	entries := log.list("requests")
	if len(entries) < 10 {
		t.Fatalf("request log: %s", log.raw)
	}
	newest := entries[0].(map[string]any)
	if newest["transport"] != "rest" || newest["method"] != "GET" || newest["path"] != fmt.Sprintf("/crm/v1/connections/%s/contacts", id) ||
		newest["status"] != float64(200) || len(newest["traceId"].(string)) != 32 {
		t.Fatalf("newest entry: %v", newest)
	}
	if strings.Contains(string(log.raw), "pageSize") {
		t.Fatal("the request log keeps query strings")
	}

	// None of the flow's secrets reaches a log line, a span or an API
	// response: the tokens obtained, the dev OAuth client's secret, the
	// link's secret.
	sealed, err := h.dev.Store.GetCredential(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := h.dev.Keyring.Open(sealed.KeyID, sealed.Sealed, id)
	if err != nil {
		t.Fatal(err)
	}
	var cred platformv1.Credentials
	if err := proto.Unmarshal(plain, &cred); err != nil || cred.GetOauth2().GetRefreshToken() == "" {
		t.Fatalf("stored credential: %v", err)
	}
	secrets := []string{cred.GetOauth2().GetAccessToken(), cred.GetOauth2().GetRefreshToken(),
		stack.DevOAuthClient(h.sandboxSecret(), "hubspot").ClientSecret}
	// The link's secret is in one response by design: the one that made it.
	linkSecret := strings.TrimPrefix(link, h.dev.URL+"/connect/")
	var attrs strings.Builder
	for _, s := range h.spans.Ended() {
		for _, kv := range s.Attributes() {
			fmt.Fprintf(&attrs, "%s=%s\n", kv.Key, kv.Value.Emit())
		}
	}
	for _, secret := range append(secrets, linkSecret) {
		places := map[string]string{"logs": h.logs.String(), "span attributes": attrs.String()}
		if secret != linkSecret {
			places["responses"] = h.seen.String()
		}
		for where, text := range places {
			if strings.Contains(text, secret) {
				t.Errorf("a secret (%s...) appears in the %s", secret[:6], where)
			}
		}
	}
	if !strings.Contains(h.logs.String(), "token refreshed") {
		t.Fatal("no refresh was logged; the log check above may prove nothing")
	}
}
