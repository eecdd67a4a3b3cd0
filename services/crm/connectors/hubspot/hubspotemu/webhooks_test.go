package hubspotemu

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unimesh/unimesh/pkg/emulator/oauthemu"
)

const (
	hookClientID = "webhook-test-app"
	hookSecret   = "webhook-test-secret"
	devKey       = "dev-api-key-123"
)

var hookNow = time.Date(2026, 3, 4, 10, 20, 30, 123000000, time.UTC)

// target is an app's webhook endpoint: it records what it gets and answers
// the statuses it is given in turn, then 200.
type target struct {
	*httptest.Server
	mu       sync.Mutex
	got      []hookRequest
	statuses []int
}

type hookRequest struct {
	method, uri string
	header      http.Header
	raw         []byte
	events      []map[string]any
}

func newTarget(t *testing.T, statuses ...int) *target {
	t.Helper()
	tg := &target{statuses: statuses}
	tg.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		hr := hookRequest{method: r.Method, uri: r.URL.RequestURI(), header: r.Header.Clone(), raw: b}
		if err := json.Unmarshal(b, &hr.events); err != nil {
			t.Errorf("a delivery is a JSON array of events: %s", b)
		}
		tg.mu.Lock()
		tg.got = append(tg.got, hr)
		status := http.StatusNoContent
		if len(tg.statuses) > 0 {
			status, tg.statuses = tg.statuses[0], tg.statuses[1:]
		}
		tg.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(tg.Close)
	return tg
}

func (tg *target) requests() []hookRequest {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return append([]hookRequest(nil), tg.got...)
}

func (tg *target) events() []map[string]any {
	var out []map[string]any
	for _, r := range tg.requests() {
		out = append(out, r.events...)
	}
	return out
}

func serveHooks(t *testing.T, delays ...time.Duration) (*Emulator, *client) {
	t.Helper()
	if delays == nil {
		delays = []time.Duration{5 * time.Millisecond, 5 * time.Millisecond}
	}
	e, c := serve(t, Options{Seed: true, Now: func() time.Time { return hookNow }, DeveloperAPIKey: devKey,
		WebhookRetryDelays: delays, RateLimit: 1 << 20, RateWindow: time.Second,
		OAuthClients: []oauthemu.Client{{ID: hookClientID, Secret: hookSecret, RedirectURIs: []string{"https://example.com/cb"}}}})
	t.Cleanup(func() { _ = e.Close() })
	return e, c
}

func hooksPath(rest string) string {
	return "/webhooks/v3/" + strconv.FormatInt(AppID(hookClientID), 10) + rest + "?hapikey=" + devKey
}

func flushHooks(t *testing.T, e *Emulator) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.FlushWebhooks(ctx); err != nil {
		t.Fatalf("flush webhooks: %v", err)
	}
}

// wantSigned checks a delivery's headers and recomputes its signatures.
func wantSigned(t *testing.T, r hookRequest, targetURL string) {
	t.Helper()
	ts := r.header.Get("X-HubSpot-Request-Timestamp")
	ms, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.UnixMilli(ms)).Abs() > time.Minute {
		t.Fatalf("X-HubSpot-Request-Timestamp %q is not the sending time in Unix ms", ts)
	}
	m := hmac.New(sha256.New, []byte(hookSecret))
	m.Write([]byte(r.method + targetURL + string(r.raw) + ts))
	if want := base64.StdEncoding.EncodeToString(m.Sum(nil)); r.header.Get("X-HubSpot-Signature-v3") != want {
		t.Fatalf("X-HubSpot-Signature-v3 %q, want %q", r.header.Get("X-HubSpot-Signature-v3"), want)
	}
	sum := sha256.Sum256([]byte(hookSecret + string(r.raw)))
	if want := hex.EncodeToString(sum[:]); r.header.Get("X-HubSpot-Signature") != want || r.header.Get("X-HubSpot-Signature-Version") != "v1" {
		t.Fatalf("v1 signature %q (%q), want %q", r.header.Get("X-HubSpot-Signature"), r.header.Get("X-HubSpot-Signature-Version"), want)
	}
	if r.method != "POST" || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("delivery: %s %v", r.method, r.header)
	}
}

// wantEvent checks an event's every field; eventId only for being a positive integer.
func wantEvent(t *testing.T, ev map[string]any, subID, objectID, subType string, attempt int, extra map[string]any) {
	t.Helper()
	id, ok := ev["eventId"].(float64)
	if !ok || id <= 0 || id != float64(int64(id)) {
		t.Fatalf("eventId: %v", ev["eventId"])
	}
	sub, _ := strconv.ParseFloat(subID, 64)
	obj, _ := strconv.ParseFloat(objectID, 64)
	want := map[string]any{"eventId": id, "subscriptionId": sub, "portalId": float64(PortalID),
		"appId": float64(AppID(hookClientID)), "occurredAt": float64(hookNow.UnixMilli()), "subscriptionType": subType,
		"attemptNumber": float64(attempt), "objectId": obj, "changeSource": "API", "sourceId": strconv.FormatInt(privateAppID, 10)}
	for k, v := range extra {
		want[k] = v
	}
	if !reflect.DeepEqual(ev, want) {
		t.Fatalf("event:\n got %v\nwant %v", ev, want)
	}
}

func subscribeHook(c *client, eventType, property string, active bool) string {
	c.t.Helper()
	body := map[string]any{"eventType": eventType, "active": active}
	if property != "" {
		body["propertyName"] = property
	}
	return c.expect(201, "POST", hooksPath("/subscriptions"), body)["id"].(string)
}

func TestWebhookManagementAPI(t *testing.T) {
	_, c := serveHooks(t)
	c.expect(404, "GET", hooksPath("/settings"), nil)
	set := c.expect(200, "PUT", hooksPath("/settings"), map[string]any{"targetUrl": "https://example.com/hooks"})
	if set["targetUrl"] != "https://example.com/hooks" || !reflect.DeepEqual(set["throttling"], map[string]any{"maxConcurrentRequests": 10.0, "period": "SECONDLY"}) ||
		!hubspotTime.MatchString(set["createdAt"].(string)) || !hubspotTime.MatchString(set["updatedAt"].(string)) {
		t.Fatalf("settings: %v", set)
	}
	if got := c.expect(200, "GET", hooksPath("/settings"), nil); !reflect.DeepEqual(got, set) {
		t.Fatalf("read settings %v, want %v", got, set)
	}
	set = c.expect(200, "PUT", hooksPath("/settings"), map[string]any{"targetUrl": "http://127.0.0.1:9/x", "throttling": map[string]any{"maxConcurrentRequests": 7}})
	if set["targetUrl"] != "http://127.0.0.1:9/x" || set["throttling"].(map[string]any)["maxConcurrentRequests"] != 7.0 {
		t.Fatalf("settings: %v", set)
	}

	created := c.expect(201, "POST", hooksPath("/subscriptions"), map[string]any{"eventType": "contact.propertyChange", "propertyName": "email", "active": true})
	id := created["id"].(string)
	if _, err := strconv.Atoi(id); err != nil || created["eventType"] != "contact.propertyChange" || created["propertyName"] != "email" ||
		created["active"] != true || !hubspotTime.MatchString(created["createdAt"].(string)) || !hubspotTime.MatchString(created["updatedAt"].(string)) || len(created) != 6 {
		t.Fatalf("subscription: %v", created)
	}
	creation := c.expect(201, "POST", hooksPath("/subscriptions"), map[string]any{"eventType": "deal.creation"})
	if _, has := creation["propertyName"]; has || creation["active"] != false {
		t.Fatalf("a creation subscription has no propertyName, and is inactive unless asked: %v", creation)
	}
	wantCategory(t, c.expect(409, "POST", hooksPath("/subscriptions"), map[string]any{"eventType": "contact.propertyChange", "propertyName": "email"}), "CONFLICT")
	if list := results(c.expect(200, "GET", hooksPath("/subscriptions"), nil)); len(list) != 2 || !reflect.DeepEqual(list[0], created) {
		t.Fatalf("subscriptions: %v", list)
	}
	patched := c.expect(200, "PATCH", hooksPath("/subscriptions/"+id), map[string]any{"active": false})
	if patched["active"] != false || patched["id"] != id {
		t.Fatalf("patched: %v", patched)
	}
	if got := c.expect(200, "GET", hooksPath("/subscriptions/"+id), nil); got["active"] != false {
		t.Fatalf("read subscription: %v", got)
	}
	c.expect(204, "DELETE", hooksPath("/subscriptions/"+id), nil)
	wantCategory(t, c.expect(404, "GET", hooksPath("/subscriptions/"+id), nil), "OBJECT_NOT_FOUND")
	wantCategory(t, c.expect(404, "DELETE", hooksPath("/subscriptions/"+id), nil), "OBJECT_NOT_FOUND")
	wantCategory(t, c.expect(404, "PATCH", hooksPath("/subscriptions/999999"), map[string]any{"active": true}), "OBJECT_NOT_FOUND")
	c.expect(204, "DELETE", hooksPath("/settings"), nil)
	wantCategory(t, c.expect(404, "GET", hooksPath("/settings"), nil), "OBJECT_NOT_FOUND")

	for _, bad := range []struct {
		method, path string
		body         map[string]any
	}{
		{"POST", "/subscriptions", map[string]any{"eventType": "ticket.creation"}},
		{"POST", "/subscriptions", map[string]any{"eventType": "contact.propertyChange"}},
		{"POST", "/subscriptions", map[string]any{"eventType": "contact.propertyChange", "propertyName": "no_such_property"}},
		{"POST", "/subscriptions", map[string]any{"eventType": "contact.creation", "propertyName": "email"}},
		{"PATCH", "/subscriptions/" + creation["id"].(string), map[string]any{}},
		{"PUT", "/settings", map[string]any{}},
		{"PUT", "/settings", map[string]any{"targetUrl": "ftp://example.com/x"}},
		{"PUT", "/settings", map[string]any{"targetUrl": "/relative"}},
		{"PUT", "/settings", map[string]any{"targetUrl": "https://example.com", "throttling": map[string]any{"maxConcurrentRequests": 2}}},
	} {
		wantCategory(t, c.expect(400, bad.method, hooksPath(bad.path), bad.body), "VALIDATION_ERROR")
	}
}

func wantCategory(t *testing.T, body map[string]any, category string) {
	t.Helper()
	if body["status"] != "error" || body["category"] != category || body["message"] == "" || body["correlationId"] == "" {
		t.Fatalf("error body %v, want category %s", body, category)
	}
}

func TestWebhookManagementAuthentication(t *testing.T) {
	_, c := serveHooks(t)
	app := "/webhooks/v3/" + strconv.FormatInt(AppID(hookClientID), 10) + "/settings"
	// The API's token is no developer key.
	wantCategory(t, c.expect(401, "GET", app, nil), "INVALID_AUTHENTICATION")
	wantCategory(t, c.expect(401, "GET", app+"?hapikey=wrong", nil), "INVALID_AUTHENTICATION")
	wantCategory(t, c.expect(404, "GET", "/webhooks/v3/12345/settings?hapikey="+devKey, nil), "OBJECT_NOT_FOUND")
	wantCategory(t, c.expect(404, "GET", "/webhooks/v3/abc/subscriptions?hapikey="+devKey, nil), "OBJECT_NOT_FOUND")

	// Without a developer API key, the Webhooks API opens to nobody.
	_, closed := serve(t, Options{OAuthClients: []oauthemu.Client{{ID: hookClientID, Secret: hookSecret}}})
	wantCategory(t, closed.expect(401, "GET", app+"?hapikey=", nil), "INVALID_AUTHENTICATION")
	wantCategory(t, closed.expect(401, "PUT", app+"?hapikey=anything", map[string]any{"targetUrl": "https://example.com"}), "INVALID_AUTHENTICATION")
}

func TestWebhookDeliversAContactsLife(t *testing.T) {
	e, c := serveHooks(t)
	tg := newTarget(t)
	targetURL := tg.URL + "/hubspot/events?app=1&x=%20y"
	c.expect(200, "PUT", hooksPath("/settings"), map[string]any{"targetUrl": targetURL})
	created := subscribeHook(c, "contact.creation", "", true)
	email := subscribeHook(c, "contact.propertyChange", "email", true)
	deleted := subscribeHook(c, "contact.deletion", "", true)
	subscribeHook(c, "company.creation", "", true)
	subscribeHook(c, "contact.propertyChange", "lastname", false)

	contact := c.expect(201, "POST", "/crm/v3/objects/contacts", map[string]any{"properties": map[string]any{
		"email": "ada@example.com", "firstname": "Ada", "lastname": "Lovelace"}})
	id := contact["id"].(string)
	flushHooks(t, e)
	reqs := tg.requests()
	if len(reqs) != 1 || len(reqs[0].events) != 2 {
		t.Fatalf("a creation is one request of 2 events (creation, email): %d requests %v", len(reqs), tg.events())
	}
	wantSigned(t, reqs[0], targetURL)
	if reqs[0].uri != "/hubspot/events?app=1&x=%20y" {
		t.Fatalf("posted to %s", reqs[0].uri)
	}
	wantEvent(t, reqs[0].events[0], created, id, "contact.creation", 0, map[string]any{"changeFlag": "NEW"})
	wantEvent(t, reqs[0].events[1], email, id, "contact.propertyChange", 0,
		map[string]any{"propertyName": "email", "propertyValue": "ada@example.com"})
	if reqs[0].events[0]["eventId"] == reqs[0].events[1]["eventId"] {
		t.Fatal("every event has its own id")
	}

	// Unsubscribed (firstname) and inactive (lastname) properties, and a
	// write that changes nothing, send nothing.
	c.expect(200, "PATCH", "/crm/v3/objects/contacts/"+id, map[string]any{"properties": map[string]any{"firstname": "Augusta", "lastname": "King"}})
	c.expect(200, "PATCH", "/crm/v3/objects/contacts/"+id, map[string]any{"properties": map[string]any{"email": "ada@example.com"}})
	flushHooks(t, e)
	if n := len(tg.requests()); n != 1 {
		t.Fatalf("%d requests, want still 1", n)
	}
	c.expect(200, "PATCH", "/crm/v3/objects/contacts/"+id, map[string]any{"properties": map[string]any{"email": "ada@king.example"}})
	flushHooks(t, e)
	reqs = tg.requests()
	if len(reqs) != 2 || len(reqs[1].events) != 1 {
		t.Fatalf("an email change: %d requests", len(reqs))
	}
	wantSigned(t, reqs[1], targetURL)
	wantEvent(t, reqs[1].events[0], email, id, "contact.propertyChange", 0,
		map[string]any{"propertyName": "email", "propertyValue": "ada@king.example"})

	c.expect(204, "DELETE", "/crm/v3/objects/contacts/"+id, nil)
	c.expect(204, "DELETE", "/crm/v3/objects/contacts/"+id, nil) // gone already: nothing more
	flushHooks(t, e)
	reqs = tg.requests()
	if len(reqs) != 3 || len(reqs[2].events) != 1 {
		t.Fatalf("a deletion: %d requests %v", len(reqs), tg.events())
	}
	wantEvent(t, reqs[2].events[0], deleted, id, "contact.deletion", 0, map[string]any{"changeFlag": "DELETED"})

	// Companies have their own subscriptions: a company's creation goes to company.creation only.
	c.expect(201, "POST", "/crm/v3/objects/companies", map[string]any{"properties": map[string]any{"name": "Analytical Engines", "domain": "ae.example"}})
	flushHooks(t, e)
	if evs := tg.events(); len(evs) != 5 || evs[4]["subscriptionType"] != "company.creation" {
		t.Fatalf("events: %v", evs)
	}
	if s := e.WebhookStats(); s.Sent != 4 || s.Failed != 0 || s.Attempts != 4 || s.Pending != 0 {
		t.Fatalf("stats: %+v", s)
	}
}

func TestWebhookRetries(t *testing.T) {
	e, c := serveHooks(t)
	tg := newTarget(t, 500, 500, 200)
	c.expect(200, "PUT", hooksPath("/settings"), map[string]any{"targetUrl": tg.URL})
	sub := subscribeHook(c, "deal.propertyChange", "dealname", true)
	deal := results(c.expect(200, "GET", "/crm/v3/objects/deals?limit=1", nil))[0]["id"].(string)
	c.expect(200, "PATCH", "/crm/v3/objects/deals/"+deal, map[string]any{"properties": map[string]any{"dealname": "Renamed deal"}})
	flushHooks(t, e)
	reqs := tg.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d attempts, want 3", len(reqs))
	}
	for i, r := range reqs {
		wantSigned(t, r, tg.URL)
		wantEvent(t, r.events[0], sub, deal, "deal.propertyChange", i, map[string]any{"propertyName": "dealname", "propertyValue": "Renamed deal"})
		if r.events[0]["eventId"] != reqs[0].events[0]["eventId"] {
			t.Fatal("a retried event keeps its id")
		}
	}
	if s := e.WebhookStats(); s.Sent != 1 || s.Failed != 0 || s.Attempts != 3 {
		t.Fatalf("stats: %+v", s)
	}

	// A 4xx other than 429 is final; 429 and 5xx are retried until none is left.
	for _, tc := range []struct {
		statuses []int
		attempts int
	}{{[]int{400}, 1}, {[]int{410}, 1}, {[]int{429, 503, 502, 200}, 3}} {
		tg := newTarget(t, tc.statuses...)
		c.expect(200, "PUT", hooksPath("/settings"), map[string]any{"targetUrl": tg.URL})
		before := e.WebhookStats()
		c.expect(200, "PATCH", "/crm/v3/objects/deals/"+deal, map[string]any{"properties": map[string]any{"dealname": fmt.Sprint(tc.statuses)}})
		flushHooks(t, e)
		after := e.WebhookStats()
		if n := len(tg.requests()); n != tc.attempts || after.Failed != before.Failed+1 || after.Sent != before.Sent {
			t.Fatalf("%v: %d attempts, want %d; stats %+v then %+v", tc.statuses, n, tc.attempts, before, after)
		}
	}
}

func TestWebhookSubscriptionChangesStopDeliveries(t *testing.T) {
	e, c := serveHooks(t)
	tg := newTarget(t)
	c.expect(200, "PUT", hooksPath("/settings"), map[string]any{"targetUrl": tg.URL})
	sub := subscribeHook(c, "contact.creation", "", true)
	create := func(email string) {
		c.expect(201, "POST", "/crm/v3/objects/contacts", map[string]any{"properties": map[string]any{"email": email}})
		flushHooks(t, e)
	}
	create("one@example.com")
	c.expect(200, "PATCH", hooksPath("/subscriptions/"+sub), map[string]any{"active": false})
	create("two@example.com")
	c.expect(200, "PATCH", hooksPath("/subscriptions/"+sub), map[string]any{"active": true})
	create("three@example.com")
	c.expect(204, "DELETE", hooksPath("/subscriptions/"+sub), nil)
	create("four@example.com")
	sub = subscribeHook(c, "contact.creation", "", true)
	c.expect(204, "DELETE", hooksPath("/settings"), nil)
	create("five@example.com")
	if evs := tg.events(); len(evs) != 2 {
		t.Fatalf("%d events, want those of one@ and three@ only: %v", len(evs), evs)
	}
}

func TestWebhookGoAPIAndBatches(t *testing.T) {
	e, c := serveHooks(t)
	tg := newTarget(t)
	if err := e.SetWebhookTarget(hookClientID, tg.URL+"/dev"); err != nil {
		t.Fatal(err)
	}
	subID, err := e.Subscribe(strconv.FormatInt(AppID(hookClientID), 10), "contact.creation", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.SetWebhookTarget("no-such-client", tg.URL); !errors.Is(err, ErrUnknownApp) {
		t.Fatalf("unknown app: %v", err)
	}
	if _, err := e.Subscribe(hookClientID, "contact.propertyChange", ""); err == nil {
		t.Fatal("a propertyChange subscription without a property")
	}
	if err := e.SetWebhookTarget(hookClientID, "not a url"); err == nil {
		t.Fatal("a bad target URL")
	}
	if list := results(c.expect(200, "GET", hooksPath("/subscriptions"), nil)); len(list) != 1 || list[0]["id"] != strconv.FormatInt(subID, 10) || list[0]["active"] != true {
		t.Fatalf("the Go API's subscription, through HTTP: %v", list)
	}

	// The events of 100 ms share a request.
	for _, email := range []string{"a@batch.example", "b@batch.example", "c@batch.example"} {
		c.expect(201, "POST", "/crm/v3/objects/contacts", map[string]any{"properties": map[string]any{"email": email}})
	}
	deadline := time.Now().Add(3 * time.Second)
	for len(tg.requests()) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(2 * WebhookBatchWindow)
	if reqs := tg.requests(); len(reqs) != 1 || len(reqs[0].events) != 3 || reqs[0].uri != "/dev" {
		t.Fatalf("3 creations within the batch window: %d requests", len(reqs))
	}

	// Writes through the Go API notify as the UI's; at most 100 events a request.
	for i := range 150 {
		e.objects["contacts"].Insert(Object{Properties: map[string]string{"email": fmt.Sprintf("bulk%d@example.com", i)}})
	}
	flushHooks(t, e)
	reqs := tg.requests()
	total := 0
	for _, r := range reqs[1:] {
		if len(r.events) > MaxWebhookBatch {
			t.Fatalf("a request of %d events", len(r.events))
		}
		total += len(r.events)
		wantSigned(t, r, tg.URL+"/dev")
		for _, ev := range r.events {
			if ev["changeSource"] != "CRM_UI" || ev["sourceId"] != "userId:"+e.oauthUser().ID || ev["subscriptionType"] != "contact.creation" {
				t.Fatalf("Go API event: %v", ev)
			}
		}
	}
	if total != 150 || len(reqs) < 3 {
		t.Fatalf("%d events over %d requests, want 150 over at least 2", total, len(reqs)-1)
	}
}

func TestWebhookCloseStopsDeliveries(t *testing.T) {
	e, c := serveHooks(t, time.Hour)
	tg := newTarget(t, 503)
	c.expect(200, "PUT", hooksPath("/settings"), map[string]any{"targetUrl": tg.URL})
	subscribeHook(c, "contact.creation", "", true)
	c.expect(201, "POST", "/crm/v3/objects/contacts", map[string]any{"properties": map[string]any{"email": "close@example.com"}})
	deadline := time.Now().Add(3 * time.Second)
	for len(tg.requests()) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	done := make(chan struct{})
	go func() { _ = e.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Close waited for a retry an hour away")
	}
	c.expect(201, "POST", "/crm/v3/objects/contacts", map[string]any{"properties": map[string]any{"email": "after@example.com"}})
	flushHooks(t, e)
	if n := len(tg.requests()); n != 1 {
		t.Fatalf("%d requests, want the 1 made before Close", n)
	}
}

func TestWebhookIgnoresAChangeOfTheModificationDateAlone(t *testing.T) {
	// A clock that moves a second at every reading: every write moves lastmodifieddate.
	var mu sync.Mutex
	now := hookNow
	e, c := serve(t, Options{Seed: true, DeveloperAPIKey: devKey, RateLimit: 1 << 20, RateWindow: time.Second,
		OAuthClients: []oauthemu.Client{{ID: hookClientID, Secret: hookSecret}},
		Now: func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			now = now.Add(time.Second)
			return now
		}})
	t.Cleanup(func() { _ = e.Close() })
	tg := newTarget(t)
	c.expect(200, "PUT", hooksPath("/settings"), map[string]any{"targetUrl": tg.URL})
	subscribeHook(c, "contact.propertyChange", "lastmodifieddate", true)
	subscribeHook(c, "contact.propertyChange", "jobtitle", true)
	id := results(c.expect(200, "GET", "/crm/v3/objects/contacts?limit=1&properties=jobtitle", nil))[0]["id"].(string)
	c.expect(200, "PATCH", "/crm/v3/objects/contacts/"+id, map[string]any{"properties": map[string]any{}})
	flushHooks(t, e)
	if evs := tg.events(); len(evs) != 0 {
		t.Fatalf("a write that changed only lastmodifieddate: %v", evs)
	}
	updated := c.expect(200, "PATCH", "/crm/v3/objects/contacts/"+id, map[string]any{"properties": map[string]any{"jobtitle": "Chief Webhook Officer"}})
	flushHooks(t, e)
	evs := tg.events()
	if len(evs) != 2 || evs[0]["propertyName"] != "jobtitle" || evs[0]["propertyValue"] != "Chief Webhook Officer" ||
		evs[1]["propertyName"] != "lastmodifieddate" || evs[1]["propertyValue"] != updated["properties"].(map[string]any)["lastmodifieddate"] {
		t.Fatalf("a real change also reports the modification date: %v", evs)
	}
}

func TestWebhookRetryOfAnInactiveSubscriptionIsDropped(t *testing.T) {
	e, c := serveHooks(t, 300*time.Millisecond)
	tg := newTarget(t, 500)
	c.expect(200, "PUT", hooksPath("/settings"), map[string]any{"targetUrl": tg.URL})
	sub := subscribeHook(c, "contact.creation", "", true)
	c.expect(201, "POST", "/crm/v3/objects/contacts", map[string]any{"properties": map[string]any{"email": "retry@example.com"}})
	deadline := time.Now().Add(3 * time.Second)
	for len(tg.requests()) == 0 && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	c.expect(200, "PATCH", hooksPath("/subscriptions/"+sub), map[string]any{"active": false})
	flushHooks(t, e)
	if n := len(tg.requests()); n != 1 {
		t.Fatalf("%d requests, want the first attempt only", n)
	}
	if s := e.WebhookStats(); s.Failed != 0 || s.Sent != 0 || s.Pending != 0 {
		t.Fatalf("a dropped retry is neither sent nor failed: %+v", s)
	}
}

func TestWebhookFullBatchGoesOutAtOnce(t *testing.T) {
	e, _ := serve(t, Options{Seed: true, WebhookBatchWindow: time.Hour,
		OAuthClients: []oauthemu.Client{{ID: hookClientID, Secret: hookSecret}}})
	t.Cleanup(func() { _ = e.Close() })
	tg := newTarget(t)
	if err := e.SetWebhookTarget(hookClientID, tg.URL); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Subscribe(hookClientID, "company.creation", ""); err != nil {
		t.Fatal(err)
	}
	for i := range MaxWebhookBatch + 20 {
		e.objects["companies"].Insert(Object{Properties: map[string]string{"name": fmt.Sprintf("Company %d", i)}})
	}
	// A full batch does not wait for its window (an hour here); the rest does.
	deadline := time.Now().Add(3 * time.Second)
	for len(tg.requests()) == 0 && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	if reqs := tg.requests(); len(reqs) != 1 || len(reqs[0].events) != MaxWebhookBatch {
		t.Fatalf("%d requests before the window is over, want 1 of %d events", len(reqs), MaxWebhookBatch)
	}
	flushHooks(t, e) // sends what waits for its window at once
	if reqs := tg.requests(); len(reqs) != 2 || len(reqs[1].events) != 20 {
		t.Fatalf("%d requests after a flush, want 2", len(reqs))
	}
}

func TestWebhookEventsOfAnOAuthAppsChanges(t *testing.T) {
	o := serveOAuth(t)
	t.Cleanup(func() { _ = o.e.Close() })
	tg := newTarget(t)
	if err := o.e.SetWebhookTarget(oauthClientID, tg.URL); err != nil {
		t.Fatal(err)
	}
	if _, err := o.e.Subscribe(oauthClientID, "deal.creation", ""); err != nil {
		t.Fatal(err)
	}
	access, _ := o.tokens()
	req, _ := http.NewRequest("POST", o.url+"/crm/v3/objects/deals",
		strings.NewReader(`{"properties":{"dealname":"OAuth deal","dealstage":"appointmentscheduled"}}`))
	req.Header.Set("Authorization", "Bearer "+access)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("create deal with an OAuth token: %v %v", resp, err)
	}
	resp.Body.Close()
	flushHooks(t, o.e)
	evs := tg.events()
	app := strconv.FormatInt(AppID(oauthClientID), 10)
	if len(evs) != 1 || evs[0]["appId"] != float64(AppID(oauthClientID)) || evs[0]["changeSource"] != "API" || evs[0]["sourceId"] != app {
		t.Fatalf("an OAuth app's change: %v", evs)
	}
	r := tg.requests()[0]
	sum := sha256.Sum256([]byte(oauthSecret + string(r.raw)))
	if r.header.Get("X-HubSpot-Signature") != hex.EncodeToString(sum[:]) {
		t.Fatal("signed with the app's own client secret")
	}
}
