package stack_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/unimesh/unimesh/cmd/unimesh/stack"
	"github.com/unimesh/unimesh/pkg/webhook"
	"github.com/unimesh/unimesh/services/crm/connectors/pipedrive/pipedriveemu"
)

// receiver is a webhook receiver that verifies every delivery's signature,
// refuses what fails, and keeps each event once by id.
type receiver struct {
	t      *testing.T
	secret func() string
	srv    *http.Server
	lis    net.Listener
	url    string

	mu       sync.Mutex
	events   map[string]map[string]any // by event id
	order    []string
	received int  // deliveries, duplicates included
	badSigs  int  // deliveries whose signature did not verify
	down     bool // answer 503 to everything
}

func newReceiver(t *testing.T, secret func() string) *receiver {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &receiver{t: t, secret: secret, lis: lis, url: "http://" + lis.Addr().String() + "/hooks", events: map[string]map[string]any{}}
	r.serve()
	t.Cleanup(func() { _ = r.srv.Close() })
	return r
}

func (r *receiver) serve() {
	r.srv = &http.Server{Handler: http.HandlerFunc(r.handle), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = r.srv.Serve(r.lis) }()
}

func (r *receiver) handle(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.down {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return
	}
	r.received++
	if err := webhook.Verify(req.Header.Get(webhook.SignatureHeader), body, time.Now(), 0, r.secret()); err != nil {
		r.badSigs++
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var ev map[string]any
	if err := json.Unmarshal(body, &ev); err != nil {
		http.Error(w, "not JSON", http.StatusBadRequest)
		return
	}
	id, _ := ev["id"].(string)
	if id != req.Header.Get(webhook.EventIDHeader) {
		http.Error(w, "event id header differs from the body", http.StatusBadRequest)
		return
	}
	if _, dup := r.events[id]; !dup {
		r.events[id] = ev
		r.order = append(r.order, id)
	}
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) setDown(down bool) {
	r.mu.Lock()
	r.down = down
	r.mu.Unlock()
}

// matching returns the events received so far that pass keep, in arrival order.
func (r *receiver) matching(keep func(ev map[string]any) bool) []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []map[string]any
	for _, id := range r.order {
		if keep(r.events[id]) {
			out = append(out, r.events[id])
		}
	}
	return out
}

// await waits for an event that passes keep.
func (r *receiver) await(within time.Duration, what string, keep func(ev map[string]any) bool) map[string]any {
	r.t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if got := r.matching(keep); len(got) > 0 {
			return got[0]
		}
		time.Sleep(100 * time.Millisecond)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.t.Fatalf("no %s within %s; received %d deliveries (%d bad signatures): %v", what, within, r.received, r.badSigs, r.events)
	return nil
}

// recordEvent matches a record event of one type, connection and record.
func recordEvent(typ, connection, id string) func(ev map[string]any) bool {
	return func(ev map[string]any) bool {
		data, _ := ev["data"].(map[string]any)
		return ev["type"] == typ && ev["connection"] == connection && data["id"] == id
	}
}

func eventRecord(ev map[string]any) map[string]any {
	data, _ := ev["data"].(map[string]any)
	rec, _ := data["record"].(map[string]any)
	return rec
}

// awaitBaseline waits until the connection's contacts have been listed once.
func awaitBaseline(h *harness, connection string) {
	h.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		r := h.do("GET", "/platform/v1/connections/"+connection+"/polling", nil)
		h.expect(r, 200, "")
		for _, o := range r.list("objects") {
			o := o.(map[string]any)
			if o["object"] == "crm.contact" && o["baselineDone"] == true {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	h.t.Fatalf("the contacts of %s were never listed", connection)
}

// awaitPolls waits until the connection's contacts were polled n more times.
func awaitPolls(h *harness, connection string, n int) {
	h.t.Helper()
	last := ""
	for seen := 0; seen <= n; {
		r := h.do("GET", "/platform/v1/connections/"+connection+"/polling", nil)
		for _, o := range r.list("objects") {
			o := o.(map[string]any)
			if o["object"] == "crm.contact" {
				if t, _ := o["lastPollTime"].(string); t != last {
					last = t
					seen++
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// The must-show of change events on `unimesh dev`: a receiver registered
// through the API gets one signed crm.contact.updated, with the normalized
// record, for a contact changed at the Pipedrive sandbox and at the HubSpot
// sandbox (found by polling); a write through Unimesh is sent at once and
// not again by the next poll; and events queued while the receiver is down
// arrive when it is back.
func TestChangeEventsOnDev(t *testing.T) {
	h := startDev(t, func(c *stack.DevConfig) {
		c.Sandboxes.Vendors = true
		c.Gateway = stack.GatewayOptions{RatePerSecond: 1e6, Burst: 1 << 20}
		c.Events = stack.EventsConfig{PollInterval: time.Second, SweepInterval: time.Second, Tick: 100 * time.Millisecond,
			RetryBase: 300 * time.Millisecond}
	})
	var (
		secretMu sync.Mutex
		secret   string
	)
	rcv := newReceiver(t, func() string {
		secretMu.Lock()
		defer secretMu.Unlock()
		return secret
	})
	// Bad input is a 400 naming each field.
	invalid := h.do("POST", "/platform/v1/webhookEndpoints", map[string]any{"url": "ftp://x.example.com", "eventTypes": []string{"crm..x"}})
	h.expect(invalid, 400, "INVALID_ARGUMENT")
	if v := invalid.violations(); len(v) != 2 {
		t.Fatalf("violations: %v", v)
	}
	created := h.do("POST", "/platform/v1/webhookEndpoints", map[string]any{
		"url": rcv.url, "description": "test receiver", "eventTypes": []string{"crm.contact.*", "connection.*"},
	})
	h.expect(created, 200, "")
	secretMu.Lock()
	secret = created.str("signingSecret")
	secretMu.Unlock()
	if !strings.HasPrefix(secret, webhook.SecretPrefix) {
		t.Fatalf("signing secret: %s", created.raw)
	}
	endpoint := created.body["webhookEndpoint"].(map[string]any)["id"].(string)
	// The secret is shown once.
	if got := h.do("GET", "/platform/v1/webhookEndpoints/"+endpoint, nil); strings.Contains(string(got.raw), secret) {
		t.Fatalf("the secret came back: %s", got.raw)
	}

	pipedrive, hubspot := h.dev.Connections["pipedrive"], h.dev.Connections["hubspot"]
	awaitBaseline(h, pipedrive)
	awaitBaseline(h, hubspot)
	// The baseline is silent: the seeded contacts are no events.
	if got := rcv.matching(func(map[string]any) bool { return true }); len(got) != 0 {
		t.Fatalf("the first listing emitted %d events: %v", len(got), got)
	}

	// Unimesh subscribed to Pipedrive's webhooks (v2, basic auth) for the
	// connection, at its per-connection URL.
	pd := h.dev.Sandboxes.Emulators["pipedrive"].(*pipedriveemu.Emulator)
	hooks := pd.Webhooks()
	if len(hooks) != 1 || !strings.HasSuffix(hooks[0].SubscriptionURL, "/webhooks/native/"+pipedrive) || hooks[0].HTTPAuthUser == nil || *hooks[0].HTTPAuthUser == "" {
		t.Fatalf("Pipedrive webhooks: %+v", hooks)
	}

	// Deliveries that fail verification are refused and change nothing.
	post := func(path, user, pass string, body string) int {
		req, _ := http.NewRequest("POST", h.dev.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	forged := `{"data":{},"meta":{"action":"change","entity":"person","entity_id":"1","version":"2.0"}}`
	if got := post("/webhooks/native/"+pipedrive, "unimesh", "guessed", forged); got != http.StatusUnauthorized {
		t.Fatalf("a forged delivery: %d", got)
	}
	if got := post("/webhooks/native/"+pipedrive, "", "", forged); got != http.StatusUnauthorized {
		t.Fatalf("a delivery without credentials: %d", got)
	}
	if got := post("/webhooks/native/conn_unknown", "unimesh", "x", forged); got != http.StatusGone {
		t.Fatalf("a delivery for an unknown connection: %d", got)
	}
	hsForged := func(path string) int {
		req, _ := http.NewRequest("POST", h.dev.URL+path, strings.NewReader(`[{"portalId":24517803,"subscriptionType":"contact.deletion","objectId":51001}]`))
		req.Header.Set("X-HubSpot-Signature-v3", "bm90IGEgc2lnbmF0dXJl")
		req.Header.Set("X-HubSpot-Request-Timestamp", fmt.Sprint(time.Now().UnixMilli()))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := hsForged("/webhooks/apps/hubspot/" + h.dev.ProjectID); got != http.StatusUnauthorized {
		t.Fatalf("a forged HubSpot delivery: %d", got)
	}
	if got := hsForged("/webhooks/apps/hubspot/proj_nobody"); got != http.StatusNotFound {
		t.Fatalf("a HubSpot delivery for a project without an app: %d", got)
	}
	if got := post("/webhooks/native/"+pipedrive, "unimesh", "x", strings.Repeat("x", 2<<20)); got != http.StatusRequestEntityTooLarge {
		t.Fatalf("a 2 MiB delivery: %d", got)
	}

	// A change at the Pipedrive sandbox, behind Unimesh's back (through the
	// passthrough proxy, which writes nothing Unimesh would know of): the
	// sandbox sends its native webhook.
	list := h.do("GET", "/crm/v1/connections/"+pipedrive+"/contacts?pageSize=1", nil)
	h.expect(list, 200, "")
	pdContact := list.list("contacts")[0].(map[string]any)["id"].(string)
	r := h.do("POST", "/platform/v1/connections/"+pipedrive+"/passthrough", map[string]any{
		"method": "PATCH", "path": "/api/v2/persons/" + pdContact, "json": map[string]any{"name": "Grace Hopper"},
	})
	if r.status != 200 || r.body["statusCode"] != 200.0 {
		t.Fatalf("change at the Pipedrive sandbox: %s", r.raw)
	}
	ev := rcv.await(20*time.Second, "Pipedrive crm.contact.updated", recordEvent("crm.contact.updated", pipedrive, pdContact))
	if rec := eventRecord(ev); rec["firstName"] != "Grace" || rec["lastName"] != "Hopper" || rec["id"] != pdContact {
		t.Fatalf("the event's record is not the normalized contact: %v", ev)
	}
	if ev["source"] != "EVENT_SOURCE_NATIVE" || ev["integration"] != "pipedrive" || ev["occurTime"] == nil {
		t.Fatalf("event envelope: %v", ev)
	}

	// The same at the HubSpot sandbox, whose webhooks belong to the OAuth
	// app (dev points the dev app's at Unimesh). Polling is turned off for
	// the connection, so the event can only come from HubSpot's webhook.
	off := h.do("PATCH", "/platform/v1/connections/"+hubspot+"/polling", map[string]any{"disabled": true})
	h.expect(off, 200, "")
	if off.body["disabled"] != true {
		t.Fatalf("polling not turned off: %s", off.raw)
	}
	list = h.do("GET", "/crm/v1/connections/"+hubspot+"/contacts?pageSize=1", nil)
	h.expect(list, 200, "")
	hsContact := list.list("contacts")[0].(map[string]any)["id"].(string)
	r = h.do("POST", "/platform/v1/connections/"+hubspot+"/passthrough", map[string]any{
		"method": "PATCH", "path": "/crm/v3/objects/contacts/" + hsContact,
		"json": map[string]any{"properties": map[string]any{"lastname": "Hamilton"}},
	})
	if r.status != 200 || r.body["statusCode"] != 200.0 {
		t.Fatalf("change at the HubSpot sandbox: %s", r.raw)
	}
	ev = rcv.await(20*time.Second, "HubSpot crm.contact.updated", recordEvent("crm.contact.updated", hubspot, hsContact))
	if rec := eventRecord(ev); rec["lastName"] != "Hamilton" || ev["source"] != "EVENT_SOURCE_NATIVE" {
		t.Fatalf("the event's record is not the changed contact: %v", ev)
	}

	// A write through Unimesh is sent at once, by the write, and the next
	// polls know it.
	upd := h.do("PATCH", "/crm/v1/connections/"+pipedrive+"/contacts/"+pdContact+"?updateMask=lastName",
		map[string]any{"lastName": "Brewster Murray Hopper"})
	h.expect(upd, 200, "")
	ev = rcv.await(5*time.Second, "the write's event", func(ev map[string]any) bool {
		return recordEvent("crm.contact.updated", pipedrive, pdContact)(ev) && eventRecord(ev)["lastName"] == "Brewster Murray Hopper"
	})
	// The write and Pipedrive's own webhook about it race; whichever is
	// recorded first makes the one event (the write alone is the source on
	// providers without native webhooks: TestMeshMode).
	if ev["source"] != "EVENT_SOURCE_UNIMESH" && ev["source"] != "EVENT_SOURCE_NATIVE" {
		t.Fatalf("the write's event came from %v", ev["source"])
	}
	awaitPolls(h, pipedrive, 2)
	if got := rcv.matching(func(ev map[string]any) bool {
		return recordEvent("crm.contact.updated", pipedrive, pdContact)(ev) && eventRecord(ev)["lastName"] == "Brewster Murray Hopper"
	}); len(got) != 1 {
		t.Fatalf("the write made %d events, want 1: %v", len(got), got)
	}

	// The receiver goes away; changes made meanwhile are queued and retried.
	rcv.setDown(true)
	for i, name := range []string{"Ada Lovelace", "Katherine Johnson"} {
		r := h.do("POST", "/platform/v1/connections/"+pipedrive+"/passthrough", map[string]any{
			"method": "PATCH", "path": "/api/v2/persons/" + pdContact, "json": map[string]any{"name": name},
		})
		if r.body["statusCode"] != 200.0 {
			t.Fatalf("change %d: %s", i, r.raw)
		}
		awaitPolls(h, pipedrive, 2)
	}
	// The deliveries failed, and say so.
	failing := h.do("GET", "/platform/v1/webhookEndpoints/"+endpoint+"/deliveries?state=DELIVERY_STATE_PENDING", nil)
	h.expect(failing, 200, "")
	if len(failing.list("deliveries")) < 2 {
		t.Fatalf("pending deliveries while the receiver is down: %s", failing.raw)
	}
	d := failing.list("deliveries")[0].(map[string]any)
	attempts, _ := d["attempts"].([]any)
	if len(attempts) == 0 || attempts[0].(map[string]any)["httpStatus"] != 503.0 || d["nextAttemptTime"] == nil {
		t.Fatalf("a failed delivery's attempts: %v", d)
	}
	rcv.setDown(false)
	for _, last := range []string{"Lovelace", "Johnson"} {
		rcv.await(30*time.Second, "the queued "+last+" event", func(ev map[string]any) bool {
			return recordEvent("crm.contact.updated", pipedrive, pdContact)(ev) && eventRecord(ev)["lastName"] == last
		})
	}

	// Deleting the connection ends the subscription at Pipedrive.
	h.expect(h.do("DELETE", "/platform/v1/connections/"+pipedrive, nil), 200, "")
	if hooks := pd.Webhooks(); len(hooks) != 0 {
		t.Fatalf("Pipedrive webhooks left after the connection was deleted: %+v", hooks)
	}
	defer func() {
		if t.Failed() {
			for _, l := range strings.Split(h.logs.String(), "\n") {
				if strings.Contains(l, "platform") || strings.Contains(l, "WARN") || strings.Contains(l, "ERROR") {
					t.Log(l)
				}
			}
		}
	}()
	rcv.await(10*time.Second, "connection.deleted", func(ev map[string]any) bool {
		return ev["type"] == "connection.deleted" && ev["connection"] == pipedrive
	})

	rcv.mu.Lock()
	bad := rcv.badSigs
	rcv.mu.Unlock()
	if bad != 0 {
		t.Fatalf("%d deliveries had a bad signature", bad)
	}
	// Neither the signing secret nor a credential is in the logs.
	if strings.Contains(h.logs.String(), secret) {
		t.Fatal("the signing secret is in the logs")
	}
	fmt.Fprintln(io.Discard, endpoint)
}

// Polling finds records created and deleted behind Unimesh's back: a new
// one as crm.contact.created, a deleted one by the next full listing as
// crm.contact.deleted. With EmitBackfill the first listing sends a created
// event per existing record instead of a silent baseline.
func TestPollingFindsCreatedAndDeletedRecords(t *testing.T) {
	h := startDev(t, func(c *stack.DevConfig) {
		c.Sandboxes.Vendors = true
		c.Gateway = stack.GatewayOptions{RatePerSecond: 1e6, Burst: 1 << 20}
		c.Events = stack.EventsConfig{PollInterval: 500 * time.Millisecond, SweepInterval: time.Second, Tick: 100 * time.Millisecond,
			EmitBackfill: true}
	})
	var secret atomic.Value
	secret.Store("")
	rcv := newReceiver(t, func() string { return secret.Load().(string) })
	// The sandbox CRM sends no webhooks of its own: what is found, polling finds.
	ep := h.do("POST", "/platform/v1/webhookEndpoints", map[string]any{"url": rcv.url, "eventTypes": []string{"crm.contact.*"},
		"connections": []string{h.dev.Connections["sandbox-crm"]}})
	h.expect(ep, 200, "")
	secret.Store(ep.str("signingSecret"))
	sandbox := h.dev.Connections["sandbox-crm"]

	// The backfill: one created event per contact there is.
	var all []any
	for token := ""; ; {
		r := h.do("GET", "/crm/v1/connections/"+sandbox+"/contacts?pageSize=200&pageToken="+token, nil)
		h.expect(r, 200, "")
		all = append(all, r.list("contacts")...)
		if token = r.str("nextPageToken"); token == "" {
			break
		}
	}
	awaitBaseline(h, sandbox)
	deadline := time.Now().Add(10 * time.Second)
	for len(rcv.matching(func(ev map[string]any) bool { return ev["type"] == "crm.contact.created" })) < len(all) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if got := rcv.matching(func(ev map[string]any) bool { return ev["type"] == "crm.contact.created" }); len(got) != len(all) {
		t.Fatalf("backfill: %d created events for %d contacts", len(got), len(all))
	}

	// A person made at the sandbox behind Unimesh's back.
	r := h.do("POST", "/platform/v1/connections/"+sandbox+"/passthrough", map[string]any{
		"method": "POST", "path": "/v1/people", "json": map[string]any{"first_name": "Margaret", "last_name": "Hamilton"},
	})
	if r.body["statusCode"] != 200.0 && r.body["statusCode"] != 201.0 {
		t.Fatalf("create at the sandbox: %s", r.raw)
	}
	id := fmt.Sprint(int64(r.body["json"].(map[string]any)["data"].(map[string]any)["id"].(float64)))
	ev := rcv.await(15*time.Second, "crm.contact.created", recordEvent("crm.contact.created", sandbox, id))
	if eventRecord(ev)["lastName"] != "Hamilton" || ev["source"] != "EVENT_SOURCE_POLL" {
		t.Fatalf("created event: %v", ev)
	}
	// Deleted there: the next sweep notices.
	r = h.do("POST", "/platform/v1/connections/"+sandbox+"/passthrough", map[string]any{"method": "DELETE", "path": "/v1/people/" + id})
	if r.body["statusCode"] != 200.0 && r.body["statusCode"] != 204.0 {
		t.Fatalf("delete at the sandbox: %s", r.raw)
	}
	ev = rcv.await(15*time.Second, "crm.contact.deleted", recordEvent("crm.contact.deleted", sandbox, id))
	if _, ok := ev["data"].(map[string]any)["record"]; ok || ev["source"] != "EVENT_SOURCE_POLL" {
		t.Fatalf("a deleted event carries a record: %v", ev)
	}
	// Each change once.
	time.Sleep(2 * time.Second)
	for _, typ := range []string{"crm.contact.created", "crm.contact.deleted"} {
		if got := rcv.matching(recordEvent(typ, sandbox, id)); len(got) != 1 {
			t.Fatalf("%d %s events", len(got), typ)
		}
	}
	// Another connection's changes do not reach this endpoint.
	if got := rcv.matching(func(ev map[string]any) bool { return ev["connection"] != sandbox }); len(got) != 0 {
		t.Fatalf("events of other connections: %v", got)
	}
}
