package events_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/store"
	"github.com/unimesh/unimesh/pkg/store/storetest"
	"github.com/unimesh/unimesh/pkg/webhook"
	meshv1 "github.com/unimesh/unimesh/proto/unimesh/mesh/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
	"github.com/unimesh/unimesh/services/events"
)

func createEndpoint(t *testing.T, f *fixture, e *platformv1.WebhookEndpoint) (*platformv1.WebhookEndpoint, string) {
	t.Helper()
	resp, err := f.api.CreateWebhookEndpoint(as(adminKey), &platformv1.CreateWebhookEndpointRequest{WebhookEndpoint: e})
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetWebhookEndpoint(), resp.GetSigningSecret()
}

func publish(t *testing.T, f *fixture, changes ...*meshv1.RecordChange) {
	t.Helper()
	if _, err := f.internal.PublishChanges(context.Background(), &meshv1.PublishChangesRequest{Changes: changes}); err != nil {
		t.Fatal(err)
	}
}

// A receiver that fails five times and then recovers gets the event on the
// sixth attempt, and the delivery lists every attempt with its status.
func TestRetriesUntilTheReceiverRecovers(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		f := start(t, st, newKeyring(t), true)
		h := newHook(t, func(n int) int {
			if n < 5 {
				return http.StatusInternalServerError
			}
			return http.StatusNoContent
		})
		ep, secret := createEndpoint(t, f, &platformv1.WebhookEndpoint{Url: h.URL + "/hook"})
		publish(t, f, contactChange(t, "conn_a", "c1", "Lovelace"))
		waitFor(t, 10*time.Second, "six attempts", func() bool { return len(h.got()) >= 6 })
		time.Sleep(100 * time.Millisecond) // nothing more may come
		got := h.got()
		if len(got) != 6 {
			t.Fatalf("%d attempts, want 6", len(got))
		}
		var ids []string
		for i, d := range got {
			if err := verified(d, secret); err != nil {
				t.Fatalf("attempt %d: %v", i+1, err)
			}
			if d.header.Get(webhook.AttemptHeader) != string(rune('1'+i)) {
				t.Fatalf("attempt %d carries attempt header %q", i+1, d.header.Get(webhook.AttemptHeader))
			}
			ids = append(ids, d.header.Get(webhook.EventIDHeader))
		}
		for _, id := range ids {
			if id != ids[0] || !strings.HasPrefix(id, "evt_") {
				t.Fatalf("the event id changed between attempts: %v", ids)
			}
		}
		var ev map[string]any
		if err := json.Unmarshal(got[5].body, &ev); err != nil {
			t.Fatal(err)
		}
		data := ev["data"].(map[string]any)
		if ev["type"] != "crm.contact.updated" || ev["connection"] != "conn_a" || data["object"] != "contact" || data["id"] != "c1" ||
			data["record"].(map[string]any)["lastName"] != "Lovelace" || ev["source"] != "EVENT_SOURCE_UNIMESH" {
			t.Fatalf("payload: %s", got[5].body)
		}
		waitFor(t, 5*time.Second, "the delivery to succeed", func() bool {
			l, err := f.api.ListWebhookDeliveries(as(adminKey), &platformv1.ListWebhookDeliveriesRequest{Endpoint: ep.GetId()})
			return err == nil && len(l.GetDeliveries()) == 1 && l.GetDeliveries()[0].GetState() == platformv1.DeliveryState_DELIVERY_STATE_SUCCEEDED
		})
		l, _ := f.api.ListWebhookDeliveries(as(adminKey), &platformv1.ListWebhookDeliveriesRequest{Endpoint: ep.GetId()})
		d := l.GetDeliveries()[0]
		if len(d.GetAttempts()) != 6 || d.GetCompleteTime() == nil || d.GetEvent() != ids[0] {
			t.Fatalf("delivery: %v", d)
		}
		for i, a := range d.GetAttempts() {
			want := int32(500)
			if i == 5 {
				want = 204
			}
			if a.GetHttpStatus() != want || a.GetLatency() == nil || a.GetAttemptTime() == nil {
				t.Fatalf("attempt %d: %v", i+1, a)
			}
			if i < 5 && a.GetError() == "" {
				t.Fatalf("failed attempt %d says nothing", i+1)
			}
		}
		// A healthy endpoint again.
		e, _ := f.api.GetWebhookEndpoint(as(adminKey), &platformv1.GetWebhookEndpointRequest{Id: ep.GetId()})
		if e.GetDisabled() {
			t.Fatalf("endpoint disabled: %v", e)
		}
	})
}

// 410 Gone disables the endpoint at once, records an operator event, and
// later events make no deliveries to it.
func TestGoneDisablesTheEndpoint(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		f := start(t, st, newKeyring(t), true)
		h := newHook(t, func(int) int { return http.StatusGone })
		ep, _ := createEndpoint(t, f, &platformv1.WebhookEndpoint{Url: h.URL})
		publish(t, f, contactChange(t, "conn_a", "c1", "One"))
		waitFor(t, 5*time.Second, "the endpoint to be disabled", func() bool {
			e, err := f.api.GetWebhookEndpoint(as(adminKey), &platformv1.GetWebhookEndpointRequest{Id: ep.GetId()})
			return err == nil && e.GetDisabled()
		})
		e, _ := f.api.GetWebhookEndpoint(as(adminKey), &platformv1.GetWebhookEndpointRequest{Id: ep.GetId()})
		if !strings.Contains(e.GetDisabledReason(), "410") {
			t.Fatalf("reason: %q", e.GetDisabledReason())
		}
		pes, err := st.ListPlatformEvents(context.Background(), projectID, time.Time{}, 10)
		if err != nil || len(pes) != 1 || pes[0].Type != "webhook_endpoint.disabled" || !strings.Contains(pes[0].Data, ep.GetId()) {
			t.Fatalf("operator events: %v %v", pes, err)
		}
		publish(t, f, contactChange(t, "conn_a", "c1", "Two"))
		time.Sleep(200 * time.Millisecond)
		if n := len(h.got()); n != 1 {
			t.Fatalf("a disabled endpoint got %d deliveries", n)
		}
		l, _ := f.api.ListWebhookDeliveries(as(adminKey), &platformv1.ListWebhookDeliveriesRequest{Endpoint: ep.GetId()})
		if len(l.GetDeliveries()) != 1 || l.GetDeliveries()[0].GetState() != platformv1.DeliveryState_DELIVERY_STATE_FAILED {
			t.Fatalf("deliveries: %v", l)
		}
		// Re-enabling clears the reason; a replay is refused while disabled.
		if _, err := f.api.ReplayEvents(as(adminKey), &platformv1.ReplayEventsRequest{Endpoint: ep.GetId(),
			What: &platformv1.ReplayEventsRequest_Since{Since: timestamppb.New(time.Now().Add(-time.Hour))}}); status.Code(err) != codes.FailedPrecondition {
			t.Fatalf("replay to a disabled endpoint: %v", err)
		}
		e, err = f.api.UpdateWebhookEndpoint(as(adminKey), &platformv1.UpdateWebhookEndpointRequest{
			WebhookEndpoint: &platformv1.WebhookEndpoint{Id: ep.GetId(), Disabled: false}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"disabled"}}})
		if err != nil || e.GetDisabled() || e.GetDisabledReason() != "" {
			t.Fatalf("enable: %v %v", e, err)
		}
	})
}

// An endpoint that fails without a success for the whole retry window is
// disabled and its delivery fails for good.
func TestAnEndpointFailingTooLongIsDisabled(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		f := start(t, st, newKeyring(t), true, func(o *events.Options) { o.GiveUpAfter = 400 * time.Millisecond })
		h := newHook(t, func(int) int { return http.StatusServiceUnavailable })
		ep, _ := createEndpoint(t, f, &platformv1.WebhookEndpoint{Url: h.URL})
		publish(t, f, contactChange(t, "conn_a", "c1", "One"))
		waitFor(t, 10*time.Second, "the endpoint to be disabled", func() bool {
			e, err := f.api.GetWebhookEndpoint(as(adminKey), &platformv1.GetWebhookEndpointRequest{Id: ep.GetId()})
			return err == nil && e.GetDisabled()
		})
		e, _ := f.api.GetWebhookEndpoint(as(adminKey), &platformv1.GetWebhookEndpointRequest{Id: ep.GetId()})
		if !strings.Contains(e.GetDisabledReason(), "failed since") {
			t.Fatalf("reason: %q", e.GetDisabledReason())
		}
		if len(h.got()) < 3 {
			t.Fatalf("only %d attempts before giving up", len(h.got()))
		}
		l, _ := f.api.ListWebhookDeliveries(as(adminKey), &platformv1.ListWebhookDeliveriesRequest{Endpoint: ep.GetId()})
		if st := l.GetDeliveries()[0].GetState(); st != platformv1.DeliveryState_DELIVERY_STATE_FAILED && st != platformv1.DeliveryState_DELIVERY_STATE_CANCELLED {
			t.Fatalf("delivery state %v", st)
		}
	})
}

// The default schedule retries for at least three days, with growing gaps.
func TestTheDefaultScheduleSpansThreeDays(t *testing.T) {
	var total time.Duration
	n := 0
	for ; total < 72*time.Hour; n++ {
		d := events.Backoff(n+1, 30*time.Second, 6*time.Hour)
		if d < 24*time.Second || d > 6*time.Hour*12/10 {
			t.Fatalf("retry %d waits %s", n+1, d)
		}
		total += d
	}
	if n < 15 || n > 30 {
		t.Fatalf("%d retries to cover three days", n)
	}
	if a, b := events.Backoff(1, 30*time.Second, 6*time.Hour), events.Backoff(6, 30*time.Second, 6*time.Hour); b < 10*a {
		t.Fatalf("no exponential growth: %s then %s", a, b)
	}
}

// A rotated secret signs beside the new one until the overlap ends; an
// overlap of zero ends it at once.
func TestSecretRotationOverlap(t *testing.T) {
	st := storetest.SQLite(t)
	f := start(t, st, newKeyring(t), true)
	h := newHook(t, func(int) int { return http.StatusOK })
	ep, old := createEndpoint(t, f, &platformv1.WebhookEndpoint{Url: h.URL})
	rot, err := f.api.RotateWebhookSecret(as(adminKey), &platformv1.RotateWebhookSecretRequest{Id: ep.GetId(), Overlap: durationpb.New(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	fresh := rot.GetSigningSecret()
	if fresh == old || rot.GetWebhookEndpoint().GetPreviousSecretExpireTime() == nil {
		t.Fatalf("rotation: %v", rot)
	}
	publish(t, f, contactChange(t, "conn_a", "c1", "One"))
	waitFor(t, 5*time.Second, "a delivery", func() bool { return len(h.got()) == 1 })
	d := h.got()[0]
	if err := verified(d, old); err != nil {
		t.Fatalf("the old secret no longer verifies during the overlap: %v", err)
	}
	if err := verified(d, fresh); err != nil {
		t.Fatalf("the new secret does not verify: %v", err)
	}
	if err := verified(d, "whsec_someone-else"); err != webhook.ErrNoMatch {
		t.Fatalf("a foreign secret: %v", err)
	}
	rot, err = f.api.RotateWebhookSecret(as(adminKey), &platformv1.RotateWebhookSecretRequest{Id: ep.GetId(), Overlap: durationpb.New(0)})
	if err != nil {
		t.Fatal(err)
	}
	newest := rot.GetSigningSecret()
	publish(t, f, contactChange(t, "conn_a", "c1", "Two"))
	waitFor(t, 5*time.Second, "a second delivery", func() bool { return len(h.got()) == 2 })
	d = h.got()[1]
	if verified(d, newest) != nil || verified(d, fresh) == nil || verified(d, old) == nil {
		t.Fatal("after a rotation without overlap only the newest secret may verify")
	}
}

// Event type patterns, connection filters and field selections decide
// what an endpoint receives and how much of the record.
func TestFiltersAndFields(t *testing.T) {
	st := storetest.SQLite(t)
	f := start(t, st, newKeyring(t), true)
	h := newHook(t, func(int) int { return http.StatusOK })
	all := newHook(t, func(int) int { return http.StatusOK })
	createEndpoint(t, f, &platformv1.WebhookEndpoint{Url: h.URL, EventTypes: []string{"crm.contact.*"}, Connections: []string{"conn_x"},
		Fields: []string{"lastName"}})
	createEndpoint(t, f, &platformv1.WebhookEndpoint{Url: all.URL, EventTypes: []string{"*"}})
	deal := contactChange(t, "conn_x", "d1", "")
	deal.Object = "deal"
	publish(t, f, contactChange(t, "conn_x", "c1", "Kept"), contactChange(t, "conn_y", "c2", "Other connection"), deal)
	waitFor(t, 5*time.Second, "three deliveries to the catch-all", func() bool { return len(all.got()) == 3 })
	time.Sleep(100 * time.Millisecond)
	got := h.got()
	if len(got) != 1 {
		t.Fatalf("the filtered endpoint got %d deliveries", len(got))
	}
	var ev map[string]any
	_ = json.Unmarshal(got[0].body, &ev)
	rec := ev["data"].(map[string]any)["record"].(map[string]any)
	if len(rec) != 2 || rec["id"] != "c1" || rec["lastName"] != "Kept" {
		t.Fatalf("trimmed record: %v", rec)
	}
	var full map[string]any
	_ = json.Unmarshal(all.got()[0].body, &full)
	if full["data"].(map[string]any)["record"].(map[string]any)["firstName"] != "Ada" {
		t.Fatalf("the catch-all's record was trimmed: %s", all.got()[0].body)
	}
}

// A replay sends one event again, or every matching event since a time,
// under the same event ids.
func TestReplay(t *testing.T) {
	st := storetest.SQLite(t)
	f := start(t, st, newKeyring(t), true)
	h := newHook(t, func(int) int { return http.StatusOK })
	ep, _ := createEndpoint(t, f, &platformv1.WebhookEndpoint{Url: h.URL, EventTypes: []string{"crm.contact.updated"}})
	deal := contactChange(t, "conn_a", "d1", "")
	deal.Object = "deal"
	publish(t, f, contactChange(t, "conn_a", "c1", "One"), contactChange(t, "conn_a", "c2", "Two"), deal)
	waitFor(t, 5*time.Second, "two deliveries", func() bool { return len(h.got()) == 2 })
	first := h.got()[0].header.Get(webhook.EventIDHeader)

	r, err := f.api.ReplayEvents(as(adminKey), &platformv1.ReplayEventsRequest{Endpoint: ep.GetId(), What: &platformv1.ReplayEventsRequest_Event{Event: first}})
	if err != nil || r.GetDeliveryCount() != 1 {
		t.Fatalf("replay one: %v %v", r, err)
	}
	waitFor(t, 5*time.Second, "the replayed event", func() bool { return len(h.got()) == 3 })
	if h.got()[2].header.Get(webhook.EventIDHeader) != first {
		t.Fatal("a replay changed the event id")
	}
	r, err = f.api.ReplayEvents(as(adminKey), &platformv1.ReplayEventsRequest{Endpoint: ep.GetId(),
		What: &platformv1.ReplayEventsRequest_Since{Since: timestamppb.New(time.Now().Add(-time.Minute))}})
	if err != nil || r.GetDeliveryCount() != 2 {
		t.Fatalf("replay since (the deal event does not match): %v %v", r, err)
	}
	waitFor(t, 5*time.Second, "the replayed events", func() bool { return len(h.got()) == 5 })
	// Errors: an unknown event, a time beyond the retention, no choice at all.
	_, err = f.api.ReplayEvents(as(adminKey), &platformv1.ReplayEventsRequest{Endpoint: ep.GetId(), What: &platformv1.ReplayEventsRequest_Event{Event: "evt_nope"}})
	if apierr.Reason(err) != events.ReasonEventNotFound {
		t.Fatalf("unknown event: %v", err)
	}
	_, err = f.api.ReplayEvents(as(adminKey), &platformv1.ReplayEventsRequest{Endpoint: ep.GetId(),
		What: &platformv1.ReplayEventsRequest_Since{Since: timestamppb.New(time.Now().Add(-40 * 24 * time.Hour))}})
	if apierr.Reason(err) != events.ReasonReplayTooOld {
		t.Fatalf("too old: %v", err)
	}
	_, err = f.api.ReplayEvents(as(adminKey), &platformv1.ReplayEventsRequest{Endpoint: ep.GetId()})
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("nothing to replay: %v", err)
	}
}

// Bad input is refused with the field named, and nothing is stored.
func TestEndpointValidation(t *testing.T) {
	st := storetest.SQLite(t)
	f := start(t, st, newKeyring(t), false)
	for name, e := range map[string]*platformv1.WebhookEndpoint{
		"no url":        {},
		"not a url":     {Url: "hooks.example.com/x"},
		"ftp":           {Url: "ftp://hooks.example.com/x"},
		"bad type":      {Url: "https://h.example.com", EventTypes: []string{"crm.Contact.updated"}},
		"bad pattern":   {Url: "https://h.example.com", EventTypes: []string{"crm.*.updated"}},
		"bad field":     {Url: "https://h.example.com", Fields: []string{"emails.address"}},
		"bad conn":      {Url: "https://h.example.com", Connections: []string{"conn/../x"}},
		"dup type":      {Url: "https://h.example.com", EventTypes: []string{"*", "*"}},
		"id given":      {Url: "https://h.example.com", Id: "nope"},
		"too long desc": {Url: "https://h.example.com", Description: strings.Repeat("x", 501)},
	} {
		_, err := f.api.CreateWebhookEndpoint(as(adminKey), &platformv1.CreateWebhookEndpointRequest{WebhookEndpoint: e})
		if status.Code(err) != codes.InvalidArgument || len(apierr.Violations(err)) == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	l, err := f.api.ListWebhookEndpoints(as(adminKey), &platformv1.ListWebhookEndpointsRequest{})
	if err != nil || len(l.GetWebhookEndpoints()) != 0 {
		t.Fatalf("refused endpoints were stored: %v %v", l, err)
	}
	// A read key may not see or make endpoints: they carry every record.
	if _, err := f.api.ListWebhookEndpoints(as(readKey), &platformv1.ListWebhookEndpointsRequest{}); status.Code(err) != codes.PermissionDenied {
		t.Fatalf("read key: %v", err)
	}
	// Unknown ids are 404 with a stable reason.
	_, err = f.api.GetWebhookEndpoint(as(adminKey), &platformv1.GetWebhookEndpointRequest{Id: "whe_nope"})
	if apierr.Reason(err) != events.ReasonEndpointNotFound {
		t.Fatalf("unknown endpoint: %v", err)
	}
	_, err = f.api.RotateWebhookSecret(as(adminKey), &platformv1.RotateWebhookSecretRequest{Id: "whe_nope", Overlap: durationpb.New(8 * 24 * time.Hour)})
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("an overlap over 7 days: %v", err)
	}
	// A publish of nothing is refused.
	_, err = f.internal.PublishChanges(as(adminKey), &meshv1.PublishChangesRequest{})
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("an empty publish: %v", err)
	}
}
