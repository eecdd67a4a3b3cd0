package stack_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/unimesh/unimesh/cmd/unimesh/stack"
	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/auth"
	"github.com/unimesh/unimesh/pkg/store/storetest"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
	"github.com/unimesh/unimesh/services/connect"
)

func decodeHex(t testing.TB, s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCRMThroughREST(t *testing.T) {
	h := startDev(t)
	conn := h.dev.Connections["sandbox-crm"]
	base := "/crm/v1/connections/" + conn

	// List: the default page is 50, and the token pages on.
	first := h.do("GET", base+"/contacts", nil)
	h.expect(first, 200, "")
	if n := len(first.list("contacts")); n != 50 || first.str("nextPageToken") == "" {
		t.Fatalf("first page: %d contacts, token %q", n, first.str("nextPageToken"))
	}
	seen := map[string]bool{}
	pages, token := 0, ""
	for {
		r := h.do("GET", base+"/contacts?pageSize=40&pageToken="+url.QueryEscape(token), nil)
		h.expect(r, 200, "")
		for _, c := range r.list("contacts") {
			id := c.(map[string]any)["id"].(string)
			if seen[id] {
				t.Fatalf("contact %s on two pages", id)
			}
			seen[id] = true
		}
		pages++
		if token = r.str("nextPageToken"); token == "" {
			break
		}
	}
	if pages != 4 || len(seen) != 150 {
		t.Fatalf("%d pages, %d contacts; want 4 pages of the 150 seeded", pages, len(seen))
	}
	// A token is bound to its request.
	r := h.do("GET", base+"/deals?pageToken="+first.str("nextPageToken"), nil)
	h.expect(r, 400, apierr.ReasonInvalidPageToken)

	// Create, update (mask as query parameter, and inferred from the body), delete.
	created := h.do("POST", base+"/contacts", map[string]any{
		"firstName": "Ada", "lastName": "Lovelace", "emails": []any{map[string]any{"address": "ada@engines.example", "type": "EMAIL_TYPE_WORK"}},
		"customFields": map[string]any{"lead_score": 91},
	})
	h.expect(created, 200, "")
	id := created.str("id")
	if created.str("name") != "Ada Lovelace" || id == "" {
		t.Fatalf("created: %s", created.raw)
	}
	upd := h.do("PATCH", base+"/contacts/"+id+"?updateMask=title", map[string]any{"title": "Countess", "lastName": "not in the mask"})
	h.expect(upd, 200, "")
	if upd.str("title") != "Countess" || upd.str("lastName") != "Lovelace" {
		t.Fatalf("masked update: %s", upd.raw)
	}
	upd = h.do("PATCH", base+"/contacts/"+id, map[string]any{"lastName": "King"})
	h.expect(upd, 200, "")
	if upd.str("lastName") != "King" || upd.str("title") != "Countess" {
		t.Fatalf("inferred mask: %s", upd.raw)
	}
	got := h.do("GET", base+"/contacts/"+id+"?includeRaw=true", nil)
	h.expect(got, 200, "")
	if raw, _ := got.body["raw"].(map[string]any); raw["full_name"] != "Ada King" {
		t.Fatalf("raw payload: %s", got.raw)
	}
	if cf, _ := got.body["customFields"].(map[string]any); cf["lead_score"] != 91.0 {
		t.Fatalf("custom fields lost: %s", got.raw)
	}
	h.expect(h.do("DELETE", base+"/contacts/"+id, nil), 200, "")
	h.expect(h.do("GET", base+"/contacts/"+id, nil), 404, apierr.ReasonRecordNotFound)

	// Modified-since keeps only what changed after the time.
	since := url.QueryEscape(time.Now().Add(-time.Minute).UTC().Format(time.RFC3339))
	d := h.do("POST", base+"/deals", map[string]any{"name": "Minimal", "amount": map[string]any{"units": "100", "currencyCode": "EUR"}})
	h.expect(d, 200, "")
	recent := h.do("GET", base+"/deals?modifiedSince="+since, nil)
	if l := recent.list("deals"); len(l) != 1 || l[0].(map[string]any)["id"] != d.str("id") {
		t.Fatalf("modified since: %s", recent.raw)
	}
	if d.str("stageId") == "" || d.body["status"] != "DEAL_STATUS_OPEN" {
		t.Fatalf("minimal deal: %s", d.raw)
	}
}

func TestErrorsAtTheEdge(t *testing.T) {
	h := startDev(t, func(c *stack.DevConfig) { c.Gateway.MaxBodyBytes = 4096 })
	base := "/crm/v1/connections/" + h.dev.Connections["sandbox-crm"]

	r := h.do("GET", base+"/contacts?pageSize=-1", nil)
	h.expect(r, 400, apierr.ReasonInvalidArgument)
	if v := r.violations(); len(v) != 1 || v[0] != "page_size" {
		t.Fatalf("violations %v: %s", v, r.raw)
	}
	if r.body["error"].(map[string]any)["status"] != "INVALID_ARGUMENT" {
		t.Fatalf("AIP-193 status: %s", r.raw)
	}
	future := url.QueryEscape(time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	r = h.do("GET", base+"/contacts?modifiedSince="+future, nil)
	h.expect(r, 400, apierr.ReasonInvalidArgument)
	if v := r.violations(); len(v) != 1 || v[0] != "modified_since" {
		t.Fatalf("a future modified_since: %s", r.raw)
	}
	h.expect(h.do("GET", base+"/contacts?modifiedSince="+url.QueryEscape(time.Now().Add(time.Minute).UTC().Format(time.RFC3339)), nil), 200, "")
	h.expect(h.as("", "GET", base+"/contacts", nil), 401, apierr.ReasonUnauthenticated)
	h.expect(h.as("umk_aaaaaaaaaaaa_"+strings.Repeat("x", 43), "GET", base+"/contacts", nil), 401, apierr.ReasonAPIKeyInvalid)
	h.expect(h.as("garbage", "GET", base+"/contacts", nil), 401, apierr.ReasonAPIKeyInvalid)
	h.expect(h.do("GET", base+"/contacts?pageSize=abc", nil), 400, "")
	h.expect(h.do("POST", base+"/contacts", map[string]any{"firstName": "x", "nickname": "unknown field"}), 400, "")
	h.expect(h.do("POST", base+"/contacts", `{"firstName": `), 400, "")
	h.expect(h.do("POST", base+"/contacts", map[string]any{"emails": []any{map[string]any{"address": "not an email"}}}), 400, apierr.ReasonInvalidArgument)
	h.expect(h.do("POST", base+"/contacts", map[string]any{"lastName": strings.Repeat("x", 5000)}), 413, apierr.ReasonRequestTooLarge)
	h.expect(h.do("GET", "/crm/v1/connections/no_such_conn/contacts", nil), 404, apierr.ReasonConnectionNotFound)
	h.expect(h.do("GET", "/nope", nil), 404, "ROUTE_NOT_FOUND")
	h.expect(h.do("POST", base+"/activities", map[string]any{"subject": "kind missing"}), 400, apierr.ReasonInvalidArgument)
	r = h.do("PATCH", base+"/contacts/10001?updateMask=nickname", map[string]any{"title": "x"})
	h.expect(r, 400, apierr.ReasonInvalidUpdateMask)
	// A field Sandbox CRM cannot store is refused, not dropped.
	r = h.do("POST", base+"/leads", map[string]any{"name": "x", "emails": []any{map[string]any{"address": "a@x.example"}, map[string]any{"address": "b@x.example"}}})
	h.expect(r, 400, apierr.ReasonInvalidArgument)
	if v := r.violations(); len(v) == 0 || v[0] != "lead.emails" {
		t.Fatalf("violations %v", v)
	}
	// A connection of another category is named as such.
	h.expect(h.do("GET", "/ticketing/v1/connections/"+h.dev.Connections["sandbox-crm"]+"/tickets", nil), 400, apierr.ReasonCategoryMismatch)
}

func TestTenantIsolation(t *testing.T) {
	h := startDev(t)
	ctx := context.Background()
	other, err := connect.CreateProject(ctx, h.dev.Store, "Other tenant", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	_, otherKey, err := connect.CreateAPIKey(ctx, h.dev.Store, other.ID, "k", []platformv1.Scope{platformv1.Scope_SCOPE_ADMIN}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	mine := h.dev.Connections["sandbox-crm"]
	foreign := h.as(otherKey, "GET", "/crm/v1/connections/"+mine+"/contacts", nil)
	missing := h.as(otherKey, "GET", "/crm/v1/connections/conn_doesnotexist00/contacts", nil)
	h.expect(foreign, 404, apierr.ReasonConnectionNotFound)
	h.expect(missing, 404, apierr.ReasonConnectionNotFound)
	strip := func(r response, id string) string { return strings.ReplaceAll(string(r.raw), id, "ID") }
	if strip(foreign, mine) != strip(missing, "conn_doesnotexist00") {
		t.Fatalf("a foreign connection is told apart from a missing one:\n%s\n%s", foreign.raw, missing.raw)
	}
	for _, path := range []string{"/platform/v1/connections/" + mine, "/platform/v1/connections/" + mine + "/passthrough"} {
		method := "GET"
		var body any
		if strings.HasSuffix(path, "passthrough") {
			method, body = "POST", map[string]any{"method": "GET", "path": "/v1/people"}
		}
		h.expect(h.as(otherKey, method, path, body), 404, apierr.ReasonConnectionNotFound)
	}
	if l := h.as(otherKey, "GET", "/platform/v1/connections", nil).list("connections"); len(l) != 0 {
		t.Fatalf("the other project sees connections: %v", l)
	}
	h.expect(h.as(otherKey, "DELETE", "/platform/v1/connections/"+mine, nil), 404, apierr.ReasonConnectionNotFound)
	h.expect(h.do("GET", "/platform/v1/connections/"+mine, nil), 200, "")
}

func TestScopes(t *testing.T) {
	h := startDev(t)
	ctx := context.Background()
	_, readKey, err := connect.CreateAPIKey(ctx, h.dev.Store, h.dev.ProjectID, "reader", []platformv1.Scope{platformv1.Scope_SCOPE_READ}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	base := "/crm/v1/connections/" + h.dev.Connections["sandbox-crm"]
	h.expect(h.as(readKey, "GET", base+"/contacts?pageSize=1", nil), 200, "")
	h.expect(h.as(readKey, "POST", base+"/contacts", map[string]any{"lastName": "x"}), 403, apierr.ReasonPermissionDenied)
	h.expect(h.as(readKey, "GET", "/platform/v1/apiKeys", nil), 403, apierr.ReasonPermissionDenied)

	// Admin keys manage keys; the secret is shown once and never listed.
	created := h.do("POST", "/platform/v1/apiKeys", map[string]any{"displayName": "ci", "scopes": []string{"SCOPE_READ"}})
	h.expect(created, 200, "")
	secret := created.str("key")
	listed := h.do("GET", "/platform/v1/apiKeys", nil)
	if strings.Contains(string(listed.raw), secret[len(secret)-20:]) || len(listed.list("apiKeys")) < 2 {
		t.Fatalf("key list: %s", listed.raw)
	}
	h.expect(h.as(secret, "GET", base+"/users?pageSize=1", nil), 200, "")
	keyID := created.body["apiKey"].(map[string]any)["id"].(string)
	h.expect(h.do("DELETE", "/platform/v1/apiKeys/"+keyID, nil), 200, "")
	// Revocation reaches the services once their short caches expire (10s); the gateway asks connect afresh too.
	deadline := time.Now().Add(15 * time.Second)
	for h.as(secret, "GET", base+"/users?pageSize=1", nil).status != 401 {
		if time.Now().After(deadline) {
			t.Fatal("a revoked key still works after 15s")
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func TestRateLimit(t *testing.T) {
	h := startDev(t, func(c *stack.DevConfig) { c.Gateway.RatePerSecond, c.Gateway.Burst = 0.5, 3 })
	path := "/crm/v1/connections/" + h.dev.Connections["sandbox-crm"] + "/users?pageSize=1"
	var last response
	for range 4 {
		last = h.do("GET", path, nil)
	}
	h.expect(last, 429, apierr.ReasonRateLimited)
	if ra := last.header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Fatalf("Retry-After = %q", ra)
	}
}

func TestConnectionLifecycle(t *testing.T) {
	h := startDev(t)
	key := stack.SandboxKey(h.sandboxSecret(), "sandbox-crm")
	mk := func(k string) string {
		r := h.do("POST", "/platform/v1/connections", map[string]any{
			"connection":  map[string]any{"integration": "sandbox-crm", "endUser": map[string]any{"originId": "cust-42", "name": "ACME"}},
			"credentials": map[string]any{"apiKey": map[string]any{"key": k}},
		})
		h.expect(r, 200, "")
		if strings.Contains(string(r.raw), k) {
			t.Fatalf("the credential is in the response: %s", r.raw)
		}
		return r.str("id")
	}
	good, bad := mk(key), mk("sbx_wrong_key")
	list := h.do("GET", "/platform/v1/connections?endUserOriginId=cust-42", nil)
	if l := list.list("connections"); len(l) != 2 {
		t.Fatalf("list: %s", list.raw)
	}
	c := list.list("connections")[0].(map[string]any)
	if c["integration"] != "sandbox-crm" || c["status"] != "CONNECTION_STATUS_ACTIVE" || c["categories"].([]any)[0] != "CATEGORY_CRM" {
		t.Fatalf("connection: %v", c)
	}
	// Wrong credentials: the provider's 401 marks the connection.
	h.expect(h.do("GET", "/crm/v1/connections/"+bad+"/contacts", nil), 400, apierr.ReasonConnectionNeedsReauth)
	got := h.do("GET", "/platform/v1/connections/"+bad, nil)
	if got.body["status"] != "CONNECTION_STATUS_NEEDS_REAUTH" || !strings.Contains(got.str("statusDetail"), "NEEDS_REAUTH") {
		t.Fatalf("after a 401: %s", got.raw)
	}
	// New credentials fix it in place.
	fixed := h.do("PATCH", "/platform/v1/connections/"+bad, map[string]any{"credentials": map[string]any{"apiKey": map[string]any{"key": key}}})
	h.expect(fixed, 200, "")
	if fixed.body["status"] != "CONNECTION_STATUS_ACTIVE" {
		t.Fatalf("after new credentials: %s", fixed.raw)
	}
	// Disabled connections answer FAILED_PRECONDITION within the cache age.
	h.expect(h.do("PATCH", "/platform/v1/connections/"+good, map[string]any{"updateMask": "status", "connection": map[string]any{"status": "CONNECTION_STATUS_DISABLED"}}), 200, "")
	c2 := h.do("GET", "/platform/v1/connections/"+good, nil)
	if c2.body["status"] != "CONNECTION_STATUS_DISABLED" || c2.body["endUser"].(map[string]any)["originId"] != "cust-42" {
		t.Fatalf("not disabled, or more than the status changed: %s", c2.raw)
	}
	deadline := time.Now().Add(35 * time.Second)
	for {
		r := h.do("GET", "/crm/v1/connections/"+good+"/users?pageSize=1", nil)
		if r.status == 400 && r.reason() == apierr.ReasonConnectionDisabled {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a disabled connection still serves after the cache age: %s", r.raw)
		}
		time.Sleep(time.Second)
	}
	h.expect(h.do("PATCH", "/platform/v1/connections/"+good, map[string]any{"connection": map[string]any{"status": "CONNECTION_STATUS_NEEDS_REAUTH"}}), 400, apierr.ReasonInvalidArgument)
	// Bad input to create.
	h.expect(h.do("POST", "/platform/v1/connections", map[string]any{
		"connection": map[string]any{"integration": "salesforce-typo"}, "credentials": map[string]any{"apiKey": map[string]any{"key": "k"}},
	}), 400, apierr.ReasonIntegrationNotFound)
	h.expect(h.do("POST", "/platform/v1/connections", map[string]any{
		"connection": map[string]any{"integration": "sandbox-crm"}, "credentials": map[string]any{"basic": map[string]any{"username": "u", "password": "p"}},
	}), 400, apierr.ReasonCredentialsMismatch)
	h.expect(h.do("POST", "/platform/v1/connections", map[string]any{
		"connection": map[string]any{"integration": "sandbox-crm", "config": map[string]any{"instance": "x"}}, "credentials": map[string]any{"apiKey": map[string]any{"key": "k"}},
	}), 400, apierr.ReasonInvalidArgument)
	h.expect(h.do("POST", "/platform/v1/connections", map[string]any{"connection": map[string]any{"integration": "sandbox-crm"}}), 400, apierr.ReasonInvalidArgument)
	// Delete.
	h.expect(h.do("DELETE", "/platform/v1/connections/"+good, nil), 200, "")
	h.expect(h.do("GET", "/platform/v1/connections/"+good, nil), 404, apierr.ReasonConnectionNotFound)
	// The catalog lists what each integration supports.
	in := h.do("GET", "/platform/v1/integrations/sandbox-crm", nil)
	h.expect(in, 200, "")
	if objs := in.list("objects"); len(objs) != 7 {
		t.Fatalf("sandbox-crm objects: %s", in.raw)
	}
}

func TestPassthrough(t *testing.T) {
	h := startDev(t)
	path := "/platform/v1/connections/" + h.dev.Connections["sandbox-crm"] + "/passthrough"
	r := h.do("POST", path, map[string]any{"method": "GET", "path": "/v1/people/10001", "query": map[string]any{"x": "1"}})
	h.expect(r, 200, "")
	if r.body["statusCode"] != 200.0 {
		t.Fatalf("passthrough: %s", r.raw)
	}
	if data := r.body["json"].(map[string]any)["data"].(map[string]any); data["id"] != 10001.0 {
		t.Fatalf("passthrough body: %s", r.raw)
	}
	if strings.Contains(string(r.raw), "sbx_") {
		t.Fatalf("the credential came back: %s", r.raw)
	}
	// The provider's own errors come back as they are.
	r = h.do("POST", path, map[string]any{"method": "GET", "path": "/v1/people/1"})
	if r.status != 200 || r.body["statusCode"] != 404.0 {
		t.Fatalf("provider 404: %s", r.raw)
	}
	r = h.do("POST", path, map[string]any{"method": "POST", "path": "/v1/people", "json": map[string]any{"last_name": "Passthrough"}})
	if r.body["statusCode"] != 201.0 {
		t.Fatalf("passthrough create: %s", r.raw)
	}
	for _, bad := range []map[string]any{
		{"method": "GET", "path": "/../admin"},
		{"method": "GET", "path": "/v1/%2e%2e/%2e%2e/etc"},
		{"method": "GET", "path": "//evil.example/x"},
		{"method": "GET", "path": "/v1\\..\\x"},
		{"method": "GET", "path": "/v1/people", "headers": map[string]any{"Authorization": "Bearer stolen"}},
		{"method": "GET", "path": "/v1/people", "headers": map[string]any{"Host": "evil.example"}},
	} {
		h.expect(h.do("POST", path, bad), 400, apierr.ReasonPassthroughRefused)
	}
	h.expect(h.do("POST", path, map[string]any{"method": "GET", "path": "https://evil.example/x"}), 400, apierr.ReasonInvalidArgument)
	h.expect(h.do("POST", path, map[string]any{"method": "TRACE", "path": "/v1/people"}), 400, apierr.ReasonInvalidArgument)
}

func TestNoSecretLeaks(t *testing.T) {
	h := startDev(t, func(c *stack.DevConfig) { c.Sandboxes.Vendors = true })
	base := "/crm/v1/connections/" + h.dev.Connections["sandbox-crm"]
	// The vendors' tokens: used on lists, passthrough, and refused (a 401
	// with the vendor's own error body).
	for _, slug := range stack.VendorSlugs() {
		h.expect(h.do("GET", "/crm/v1/connections/"+h.dev.Connections[slug]+"/deals?pageSize=2&includeRaw=true", nil), 200, "")
		h.do("POST", "/platform/v1/connections/"+h.dev.Connections[slug]+"/passthrough", map[string]any{"method": "GET", "path": "/"})
	}
	bad := h.do("POST", "/platform/v1/connections", map[string]any{
		"connection":  map[string]any{"integration": "salesforce", "config": map[string]any{"instance_url": "https://acme.my.salesforce.com"}},
		"credentials": map[string]any{"oauth2": map[string]any{"accessToken": "00Dsecret_access_token_9", "refreshToken": "secret_refresh_token_9"}},
	})
	h.expect(h.do("GET", "/crm/v1/connections/"+bad.str("id")+"/contacts", nil), 400, apierr.ReasonConnectionNeedsReauth)
	h.do("GET", base+"/contacts?pageSize=5", nil)
	h.do("POST", "/platform/v1/connections/"+h.dev.Connections["sandbox-crm"]+"/passthrough", map[string]any{"method": "GET", "path": "/v1/users"})
	h.do("GET", "/platform/v1/connections", nil)
	h.do("GET", "/platform/v1/connections/"+h.dev.Connections["sandbox-crm"], nil)
	h.as("umk_aaaaaaaaaaaa_"+strings.Repeat("s", 43), "GET", base+"/contacts", nil)
	h.do("POST", "/platform/v1/connections", map[string]any{
		"connection":  map[string]any{"integration": "sandbox-crm"},
		"credentials": map[string]any{"apiKey": map[string]any{"key": "sbx_my_secret_value_123"}},
	})
	_, devSecret, _ := auth.ParseKey(h.dev.APIKey)
	secrets := []string{stack.SandboxKey(h.sandboxSecret(), "sandbox-crm"), devSecret, "sbx_my_secret_value_123", strings.Repeat("s", 43),
		"00Dsecret_access_token_9", "secret_refresh_token_9"}
	for _, slug := range stack.VendorSlugs() {
		secrets = append(secrets, stack.SandboxKey(h.sandboxSecret(), slug))
	}
	logs, bodies := h.logs.String(), h.seen.String()
	var attrs strings.Builder
	for _, s := range h.spans.Ended() {
		for _, kv := range s.Attributes() {
			fmt.Fprintf(&attrs, "%s=%s\n", kv.Key, kv.Value.Emit())
		}
	}
	for _, secret := range secrets {
		for where, text := range map[string]string{"logs": logs, "responses": bodies, "span attributes": attrs.String()} {
			if strings.Contains(text, secret) {
				t.Errorf("a secret (%s...) appears in the %s", secret[:6], where)
			}
		}
	}
	if !strings.Contains(logs, `"msg":"rpc"`) {
		t.Fatal("no log lines were captured; the check above proves nothing")
	}
}

func TestGRPCDirect(t *testing.T) {
	h := startDev(t)
	conn, err := grpc.NewClient(h.dev.Addrs["crm"], grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := crmv1.NewCrmServiceClient(conn)
	ctx := auth.ForwardAPIKey(context.Background(), h.dev.APIKey)
	resp, err := client.ListContacts(ctx, &crmv1.ListContactsRequest{Connection: h.dev.Connections["sandbox-crm"], PageSize: 3})
	if err != nil || len(resp.GetContacts()) != 3 {
		t.Fatalf("ListContacts = %v, %v", resp, err)
	}
	_, err = client.ListContacts(context.Background(), &crmv1.ListContactsRequest{Connection: h.dev.Connections["sandbox-crm"]})
	if status.Code(err) != codes.Unauthenticated {
		t.Fatalf("without a key: %v", err)
	}
	_, err = client.ListContacts(ctx, &crmv1.ListContactsRequest{Connection: "bad id!"})
	if status.Code(err) != codes.InvalidArgument || apierr.Violations(err)[0].Field != "connection" {
		t.Fatalf("bad connection id: %v", err)
	}
}

func TestRestartKeepsData(t *testing.T) {
	dir := t.TempDir()
	start := func() *harness {
		return startDev(t, func(c *stack.DevConfig) { c.DataDir = dir })
	}
	h1 := start()
	key, project, conns := h1.dev.APIKey, h1.dev.ProjectID, h1.dev.Connections
	h1.dev.Close(context.Background())
	h2 := start()
	if h2.dev.APIKey != key || h2.dev.ProjectID != project || fmt.Sprint(h2.dev.Connections) != fmt.Sprint(conns) {
		t.Fatalf("after a restart: key %v project %v connections %v", h2.dev.APIKey == key, h2.dev.ProjectID == project, h2.dev.Connections)
	}
	h2.expect(h2.do("GET", "/crm/v1/connections/"+conns["sandbox-crm"]+"/users", nil), 200, "")
}

func TestDevOnPostgres(t *testing.T) {
	u := storetest.PostgresURL(t)
	if u == "" {
		t.Skip(storetest.PostgresEnv + " is not set")
	}
	h := startDev(t, func(c *stack.DevConfig) { c.DatabaseURL = u })
	h.expect(h.do("GET", "/crm/v1/connections/"+h.dev.Connections["sandbox-crm"]+"/contacts?pageSize=2", nil), 200, "")
	if h.dev.Store.Dialect() != "postgres" {
		t.Fatal("not on PostgreSQL")
	}
}

func TestOpenAPIAndHealth(t *testing.T) {
	h := startDev(t)
	r := h.as("", "GET", "/openapi.json", nil)
	h.expect(r, 200, "")
	paths, _ := r.body["paths"].(map[string]any)
	for _, prefix := range []string{"/crm/v1/", "/ticketing/v1/", "/hris/v1/", "/accounting/v1/", "/ats/v1/", "/platform/v1/connections"} {
		found := false
		for p := range paths {
			found = found || strings.HasPrefix(p, prefix)
		}
		if !found {
			t.Errorf("no %s paths in /openapi.json", prefix)
		}
	}
	if strings.Contains(string(r.raw), "ConnectInternalService") {
		t.Error("the mesh-internal service is advertised")
	}
	hz := h.as("", "GET", "/healthz", nil)
	h.expect(hz, 200, "")
	if s := hz.body["services"].(map[string]any); len(s) != 7 {
		t.Fatalf("healthz: %s", hz.raw)
	}
	_ = http.StatusOK
}
