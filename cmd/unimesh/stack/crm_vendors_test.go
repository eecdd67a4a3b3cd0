package stack_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/unimesh/unimesh/cmd/unimesh/stack"
	"github.com/unimesh/unimesh/pkg/apierr"
)

// crmClient is what a customer writes once: the same REST requests for
// every CRM connection, whatever the vendor behind it.
type crmClient struct {
	h    *harness
	base string
}

// roundTrip creates, reads, updates (with a mask), lists and deletes one
// record of a CRM object, and returns what each step answered.
func (c crmClient) roundTrip(t *testing.T, object string, create, change map[string]any, mask string) (created, updated map[string]any) {
	t.Helper()
	h := c.h
	cr := h.do("POST", c.base+"/"+object, create)
	h.expect(cr, 200, "")
	id := cr.str("id")
	got := h.do("GET", c.base+"/"+object+"/"+url.PathEscape(id)+"?includeRaw=true", nil)
	h.expect(got, 200, "")
	if raw, _ := got.body["raw"].(map[string]any); len(raw) == 0 {
		t.Fatalf("%s: no raw vendor payload: %s", object, got.raw)
	}
	up := h.do("PATCH", c.base+"/"+object+"/"+url.PathEscape(id)+"?updateMask="+mask, change)
	h.expect(up, 200, "")
	if up.str("id") != id {
		t.Fatalf("%s: update changed the id: %s", object, up.raw)
	}
	h.expect(h.do("DELETE", c.base+"/"+object+"/"+url.PathEscape(id), nil), 200, "")
	h.expect(h.do("GET", c.base+"/"+object+"/"+url.PathEscape(id), nil), 404, apierr.ReasonRecordNotFound)
	return cr.body, up.body
}

// pick keeps the named fields of a record, for comparing records across
// vendors on what the client sent. An amount compares by value: "2000.00"
// (Salesforce pads to the field's scale) is "2000".
func pick(rec map[string]any, fields ...string) map[string]any {
	out := map[string]any{}
	for _, f := range fields {
		out[f] = rec[f]
		if m, ok := rec[f].(map[string]any); ok && f == "amount" {
			m = maps.Clone(m)
			if r, ok := new(big.Rat).SetString(fmt.Sprint(m["units"])); ok {
				m["units"] = r.RatString()
			}
			out[f] = m
		}
	}
	return out
}

func TestSameClientCodeOnEveryCRM(t *testing.T) {
	h := startDev(t, func(c *stack.DevConfig) {
		c.Sandboxes.Vendors = true
		c.Gateway = stack.GatewayOptions{RatePerSecond: 1e6, Burst: 1 << 20}
	})
	slugs := append([]string{"sandbox-crm"}, stack.VendorSlugs()...)
	type result struct{ contact, contactUpdated, company, deal, dealUpdated map[string]any }
	results := map[string]result{}
	for _, slug := range slugs {
		conn := h.dev.Connections[slug]
		if conn == "" {
			t.Fatalf("no dev connection to %s", slug)
		}
		c := crmClient{h: h, base: "/crm/v1/connections/" + conn}
		t.Run(slug, func(t *testing.T) {
			h.t = t
			// Lists page.
			for _, object := range []string{"contacts", "companies", "deals"} {
				r := h.do("GET", c.base+"/"+object+"?pageSize=3", nil)
				h.expect(r, 200, "")
				if len(r.list(object)) != 3 || r.str("nextPageToken") == "" {
					t.Fatalf("%s: first page of 3: %s", object, r.raw)
				}
				next := h.do("GET", c.base+"/"+object+"?pageSize=3&pageToken="+url.QueryEscape(r.str("nextPageToken")), nil)
				h.expect(next, 200, "")
				if len(next.list(object)) == 0 || reflect.DeepEqual(next.list(object)[0], r.list(object)[0]) {
					t.Fatalf("%s: second page: %s", object, next.raw)
				}
			}
			var res result
			res.contact, res.contactUpdated = c.roundTrip(t, "contacts", map[string]any{
				"firstName": "Ada", "lastName": "Lovelace",
				"emails": []any{map[string]any{"address": "ada@engines.example", "type": "EMAIL_TYPE_WORK"}},
				"phones": []any{map[string]any{"number": "+14155550123", "type": "PHONE_TYPE_WORK"}},
			}, map[string]any{"lastName": "King", "firstName": "not in the mask"}, "lastName")
			res.company, _ = c.roundTrip(t, "companies", map[string]any{"name": "Analytical Engines Ltd"},
				map[string]any{"name": "Difference Engines Ltd"}, "name")
			res.deal, res.dealUpdated = c.roundTrip(t, "deals", map[string]any{
				"name": "Engine No. 2", "amount": map[string]any{"units": "1500.50", "currencyCode": "USD"},
			}, map[string]any{"amount": map[string]any{"units": "2000", "currencyCode": "USD"}}, "amount")
			results[slug] = res
		})
	}
	h.t = t
	// What a vendor cannot do is said, not lost: Pipedrive's API stores no
	// job title (400 naming the field), Salesforce has no pipelines to
	// create (501), and the catalog says both beforehand.
	r := h.do("POST", "/crm/v1/connections/"+h.dev.Connections["pipedrive"]+"/contacts", map[string]any{"lastName": "Byron", "title": "Poet"})
	h.expect(r, 400, apierr.ReasonInvalidArgument)
	if v := r.violations(); len(v) != 1 || v[0] != "contact.title" {
		t.Fatalf("pipedrive title: %s", r.raw)
	}
	r = h.do("POST", "/crm/v1/connections/"+h.dev.Connections["salesforce"]+"/pipelines", map[string]any{"name": "Renewals"})
	h.expect(r, 501, apierr.ReasonOperationNotSupported)
	in := h.do("GET", "/platform/v1/integrations/salesforce", nil)
	for _, o := range in.list("objects") {
		if m := o.(map[string]any); m["object"] == "pipeline" && fmt.Sprint(m["operations"]) != "[OPERATION_LIST OPERATION_GET]" {
			t.Fatalf("salesforce pipelines in the catalog: %v", m)
		}
	}
	want := results["sandbox-crm"]
	for _, slug := range slugs[1:] {
		got, ok := results[slug]
		if !ok {
			continue // its subtest failed
		}
		same := func(what string, a, b map[string]any, fields ...string) {
			if pa, pb := pick(a, fields...), pick(b, fields...); !reflect.DeepEqual(pa, pb) {
				ja, _ := json.Marshal(pa)
				jb, _ := json.Marshal(pb)
				t.Errorf("%s %s differs from sandbox-crm's:\n%s\n%s", slug, what, jb, ja)
			}
		}
		same("created contact", want.contact, got.contact, "firstName", "lastName", "name", "title", "emails")
		same("updated contact", want.contactUpdated, got.contactUpdated, "firstName", "lastName", "name")
		if ph, _ := got.contact["phones"].([]any); len(ph) == 0 || fmt.Sprint(ph[0].(map[string]any)["number"]) != "+14155550123" {
			t.Errorf("%s contact phone: %v", slug, got.contact["phones"])
		}
		same("created company", want.company, got.company, "name")
		same("created deal", want.deal, got.deal, "name", "amount", "status")
		same("updated deal", want.dealUpdated, got.dealUpdated, "name", "amount", "status")
		for _, f := range []string{"pipelineId", "stageId"} {
			if got.deal[f] == "" || got.deal[f] == nil {
				t.Errorf("%s minimal deal has no %s: %v", slug, f, got.deal)
			}
		}
	}
}

func TestVendorConnections(t *testing.T) {
	h := startDev(t, func(c *stack.DevConfig) { c.Sandboxes.Vendors = true })
	token := stack.SandboxKey(h.sandboxSecret(), "salesforce")
	create := func(config map[string]any, cred map[string]any) response {
		return h.do("POST", "/platform/v1/connections", map[string]any{
			"connection":  map[string]any{"integration": "salesforce", "config": config, "endUser": map[string]any{"originId": "cust-7"}},
			"credentials": cred,
		})
	}
	instance := map[string]any{"instance_url": "https://acme.my.salesforce.com"}
	oauth := func(tok string) map[string]any {
		return map[string]any{"oauth2": map[string]any{"accessToken": tok, "refreshToken": "rt-secret-1", "scopes": []any{"api", "refresh_token"}}}
	}
	// Salesforce takes OAuth tokens only, and an instance on Salesforce's domains.
	h.expect(create(instance, map[string]any{"apiKey": map[string]any{"key": "k"}}), 400, apierr.ReasonCredentialsMismatch)
	for _, bad := range []string{"https://evil.example.com", "http://acme.my.salesforce.com", "https://acme.my.salesforce.com.evil.example", ""} {
		r := create(map[string]any{"instance_url": bad}, oauth(token))
		h.expect(r, 400, apierr.ReasonInvalidArgument)
		if v := r.violations(); len(v) == 0 || v[0] != "connection.config" && v[0] != "connection.config.instance_url" {
			t.Fatalf("instance %q: violations %v", bad, v)
		}
	}
	good := create(instance, oauth(token))
	h.expect(good, 200, "")
	if good.body["authType"] != "AUTH_TYPE_OAUTH2" || fmt.Sprint(good.body["scopes"]) != "[api refresh_token]" {
		t.Fatalf("oauth connection: %s", good.raw)
	}
	for _, secret := range []string{token, "rt-secret-1"} {
		if contains(good.raw, secret) {
			t.Fatal("a token is in the response")
		}
	}
	// An expired or revoked token: the vendor's 401 marks the connection.
	expired := create(instance, oauth("00Dxx0000000000!expired"))
	h.expect(expired, 200, "")
	h.expect(h.do("GET", "/crm/v1/connections/"+expired.str("id")+"/contacts", nil), 400, apierr.ReasonConnectionNeedsReauth)
	if got := h.do("GET", "/platform/v1/connections/"+expired.str("id"), nil); got.body["status"] != "CONNECTION_STATUS_NEEDS_REAUTH" {
		t.Fatalf("after a 401: %s", got.raw)
	}
	// The catalog says what each vendor supports.
	for _, slug := range stack.VendorSlugs() {
		in := h.do("GET", "/platform/v1/integrations/"+slug, nil)
		h.expect(in, 200, "")
		if len(in.list("objects")) < 5 || in.str("rateLimitPolicy") == "" {
			t.Fatalf("%s in the catalog: %s", slug, in.raw)
		}
	}
}

func contains(b []byte, s string) bool { return strings.Contains(string(b), s) }
