package hubspotemu

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

const token = "pat-na1-emu-test"

var hubspotTime = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

type client struct {
	t   *testing.T
	url string
	tok string
}

func serve(t *testing.T, opts Options) (*Emulator, *client) {
	t.Helper()
	if opts.Token == "" {
		opts.Token = token
	}
	e := New(opts)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return e, &client{t: t, url: srv.URL, tok: opts.Token}
}

// do sends a request and decodes a JSON answer into a map.
func (c *client) do(method, path string, body any) (*http.Response, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.url+path, rd)
	if c.tok != "" {
		req.Header.Set("Authorization", "Bearer "+c.tok)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			c.t.Fatalf("%s %s: not JSON: %s", method, path, raw)
		}
	}
	return resp, out
}

func (c *client) expect(status int, method, path string, body any) map[string]any {
	c.t.Helper()
	resp, out := c.do(method, path, body)
	if resp.StatusCode != status {
		c.t.Fatalf("%s %s: %d, want %d: %v", method, path, resp.StatusCode, status, out)
	}
	return out
}

func results(m map[string]any) []map[string]any {
	var out []map[string]any
	for _, r := range m["results"].([]any) {
		out = append(out, r.(map[string]any))
	}
	return out
}

func props(o map[string]any) map[string]any { return o["properties"].(map[string]any) }

// checkError checks HubSpot's error body shape.
func checkError(t *testing.T, body map[string]any, category string) {
	t.Helper()
	if body["status"] != "error" || body["category"] != category || body["message"] == "" {
		t.Fatalf("error body %v, want category %s", body, category)
	}
	if id, _ := body["correlationId"].(string); !regexp.MustCompile(`^[0-9a-f-]{36}$`).MatchString(id) {
		t.Fatalf("correlationId %q", body["correlationId"])
	}
}

func TestAuthentication(t *testing.T) {
	e, c := serve(t, Options{Seed: true})
	for _, tok := range []string{"", "pat-na1-wrong"} {
		c.tok = tok
		resp, body := c.do("GET", "/crm/v3/objects/contacts", nil)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("token %q: %d", tok, resp.StatusCode)
		}
		checkError(t, body, "INVALID_AUTHENTICATION")
		if strings.Contains(body["message"].(string), "wrong") {
			t.Fatal("the 401 echoes the token")
		}
	}
	c.tok = token
	e.Expire(token)
	resp, body := c.do("GET", "/crm/v3/objects/contacts", nil)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("expired: %d", resp.StatusCode)
	}
	checkError(t, body, "EXPIRED_AUTHENTICATION")
}

func TestListPagingPropertiesAndDates(t *testing.T) {
	e, c := serve(t, Options{Seed: true})
	seen := map[string]bool{}
	after := ""
	for pages := 0; ; pages++ {
		path := "/crm/v3/objects/contacts?limit=7&properties=firstname,email,nonexistent_prop,fax"
		if after != "" {
			path += "&after=" + after
		}
		body := c.expect(200, "GET", path, nil)
		rs := results(body)
		if len(rs) > 7 || pages > 20 {
			t.Fatalf("page of %d", len(rs))
		}
		for _, r := range rs {
			seen[r["id"].(string)] = true
			p := props(r)
			if _, ok := p["nonexistent_prop"]; ok {
				t.Fatal("an undefined property was returned")
			}
			if v, ok := p["fax"]; !ok || v != nil {
				t.Fatalf("a defined but empty property must read null: %v", p)
			}
			if _, ok := p["lastname"]; ok {
				t.Fatalf("a property not asked for was returned: %v", p)
			}
			for _, k := range []string{"hs_object_id", "createdate", "lastmodifieddate"} {
				if p[k] == nil {
					t.Fatalf("system property %s missing: %v", k, p)
				}
			}
			for _, k := range []string{"createdAt", "updatedAt"} {
				if !hubspotTime.MatchString(r[k].(string)) {
					t.Fatalf("%s %q is not HubSpot's format", k, r[k])
				}
			}
			if r["archived"] != false {
				t.Fatal("archived flag")
			}
		}
		next, _ := body["paging"].(map[string]any)
		if next == nil {
			break
		}
		after = next["next"].(map[string]any)["after"].(string)
		if link := next["next"].(map[string]any)["link"].(string); !strings.Contains(link, "after=") {
			t.Fatalf("paging link %q", link)
		}
	}
	if len(seen) != e.Len("contacts") || len(seen) < 25 {
		t.Fatalf("paged through %d of %d contacts", len(seen), e.Len("contacts"))
	}
	c.expect(400, "GET", "/crm/v3/objects/contacts?limit=101", nil)
	c.expect(400, "GET", "/crm/v3/objects/contacts?after=garbage", nil)
	c.expect(400, "GET", "/crm/v3/objects/widgets", nil)
	// Default properties when none are asked for.
	p := props(results(c.expect(200, "GET", "/crm/v3/objects/deals?limit=1", nil))[0])
	for _, k := range []string{"dealname", "amount", "closedate", "pipeline", "dealstage"} {
		if _, ok := p[k]; !ok {
			t.Fatalf("default deal property %s missing: %v", k, p)
		}
	}
}

func TestCreateValidationAndConflicts(t *testing.T) {
	_, c := serve(t, Options{Seed: true})
	created := c.expect(201, "POST", "/crm/v3/objects/contacts", map[string]any{
		"properties": map[string]any{"firstname": "Ada", "email": "Ada@Engines.example", "nps_score": 7},
	})
	if p := props(created); p["email"] != "ada@engines.example" || p["nps_score"] != "7" || !hubspotTime.MatchString(p["createdate"].(string)) {
		t.Fatalf("created: %v", p)
	}
	body := c.expect(400, "POST", "/crm/v3/objects/contacts", map[string]any{
		"properties": map[string]any{"firstname": "X", "favourite_colour": "blue", "hs_additional_emails": "a@b.example"},
	})
	checkError(t, body, "VALIDATION_ERROR")
	if !strings.HasPrefix(body["message"].(string), "Property values were not valid: [") {
		t.Fatalf("message %q", body["message"])
	}
	var names, codes []string
	for _, e := range body["errors"].([]any) {
		em := e.(map[string]any)
		names = append(names, em["context"].(map[string]any)["propertyName"].([]any)[0].(string))
		codes = append(codes, em["code"].(string))
	}
	if !reflect.DeepEqual(names, []string{"favourite_colour", "hs_additional_emails"}) ||
		!reflect.DeepEqual(codes, []string{"PROPERTY_DOESNT_EXIST", "READ_ONLY_VALUE"}) {
		t.Fatalf("errors %v %v", names, codes)
	}
	body = c.expect(400, "POST", "/crm/v3/objects/companies", map[string]any{"properties": map[string]any{"name": "X", "industry": "Software"}})
	if body["errors"].([]any)[0].(map[string]any)["code"] != "INVALID_OPTION" {
		t.Fatalf("invalid option: %v", body)
	}
	body = c.expect(409, "POST", "/crm/v3/objects/contacts", map[string]any{"properties": map[string]any{"email": "ada@engines.example"}})
	checkError(t, body, "CONFLICT")
	if body["message"] != "Contact already exists. Existing ID: "+created["id"].(string) {
		t.Fatalf("conflict message %q", body["message"])
	}
	c.expect(400, "POST", "/crm/v3/objects/contacts", map[string]any{"properties": map[string]any{"hubspot_owner_id": "999"}})
	c.expect(400, "POST", "/crm/v3/objects/tasks", map[string]any{"properties": map[string]any{"hs_task_subject": "no due date"}})
	// A lead must be created on a contact.
	c.expect(400, "POST", "/crm/v3/objects/leads", map[string]any{"properties": map[string]any{"hs_lead_name": "Orphan"}})
	lead := c.expect(201, "POST", "/crm/v3/objects/leads", map[string]any{"properties": map[string]any{"hs_lead_name": "Ada"},
		"associations": []any{map[string]any{"to": map[string]any{"id": created["id"]},
			"types": []any{map[string]any{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 578}}}}})
	if p := props(lead); p["hs_pipeline"] != "lead-pipeline-id" || p["hs_pipeline_stage"] != "new-stage-id" {
		t.Fatalf("lead defaults: %v", p)
	}
	body = c.expect(400, "POST", "/crm/v3/objects/notes", map[string]any{"properties": map[string]any{"hs_timestamp": "2025-01-01T00:00:00Z"},
		"associations": []any{map[string]any{"to": map[string]any{"id": "999"},
			"types": []any{map[string]any{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 202}}}}})
	if ctx := body["errors"].([]any)[0].(map[string]any)["context"].(map[string]any); ctx["toObjectId"].([]any)[0] != "999" {
		t.Fatalf("association error: %v", body)
	}
}

func TestDealsNeedAStageAndFollowIt(t *testing.T) {
	_, c := serve(t, Options{Seed: true})
	body := c.expect(400, "POST", "/crm/v3/objects/deals", map[string]any{"properties": map[string]any{"dealname": "X", "amount": "10"}})
	checkError(t, body, "VALIDATION_ERROR")
	if body["errors"].([]any)[0].(map[string]any)["context"].(map[string]any)["propertyName"].([]any)[0] != "dealstage" {
		t.Fatalf("missing dealstage: %v", body)
	}
	d := c.expect(201, "POST", "/crm/v3/objects/deals", map[string]any{"properties": map[string]any{
		"dealname": "X", "amount": "1500.50", "dealstage": "qualifiedtobuy"}})
	p := props(d)
	if p["pipeline"] != "default" || p["hs_deal_stage_probability"] != "0.4" || p["hs_is_closed"] != "false" || p["amount"] != "1500.5" {
		t.Fatalf("deal: %v", p)
	}
	c.expect(400, "POST", "/crm/v3/objects/deals", map[string]any{"properties": map[string]any{"dealname": "X", "dealstage": "1045000001"}})
	won := c.expect(200, "PATCH", "/crm/v3/objects/deals/"+d["id"].(string), map[string]any{"properties": map[string]any{"dealstage": "closedwon"}})
	if p := props(won); p["hs_is_closed_won"] != "true" || !hubspotTime.MatchString(p["closedate"].(string)) {
		t.Fatalf("won: %v", p)
	}
}

func TestArchive(t *testing.T) {
	_, c := serve(t, Options{Seed: true})
	c.expect(204, "DELETE", "/crm/v3/objects/companies/18540000003", nil)
	body := c.expect(404, "GET", "/crm/v3/objects/companies/18540000003", nil)
	checkError(t, body, "OBJECT_NOT_FOUND")
	if got := c.expect(200, "GET", "/crm/v3/objects/companies/18540000003?archived=true", nil); got["archived"] != true || got["archivedAt"] == nil {
		t.Fatalf("archived: %v", got)
	}
	c.expect(204, "DELETE", "/crm/v3/objects/companies/18540000003", nil)
	c.expect(204, "DELETE", "/crm/v3/objects/companies/999", nil)
	if body := c.expect(404, "GET", "/crm/v3/objects/companies/acme", nil); !strings.Contains(body["message"].(string), "usually numeric") {
		t.Fatalf("non-numeric id: %v", body)
	}
	c.expect(404, "PATCH", "/crm/v3/objects/companies/18540000003", map[string]any{"properties": map[string]any{"name": "x"}})
}

func TestAssociations(t *testing.T) {
	_, c := serve(t, Options{Seed: true})
	got := c.expect(200, "GET", "/crm/v3/objects/contacts/51001?associations=companies,deals,widgets", nil)
	as := got["associations"].(map[string]any)["companies"].(map[string]any)["results"].([]any)
	var types []string
	for _, a := range as {
		types = append(types, a.(map[string]any)["type"].(string))
	}
	if !reflect.DeepEqual(types, []string{"contact_to_company", "contact_to_company_unlabeled"}) {
		t.Fatalf("v3 association types %v", types)
	}
	company := as[0].(map[string]any)["id"].(string)
	def := c.expect(200, "PUT", "/crm/v4/objects/contacts/51001/associations/default/companies/18540000009", nil)
	if def["status"] != "COMPLETE" || len(def["results"].([]any)) != 2 {
		t.Fatalf("default association: %v", def)
	}
	lab := c.expect(201, "PUT", "/crm/v4/objects/contact/51001/associations/company/18540000009",
		[]any{map[string]any{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1}})
	if !reflect.DeepEqual(lab["labels"], []any{"Primary"}) || lab["fromObjectTypeId"] != "0-1" {
		t.Fatalf("labeled association: %v", lab)
	}
	list := results(c.expect(200, "GET", "/crm/v4/objects/contacts/51001/associations/companies", nil))
	primary := map[string]bool{}
	for _, r := range list {
		for _, at := range r["associationTypes"].([]any) {
			if at.(map[string]any)["label"] == "Primary" {
				primary[jsonID(r["toObjectId"])] = true
			}
		}
	}
	if !primary["18540000009"] || primary[company] {
		t.Fatalf("the primary company did not move: %v", list)
	}
	c.expect(204, "DELETE", "/crm/v4/objects/contacts/51001/associations/companies/18540000009", nil)
	c.expect(400, "PUT", "/crm/v4/objects/contacts/51001/associations/default/companies/1", nil)
	resp, batch := c.do("POST", "/crm/v4/associations/contacts/companies/batch/read",
		map[string]any{"inputs": []any{map[string]any{"id": "51001"}, map[string]any{"id": "51037"}}})
	if resp.StatusCode != http.StatusMultiStatus || len(batch["results"].([]any)) != 1 || batch["numErrors"] != 1.0 {
		t.Fatalf("batch read: %d %v", resp.StatusCode, batch)
	}
}

func jsonID(v any) string {
	b, _ := json.Marshal(v)
	return strings.Trim(string(b), `"`)
}

func TestSearch(t *testing.T) {
	e, c := serve(t, Options{Seed: true})
	e.SearchLimiter.SetLimit(100, time.Second) // more searches than five a second
	since := time.Now().AddDate(0, 0, -60)
	for _, value := range []any{since.UnixMilli(), since.UTC().Format(time.RFC3339)} {
		req := map[string]any{
			"filterGroups": []any{map[string]any{"filters": []any{map[string]any{"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": value}}}},
			"sorts":        []any{map[string]any{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}},
			"properties":   []any{"dealname"}, "limit": 3,
		}
		resp, body := c.do("POST", "/crm/v3/objects/deals/search", req)
		if resp.StatusCode != 200 || resp.Header.Get("X-HubSpot-RateLimit-Remaining") != "" {
			t.Fatalf("search: %d, headers %v", resp.StatusCode, resp.Header)
		}
		rs := results(body)
		total := int(body["total"].(float64))
		if len(rs) != min(3, total) || total == 0 {
			t.Fatalf("search results %d of %v", len(rs), total)
		}
		prev := ""
		for _, r := range rs {
			m := props(r)["hs_lastmodifieddate"].(string)
			if m < prev || m < since.UTC().Format(time.RFC3339) || r["associations"] != nil {
				t.Fatalf("order, filter or associations: %v", r)
			}
			prev = m
		}
		if total > 3 && body["paging"].(map[string]any)["next"].(map[string]any)["after"] != "3" {
			t.Fatalf("search paging: %v", body["paging"])
		}
	}
	c.expect(400, "POST", "/crm/v3/objects/deals/search", map[string]any{"limit": 201})
	c.expect(400, "POST", "/crm/v3/objects/deals/search", map[string]any{"filterGroups": []any{map[string]any{"filters": []any{
		map[string]any{"propertyName": "no_such_prop", "operator": "EQ", "value": "x"}}}}})
	e.SetSearchCap(5)
	body := c.expect(200, "POST", "/crm/v3/objects/contacts/search", map[string]any{"limit": 4, "after": "2"})
	if len(results(body)) != 3 || body["paging"] != nil {
		t.Fatalf("search stops at the cap: %v", body)
	}
	c.expect(400, "POST", "/crm/v3/objects/contacts/search", map[string]any{"limit": 4, "after": "5"})
}

func TestRateLimits(t *testing.T) {
	e, c := serve(t, Options{Seed: true})
	resp, _ := c.do("GET", "/crm/v3/objects/contacts?limit=1", nil)
	for _, h := range []string{"Daily", "Daily-Remaining", "Interval-Milliseconds", "Max", "Remaining", "Secondly", "Secondly-Remaining"} {
		if resp.Header.Get("X-HubSpot-RateLimit-"+h) == "" {
			t.Fatalf("header X-HubSpot-RateLimit-%s missing", h)
		}
	}
	if resp.Header.Get("X-HubSpot-RateLimit-Interval-Milliseconds") != "10000" || resp.Header.Get("X-HubSpot-RateLimit-Max") != "100" {
		t.Fatalf("defaults: %v", resp.Header)
	}
	e.Limiter.SetLimit(2, time.Hour)
	c.do("GET", "/crm/v3/objects/contacts?limit=1", nil)
	c.do("GET", "/crm/v3/objects/contacts?limit=1", nil)
	resp, body := c.do("GET", "/crm/v3/objects/contacts?limit=1", nil)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "" ||
		resp.Header.Get("X-HubSpot-RateLimit-Remaining") != "0" || body["policyName"] != "TEN_SECONDLY_ROLLING" {
		t.Fatalf("429: %d %v %v", resp.StatusCode, resp.Header, body)
	}
	checkError(t, body, "RATE_LIMITS")
	e.Limiter.SetLimit(1000, time.Second)
	e.SearchLimiter.SetLimit(1, time.Hour)
	c.expect(200, "POST", "/crm/v3/objects/contacts/search", map[string]any{})
	resp, body = c.do("POST", "/crm/v3/objects/contacts/search", map[string]any{})
	if resp.StatusCode != http.StatusTooManyRequests || body["policyName"] != "SECONDLY" || resp.Header.Get("X-HubSpot-RateLimit-Max") != "" {
		t.Fatalf("search 429: %d %v %v", resp.StatusCode, resp.Header, body)
	}
	// The search limit is the search endpoints' own.
	c.expect(200, "GET", "/crm/v3/objects/contacts?limit=1", nil)
}

func TestPipelinesOwnersPropertiesAccount(t *testing.T) {
	_, c := serve(t, Options{Seed: true})
	ps := results(c.expect(200, "GET", "/crm/v3/pipelines/deals", nil))
	if len(ps) != 2 || ps[0]["id"] != "default" || ps[0]["createdAt"] != "1970-01-01T00:00:00.000Z" {
		t.Fatalf("pipelines: %v", ps)
	}
	won := ps[0]["stages"].([]any)[5].(map[string]any)
	if won["id"] != "closedwon" || !reflect.DeepEqual(won["metadata"], map[string]any{"isClosed": "true", "probability": "1.0"}) {
		t.Fatalf("won stage: %v", won)
	}
	created := c.expect(201, "POST", "/crm/v3/pipelines/deals", map[string]any{"label": "Renewals", "displayOrder": 3,
		"stages": []any{map[string]any{"label": "Due", "displayOrder": 0, "metadata": map[string]any{"probability": "0.5"}}}})
	if st := created["stages"].([]any)[0].(map[string]any); st["metadata"].(map[string]any)["isClosed"] != "false" {
		t.Fatalf("created pipeline: %v", created)
	}
	c.expect(400, "POST", "/crm/v3/pipelines/deals", map[string]any{"label": "Odd", "displayOrder": 4,
		"stages": []any{map[string]any{"label": "A", "displayOrder": 0, "metadata": map[string]any{"probability": "0.25"}}}})
	c.expect(409, "POST", "/crm/v3/pipelines/deals", map[string]any{"label": "Renewals", "displayOrder": 4,
		"stages": []any{map[string]any{"label": "A", "displayOrder": 0, "metadata": map[string]any{"probability": "0.2"}}}})
	// A stage with deals in it cannot be removed.
	c.expect(400, "PUT", "/crm/v3/pipelines/deals/default", map[string]any{"label": "Sales Pipeline", "displayOrder": 0,
		"stages": []any{map[string]any{"label": "Only", "displayOrder": 0, "metadata": map[string]any{"probability": "0.1"}}}})

	owners := c.expect(200, "GET", "/crm/v3/owners?limit=3", nil)
	if len(results(owners)) != 3 || owners["paging"] == nil || results(owners)[0]["type"] != "PERSON" {
		t.Fatalf("owners: %v", owners)
	}
	if arch := results(c.expect(200, "GET", "/crm/v3/owners?archived=true", nil)); len(arch) != 1 || arch[0]["archived"] != true {
		t.Fatalf("archived owners: %v", arch)
	}
	c.expect(400, "GET", "/crm/v3/owners/abc", nil)
	c.expect(404, "GET", "/crm/v3/owners/424242", nil)

	custom := map[string]bool{}
	for _, p := range results(c.expect(200, "GET", "/crm/v3/properties/contacts", nil)) {
		if p["hubspotDefined"] == false {
			custom[p["name"].(string)] = true
		}
	}
	if !reflect.DeepEqual(custom, map[string]bool{"preferred_language": true, "nps_score": true, "newsletter_opt_in": true}) {
		t.Fatalf("custom contact properties: %v", custom)
	}
	c.expect(201, "POST", "/crm/v3/properties/deals", map[string]any{"name": "risk_level", "label": "Risk", "type": "enumeration",
		"fieldType": "select", "groupName": "dealinformation", "options": []any{map[string]any{"label": "Low", "value": "low"}}})
	c.expect(409, "POST", "/crm/v3/properties/deals", map[string]any{"name": "risk_level", "label": "Risk", "type": "string",
		"fieldType": "text", "groupName": "dealinformation"})
	if a := c.expect(200, "GET", "/account-info/v3/details", nil); a["companyCurrency"] != "USD" {
		t.Fatalf("account: %v", a)
	}
}

func TestSeedIsDeterministicAndLooksReal(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	a := New(Options{Token: token, Seed: true, Now: func() time.Time { return now }})
	b := New(Options{Token: token, Seed: true, Now: func() time.Time { return now }})
	for typ, least := range map[string]int{"contacts": 25, "companies": 10, "deals": 15, "leads": 5, "notes": 5, "calls": 5,
		"meetings": 5, "emails": 5, "tasks": 5} {
		if n := a.Len(typ); n < least {
			t.Errorf("%d %s, want at least %d", n, typ, least)
		}
		ca, cb := a.objects[typ].All(), b.objects[typ].All()
		if !reflect.DeepEqual(ca, cb) {
			t.Errorf("%s differ between two seeded emulators", typ)
		}
		for _, o := range ca {
			if !o.UpdatedAt.Before(now.Add(-time.Minute)) || o.UpdatedAt.Before(o.CreatedAt) {
				t.Errorf("%s %s: created %v updated %v", typ, o.ID, o.CreatedAt, o.UpdatedAt)
			}
		}
	}
	withCustom := 0
	for _, o := range a.objects["contacts"].All() {
		if o.Properties["preferred_language"] != "" {
			withCustom++
		}
	}
	if withCustom == 0 {
		t.Error("no contact has a custom property value")
	}
}
