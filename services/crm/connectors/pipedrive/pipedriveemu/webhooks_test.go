package pipedriveemu

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// receiver is a webhook endpoint that records what it gets and answers
// the statuses it is given in turn, then 200.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	got      []delivery
	statuses []int
}

type delivery struct {
	path       string
	header     http.Header
	user, pass string
	basic      bool
	body       map[string]any
	raw        string
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	t.Helper()
	rc := &receiver{statuses: statuses}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		d := delivery{path: r.Method + " " + r.URL.Path, header: r.Header.Clone(), raw: string(b)}
		d.user, d.pass, d.basic = r.BasicAuth()
		if err := json.Unmarshal(b, &d.body); err != nil {
			t.Errorf("notification is not a JSON object: %s", b)
		}
		rc.mu.Lock()
		rc.got = append(rc.got, d)
		status := http.StatusOK
		if len(rc.statuses) > 0 {
			status, rc.statuses = rc.statuses[0], rc.statuses[1:]
		}
		rc.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) deliveries() []delivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]delivery(nil), rc.got...)
}

// startHooks is start with short retry delays, and the webhooks closed at the end.
func startHooks(t *testing.T, delays ...time.Duration) (*Emulator, *httptest.Server) {
	t.Helper()
	if delays == nil {
		delays = []time.Duration{5 * time.Millisecond, 5 * time.Millisecond}
	}
	e := New(Options{Token: token, Seed: true, Now: func() time.Time { return fixedNow }, RateLimit: 1 << 20,
		WebhookRetryDelays: delays})
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { _ = e.Close() })
	return e, srv
}

func flush(t *testing.T, e *Emulator) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.FlushWebhooks(ctx); err != nil {
		t.Fatalf("flush webhooks: %v", err)
	}
}

func subscribe(t *testing.T, srv *httptest.Server, body string) map[string]any {
	t.Helper()
	r := call(t, srv, "POST", "/api/v1/webhooks", body)
	if r.status != 201 || r.body["success"] != true {
		t.Fatalf("create webhook: %d %s", r.status, r.raw)
	}
	return r.data()
}

func idOf(m map[string]any) string { return strconv.FormatInt(int64(m["id"].(float64)), 10) }

// wantMeta checks a notification's meta block: every field, exactly.
func wantMeta(t *testing.T, d delivery, action, entity, entityID, webhookID string, attempt int, source string) map[string]any {
	t.Helper()
	meta, _ := d.body["meta"].(map[string]any)
	for _, k := range []string{"id", "correlation_id"} {
		if s, _ := meta[k].(string); !uuidRE.MatchString(s) {
			t.Fatalf("meta.%s is not a UUID: %v", k, meta[k])
		}
	}
	perm, _ := meta["permitted_user_ids"].([]any)
	if len(perm) == 0 {
		t.Fatalf("meta.permitted_user_ids is empty: %v", meta)
	}
	for _, p := range perm {
		if _, ok := p.(string); !ok {
			t.Fatalf("permitted user ids are strings: %v", perm)
		}
	}
	want := map[string]any{
		"action": action, "entity": entity, "entity_id": entityID, "company_id": "13452001",
		"id": meta["id"], "correlation_id": meta["correlation_id"], "is_bulk": false,
		"timestamp": "2025-06-02T09:30:00.000Z", "type": "general", "user_id": "14390001", "version": "2.0",
		"webhook_id": webhookID, "webhook_owner_id": "14390001", "change_source": source,
		"permitted_user_ids": perm, "attempt": float64(attempt), "host": "sandbox.pipedrive.com",
	}
	if !reflect.DeepEqual(meta, want) {
		t.Fatalf("meta:\n got %v\nwant %v", meta, want)
	}
	return meta
}

func TestWebhookNotifiesAPersonsLife(t *testing.T) {
	e, srv := startHooks(t)
	rc := newReceiver(t)
	wh := subscribe(t, srv, `{"subscription_url":"`+rc.URL+`/pipedrive","event_action":"*","event_object":"person",`+
		`"http_auth_user":"pd-user","http_auth_password":"pd-pass"}`)
	for _, k := range []string{"remove_time", "remove_reason", "last_delivery_time", "last_http_status"} {
		if v, ok := wh[k]; !ok || v != nil {
			t.Fatalf("a new webhook's %s is null: %v", k, wh)
		}
	}
	if wh["company_id"] != 13452001.0 || wh["owner_id"] != 14390001.0 || wh["user_id"] != 14390001.0 || wh["admin_id"] != 14390001.0 ||
		wh["event_action"] != "*" || wh["event_object"] != "person" || wh["subscription_url"] != rc.URL+"/pipedrive" ||
		wh["version"] != "2.0" || wh["is_active"] != true || wh["type"] != "general" || wh["http_auth_user"] != "pd-user" ||
		wh["http_auth_password"] != "pd-pass" || !v1TimeRE.MatchString(wh["add_time"].(string)) {
		t.Fatalf("webhook: %v", wh)
	}
	whID := idOf(wh)

	created := call(t, srv, "POST", "/api/v2/persons", `{"name":"Ada Lovelace","emails":[{"value":"ada@example.com"}]}`)
	if created.status != 201 {
		t.Fatalf("create: %s", created.raw)
	}
	id := idOf(created.data())
	flush(t, e)
	got := rc.deliveries()
	if len(got) != 1 {
		t.Fatalf("%d notifications after a create, want 1", len(got))
	}
	d := got[0]
	if d.path != "POST /pipedrive" || d.header.Get("Content-Type") != "application/json" || !d.basic || d.user != "pd-user" || d.pass != "pd-pass" {
		t.Fatalf("request: %s %v basic %v %q %q", d.path, d.header, d.basic, d.user, d.pass)
	}
	if len(d.body) != 3 || d.body["previous"] != nil {
		t.Fatalf("a create's body is {data, previous: null, meta}: %s", d.raw)
	}
	if want := call(t, srv, "GET", "/api/v2/persons/"+id, "").data(); !reflect.DeepEqual(d.body["data"], want) {
		t.Fatalf("data is the person as API v2 reads it:\n got %v\nwant %v", d.body["data"], want)
	}
	first := wantMeta(t, d, "create", "person", id, whID, 1, "api")

	if r := call(t, srv, "PATCH", "/api/v2/persons/"+id, `{"name":"Ada King"}`); r.status != 200 {
		t.Fatalf("update: %s", r.raw)
	}
	flush(t, e)
	got = rc.deliveries()
	if len(got) != 2 {
		t.Fatalf("%d notifications after an update, want 2", len(got))
	}
	d = got[1]
	if want := call(t, srv, "GET", "/api/v2/persons/"+id, "").data(); !reflect.DeepEqual(d.body["data"], want) {
		t.Fatalf("a change's data is the record after it:\n got %v\nwant %v", d.body["data"], want)
	}
	if want := map[string]any{"name": "Ada Lovelace", "last_name": "Lovelace"}; !reflect.DeepEqual(d.body["previous"], want) {
		t.Fatalf("previous holds the old values of the changed fields only: %v", d.body["previous"])
	}
	second := wantMeta(t, d, "change", "person", id, whID, 1, "api")
	if second["id"] == first["id"] || second["correlation_id"] == first["correlation_id"] {
		t.Fatal("every notification has its own id")
	}

	// The same values again change nothing but update_time: no notification.
	call(t, srv, "PATCH", "/api/v2/persons/"+id, `{"name":"Ada King","emails":[{"value":"ada@example.com"}]}`)
	flush(t, e)
	if n := len(rc.deliveries()); n != 2 {
		t.Fatalf("a no-op update notified: %d notifications", n)
	}

	before := call(t, srv, "GET", "/api/v2/persons/"+id, "").data()
	if r := call(t, srv, "DELETE", "/api/v2/persons/"+id, ""); r.status != 200 {
		t.Fatalf("delete: %s", r.raw)
	}
	flush(t, e)
	got = rc.deliveries()
	if len(got) != 3 {
		t.Fatalf("%d notifications after a delete, want 3", len(got))
	}
	d = got[2]
	if _, ok := d.body["data"]; !ok || d.body["data"] != nil || !reflect.DeepEqual(d.body["previous"], before) {
		t.Fatalf("a delete's data is null and previous the whole record:\n%s\nwant previous %v", d.raw, before)
	}
	wantMeta(t, d, "delete", "person", id, whID, 1, "api")

	hooks := call(t, srv, "GET", "/api/v1/webhooks", "")
	if hooks.status != 200 || hooks.body["success"] != true || len(hooks.list()) != 1 {
		t.Fatalf("list webhooks: %s", hooks.raw)
	}
	listed := hooks.list()[0].(map[string]any)
	if listed["last_http_status"] != 200.0 || !v1TimeRE.MatchString(listed["last_delivery_time"].(string)) {
		t.Fatalf("the webhook records its last delivery: %v", listed)
	}
	if s := e.WebhookStats(); s.Sent != 3 || s.Failed != 0 || s.Attempts != 3 || s.Pending != 0 {
		t.Fatalf("stats: %+v", s)
	}
}

func TestWebhookKeepsTheOrderOfARecordsChanges(t *testing.T) {
	e, srv := startHooks(t)
	rc := newReceiver(t)
	subscribe(t, srv, `{"subscription_url":"`+rc.URL+`","event_action":"change","event_object":"*"}`)
	for i := range 8 {
		if r := call(t, srv, "PATCH", "/api/v2/deals/1", `{"title":"Step `+strconv.Itoa(i)+`"}`); r.status != 200 {
			t.Fatalf("update: %s", r.raw)
		}
	}
	flush(t, e)
	got := rc.deliveries()
	if len(got) != 8 {
		t.Fatalf("%d notifications, want 8", len(got))
	}
	for i, d := range got {
		if title := d.body["data"].(map[string]any)["title"]; title != "Step "+strconv.Itoa(i) {
			t.Fatalf("notification %d is about %v", i, title)
		}
	}
}

func TestWebhookOnlyMatchingWebhooksDeliver(t *testing.T) {
	e, srv := startHooks(t)
	deals, deletes, personCreates := newReceiver(t), newReceiver(t), newReceiver(t)
	subscribe(t, srv, `{"subscription_url":"`+deals.URL+`","event_action":"*","event_object":"deal"}`)
	subscribe(t, srv, `{"subscription_url":"`+deletes.URL+`","event_action":"delete","event_object":"*"}`)
	// v1's action names still work: added is create.
	if wh := subscribe(t, srv, `{"subscription_url":"`+personCreates.URL+`","event_action":"added","event_object":"person"}`); wh["event_action"] != "create" {
		t.Fatalf("added is stored as create: %v", wh)
	}

	id := idOf(call(t, srv, "POST", "/api/v2/persons", `{"name":"Grace Hopper"}`).data())
	flush(t, e)
	if len(deals.deliveries()) != 0 || len(deletes.deliveries()) != 0 || len(personCreates.deliveries()) != 1 {
		t.Fatalf("a person's creation went to %d deal, %d delete and %d person-create webhooks",
			len(deals.deliveries()), len(deletes.deliveries()), len(personCreates.deliveries()))
	}
	call(t, srv, "DELETE", "/api/v2/persons/"+id, "")
	call(t, srv, "PATCH", "/api/v2/deals/2", `{"title":"Renamed"}`)
	flush(t, e)
	if len(deals.deliveries()) != 1 || len(deletes.deliveries()) != 1 || len(personCreates.deliveries()) != 1 {
		t.Fatalf("%d deal, %d delete and %d person-create notifications, want 1, 1, 1",
			len(deals.deliveries()), len(deletes.deliveries()), len(personCreates.deliveries()))
	}
	if m := deals.deliveries()[0].body["meta"].(map[string]any); m["entity"] != "deal" || m["action"] != "change" || m["entity_id"] != "2" {
		t.Fatalf("deal notification: %v", m)
	}
	if m := deletes.deliveries()[0].body["meta"].(map[string]any); m["entity"] != "person" || m["action"] != "delete" {
		t.Fatalf("delete notification: %v", m)
	}
}

func TestWebhookRetriesUntilTheReceiverTakesIt(t *testing.T) {
	e, srv := startHooks(t)
	rc := newReceiver(t, 500, 500, 200)
	wh := subscribe(t, srv, `{"subscription_url":"`+rc.URL+`","event_action":"*","event_object":"*"}`)
	call(t, srv, "PATCH", "/api/v2/organizations/1", `{"name":"Renamed Org"}`)
	flush(t, e)
	got := rc.deliveries()
	if len(got) != 3 {
		t.Fatalf("%d attempts, want 3", len(got))
	}
	for i, d := range got {
		m := wantMeta(t, d, "change", "organization", "1", idOf(wh), i+1, "api")
		if m["id"] != got[0].body["meta"].(map[string]any)["id"] {
			t.Fatal("the attempts of one notification share its id")
		}
	}
	if s := e.WebhookStats(); s.Sent != 1 || s.Failed != 0 || s.Attempts != 3 {
		t.Fatalf("stats: %+v", s)
	}

	// A receiver that keeps failing is given up after the last retry.
	bad := newReceiver(t, 503, 503, 503, 503, 503)
	call(t, srv, "DELETE", "/api/v1/webhooks/"+idOf(wh), "")
	failing := subscribe(t, srv, `{"subscription_url":"`+bad.URL+`","event_action":"*","event_object":"*"}`)
	call(t, srv, "PATCH", "/api/v2/organizations/1", `{"name":"Renamed again"}`)
	flush(t, e)
	if n := len(bad.deliveries()); n != 3 {
		t.Fatalf("%d attempts with 2 retry delays, want 3", n)
	}
	if s := e.WebhookStats(); s.Sent != 1 || s.Failed != 1 || s.Attempts != 6 {
		t.Fatalf("stats: %+v", s)
	}
	hooks := e.Webhooks()
	if len(hooks) != 1 || hooks[0].ID != int64(failing["id"].(float64)) || hooks[0].LastHTTPStatus == nil || *hooks[0].LastHTTPStatus != 503 {
		t.Fatalf("webhooks: %+v", hooks)
	}
}

func TestWebhookDeletionStopsDeliveries(t *testing.T) {
	e, srv := startHooks(t, 300*time.Millisecond)
	rc := newReceiver(t, 500)
	wh := subscribe(t, srv, `{"subscription_url":"`+rc.URL+`","event_action":"*","event_object":"*"}`)
	call(t, srv, "PATCH", "/api/v2/persons/2", `{"name":"First Change"}`)
	deadline := time.Now().Add(2 * time.Second)
	for len(rc.deliveries()) == 0 && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	// Deleted while its retry waits: the retry is dropped.
	r := call(t, srv, "DELETE", "/api/v1/webhooks/"+idOf(wh), "")
	if r.status != 200 || r.raw != `{"status":"ok","success":true}`+"\n" {
		t.Fatalf("delete webhook: %d %s", r.status, r.raw)
	}
	call(t, srv, "PATCH", "/api/v2/persons/2", `{"name":"Second Change"}`)
	flush(t, e)
	if n := len(rc.deliveries()); n != 1 {
		t.Fatalf("%d requests reached a deleted webhook's URL, want the 1 made before", n)
	}
	if s := e.WebhookStats(); s.Failed != 0 || s.Pending != 0 {
		t.Fatalf("a dropped retry is neither failed nor pending: %+v", s)
	}
	wantError(t, call(t, srv, "DELETE", "/api/v1/webhooks/"+idOf(wh), ""), 404, "Webhook not found")
}

func TestWebhookManagementErrors(t *testing.T) {
	_, srv := startHooks(t)
	wantError(t, call(t, srv, "GET", "/api/v1/webhooks", "", "x-api-token", ""), 401, "You need to be authorized")
	wantError(t, call(t, srv, "POST", "/api/v1/webhooks", `{}`, "x-api-token", "wrong"), 401, "unauthorized access")
	for body, msg := range map[string]string{
		`{"event_action":"*","event_object":"*"}`:                                                            "subscription_url: is required",
		`{"subscription_url":"ftp://example.com/x","event_action":"*","event_object":"*"}`:                   "subscription_url: must be a full http:// or https:// URL",
		`{"subscription_url":"https://example.com/x","event_object":"*"}`:                                    "event_action: is required",
		`{"subscription_url":"https://example.com/x","event_action":"merged","event_object":"*"}`:            "merged is not available in webhooks v2",
		`{"subscription_url":"https://example.com/x","event_action":"upsert","event_object":"*"}`:            "event_action: must be one of create, change, delete, *",
		`{"subscription_url":"https://example.com/x","event_action":"*"}`:                                    "event_object: is required",
		`{"subscription_url":"https://example.com/x","event_action":"*","event_object":"product"}`:           "event_object: must be one of person",
		`{"subscription_url":"https://example.com/x","event_action":"*","event_object":"*","version":"1.0"}`: "version: only webhooks version 2.0 is emulated",
		`{"subscription_url":"https://example.com/x","event_action":"*","event_object":"*","user_id":7}`:     "user_id: user 7 does not exist",
		`{"subscription_url":"https://example.com/x","event_action":"*","event_object":"*","version":2}`:     "version: must be 2.0",
		`{"subscription_url":true,"event_action":"*","event_object":"*"}`:                                    "subscription_url: must be a string",
		`[1,2]`: "body: must be a JSON object",
	} {
		wantError(t, call(t, srv, "POST", "/api/v1/webhooks", body), 400, msg)
	}
	wantError(t, call(t, srv, "DELETE", "/api/v1/webhooks/999", ""), 404, "Webhook not found")

	// A form body, as the reference's examples send, works too.
	form := url3("subscription_url", "https://example.com/form", "event_action", "updated", "event_object", "deal", "user_id", "14390002")
	r := call(t, srv, "POST", "/api/v1/webhooks", form, "Content-Type", "application/x-www-form-urlencoded")
	if r.status != 201 || r.data()["event_action"] != "change" || r.data()["user_id"] != 14390002.0 || r.data()["http_auth_user"] != nil {
		t.Fatalf("form body: %s", r.raw)
	}
	for range MaxWebhooks - 1 {
		subscribe(t, srv, `{"subscription_url":"https://example.com/x","event_action":"*","event_object":"*"}`)
	}
	wantError(t, call(t, srv, "POST", "/api/v1/webhooks", `{"subscription_url":"https://example.com/x","event_action":"*","event_object":"*"}`),
		400, "maximum number of webhooks (40)")
	if n := len(call(t, srv, "GET", "/api/v1/webhooks", "").list()); n != MaxWebhooks {
		t.Fatalf("%d webhooks listed", n)
	}
}

func url3(kv ...string) string {
	var parts []string
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, kv[i]+"="+kv[i+1])
	}
	return strings.Join(parts, "&")
}

func TestWebhookGoAPIChangesAndV1Records(t *testing.T) {
	e, srv := startHooks(t)
	rc := newReceiver(t)
	subscribe(t, srv, `{"subscription_url":"`+rc.URL+`","event_action":"*","event_object":"*"}`)

	// Writes through the emulator's Go API notify too, as the web app's.
	p := e.Persons.Insert(Person{Name: "Test Person", FirstName: "Test", LastName: "Person", OwnerID: 14390001, VisibleTo: 3,
		LabelIDs: []int64{}, Emails: []LabeledValue{}, Phones: []LabeledValue{}})
	id := strconv.FormatInt(p.ID, 10)
	if _, err := e.Persons.Update(id, func(p *Person) error { p.Name = "Test Persona"; return nil }); err != nil {
		t.Fatal(err)
	}
	flush(t, e)
	got := rc.deliveries()
	if len(got) != 2 {
		t.Fatalf("%d notifications for Go API writes, want 2", len(got))
	}
	wantMeta(t, got[0], "create", "person", id, "1", 1, "app")
	wantMeta(t, got[1], "change", "person", id, "1", 1, "app")
	if !reflect.DeepEqual(got[1].body["previous"], map[string]any{"name": "Test Person"}) {
		t.Fatalf("previous: %v", got[1].body["previous"])
	}

	// Notes and leads have no v2 shape: their data is API v1's.
	note := call(t, srv, "POST", "/api/v1/notes", `{"content":"<p>Hello</p>","person_id":1}`)
	noteID := idOf(note.data())
	lead := call(t, srv, "POST", "/api/v1/leads", `{"title":"Webhook lead","person_id":1}`)
	leadID := lead.data()["id"].(string)
	flush(t, e)
	got = rc.deliveries()
	if len(got) != 4 {
		t.Fatalf("%d notifications, want 4", len(got))
	}
	// Notifications about different records may come in any order.
	wantNote := call(t, srv, "GET", "/api/v1/notes/"+noteID, "").data()
	d := find(t, got[2:], "note", "create")
	if !reflect.DeepEqual(d.body["data"], wantNote) {
		t.Fatalf("note data:\n got %v\nwant %v", d.body["data"], wantNote)
	}
	wantMeta(t, d, "create", "note", noteID, "1", 1, "api")
	wantLead := call(t, srv, "GET", "/api/v1/leads/"+leadID, "").data()
	d = find(t, got[2:], "lead", "create")
	if !reflect.DeepEqual(d.body["data"], wantLead) {
		t.Fatalf("lead data:\n got %v\nwant %v", d.body["data"], wantLead)
	}
	wantMeta(t, d, "create", "lead", leadID, "1", 1, "api")

	call(t, srv, "DELETE", "/api/v1/notes/"+noteID, "")
	call(t, srv, "DELETE", "/api/v1/leads/"+leadID, "")
	flush(t, e)
	got = rc.deliveries()
	if len(got) != 6 {
		t.Fatalf("%d notifications, want 6", len(got))
	}
	for entity, want := range map[string]map[string]any{"note": wantNote, "lead": wantLead} {
		d := find(t, got[4:], entity, "delete")
		if d.body["data"] != nil || !reflect.DeepEqual(d.body["previous"], want) {
			t.Fatalf("deleted %s: %s", entity, d.raw)
		}
		id := noteID
		if entity == "lead" {
			id = leadID
		}
		wantMeta(t, d, "delete", entity, id, "1", 1, "api")
	}
}

// find is the one notification of an action on an entity among ds.
func find(t *testing.T, ds []delivery, entity, action string) delivery {
	t.Helper()
	var out []delivery
	for _, d := range ds {
		if m, _ := d.body["meta"].(map[string]any); m["entity"] == entity && m["action"] == action {
			out = append(out, d)
		}
	}
	if len(out) != 1 {
		t.Fatalf("%d notifications of %s %s, want 1", len(out), action, entity)
	}
	return out[0]
}

func TestWebhookCloseStopsDeliveries(t *testing.T) {
	e, srv := startHooks(t, time.Hour)
	rc := newReceiver(t, 500)
	subscribe(t, srv, `{"subscription_url":"`+rc.URL+`","event_action":"*","event_object":"*"}`)
	call(t, srv, "PATCH", "/api/v2/persons/3", `{"name":"Before Close"}`)
	deadline := time.Now().Add(2 * time.Second)
	for len(rc.deliveries()) == 0 && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	// A retry an hour away does not hold Close.
	done := make(chan struct{})
	go func() { _ = e.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Close waited for a retry")
	}
	call(t, srv, "PATCH", "/api/v2/persons/3", `{"name":"After Close"}`)
	flush(t, e)
	if n := len(rc.deliveries()); n != 1 {
		t.Fatalf("%d requests, want the 1 made before Close", n)
	}
	if r := call(t, srv, "GET", "/api/v2/persons/3", ""); r.data()["name"] != "After Close" {
		t.Fatalf("the API serves on after Close: %s", r.raw)
	}
}

func TestWebhookIgnoresAChangeOfUpdateTimeAlone(t *testing.T) {
	// A clock that moves a second at every reading: every write moves update_time.
	var mu sync.Mutex
	now := fixedNow
	e := New(Options{Token: token, Seed: true, RateLimit: 1 << 20, Now: func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Second)
		return now
	}})
	t.Cleanup(func() { _ = e.Close() })
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	rc := newReceiver(t)
	subscribe(t, srv, `{"subscription_url":"`+rc.URL+`","event_action":"change","event_object":"*"}`)
	before := call(t, srv, "GET", "/api/v2/persons/5", "").data()
	call(t, srv, "PATCH", "/api/v2/persons/5", `{"name":"`+before["name"].(string)+`"}`)
	if after := call(t, srv, "GET", "/api/v2/persons/5", "").data(); after["update_time"] == before["update_time"] {
		t.Fatal("the clock did not move")
	}
	flush(t, e)
	if n := len(rc.deliveries()); n != 0 {
		t.Fatalf("%d notifications for a write that changed only update_time", n)
	}
	call(t, srv, "PATCH", "/api/v2/persons/5", `{"visible_to":1}`)
	flush(t, e)
	got := rc.deliveries()
	if len(got) != 1 || !reflect.DeepEqual(got[0].body["previous"], map[string]any{"visible_to": 3.0}) {
		t.Fatalf("a change of visible_to: %d notifications %v", len(got), got)
	}
	if ts := got[0].body["meta"].(map[string]any)["timestamp"].(string); !isoMsRE.MatchString(ts) || ts == "2025-06-02T09:30:00.000Z" {
		t.Fatalf("meta.timestamp is the change's time: %s", ts)
	}
}
