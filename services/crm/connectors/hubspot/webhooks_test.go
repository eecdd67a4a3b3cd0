package hubspot

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/unimesh/unimesh/pkg/connector"
	meshv1 "github.com/unimesh/unimesh/proto/unimesh/mesh/v1"
)

func TestReadWebhook(t *testing.T) {
	const (
		secret = "client-secret-of-the-app"
		url    = "https://unimesh.example.com/webhooks/apps/hubspot/proj_1"
	)
	clock := time.UnixMilli(1_800_000_000_000)
	r := &webhookReader{now: func() time.Time { return clock }}
	conn := &connector.Conn{Config: map[string]string{"hub_id": "62515"}}
	sign := func(method, u, body string, ts time.Time, key string) http.Header {
		stamp := strconv.FormatInt(ts.UnixMilli(), 10)
		m := hmac.New(sha256.New, []byte(key))
		m.Write([]byte(method + u + body + stamp))
		h := http.Header{}
		h.Set("X-HubSpot-Signature-v3", base64.StdEncoding.EncodeToString(m.Sum(nil)))
		h.Set("X-HubSpot-Request-Timestamp", stamp)
		return h
	}
	batch := `[{"eventId":1,"portalId":62515,"subscriptionType":"contact.propertyChange","objectId":51001,"propertyName":"lastname"},
		{"eventId":2,"portalId":62515,"subscriptionType":"contact.propertyChange","objectId":51001,"propertyName":"email"},
		{"eventId":3,"portalId":62515,"subscriptionType":"company.creation","objectId":7},
		{"eventId":4,"portalId":62515,"subscriptionType":"company.propertyChange","objectId":7},
		{"eventId":5,"portalId":62515,"subscriptionType":"deal.propertyChange","objectId":9},
		{"eventId":6,"portalId":62515,"subscriptionType":"deal.deletion","objectId":9},
		{"eventId":7,"portalId":99999,"subscriptionType":"contact.creation","objectId":1},
		{"eventId":8,"portalId":62515,"subscriptionType":"contact.merge","objectId":2},
		{"eventId":9,"portalId":62515,"subscriptionType":"ticket.creation","objectId":3}]`
	want := []connector.Notice{
		{Object: "contact", RecordID: "51001", Kind: meshv1.ChangeKind_CHANGE_KIND_UPDATED},
		{Object: "company", RecordID: "7", Kind: meshv1.ChangeKind_CHANGE_KIND_CREATED},
		{Object: "deal", RecordID: "9", Kind: meshv1.ChangeKind_CHANGE_KIND_DELETED},
	}
	got, err := r.read(context.Background(), conn, connector.Delivery{Method: "POST", URL: url, Header: sign("POST", url, batch, clock, secret), Body: []byte(batch)}, secret)
	if err != nil || len(got) != len(want) {
		t.Fatalf("got %v %v, want %v", got, err, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("notice %d: %v, want %v", i, got[i], want[i])
		}
	}
	// Another account's connection sees nothing of it.
	other := &connector.Conn{Config: map[string]string{"hub_id": "11111"}}
	if got, err := r.read(context.Background(), other, connector.Delivery{Method: "POST", URL: url, Header: sign("POST", url, batch, clock, secret), Body: []byte(batch)}, secret); err != nil || len(got) != 0 {
		t.Fatalf("another account: %v %v", got, err)
	}
	for name, d := range map[string]connector.Delivery{
		"wrong secret":     {Method: "POST", URL: url, Header: sign("POST", url, batch, clock, "other"), Body: []byte(batch)},
		"body changed":     {Method: "POST", URL: url, Header: sign("POST", url, batch, clock, secret), Body: []byte(batch[:len(batch)-1] + " ]")},
		"other URL signed": {Method: "POST", URL: url, Header: sign("POST", url+"x", batch, clock, secret), Body: []byte(batch)},
		"replayed late":    {Method: "POST", URL: url, Header: sign("POST", url, batch, clock.Add(-6*time.Minute), secret), Body: []byte(batch)},
		"no signature":     {Method: "POST", URL: url, Header: http.Header{}, Body: []byte(batch)},
	} {
		if _, err := r.read(context.Background(), conn, d, secret); !errors.Is(err, connector.ErrWebhookRefused) {
			t.Errorf("%s: %v, want refused", name, err)
		}
	}
	if _, err := r.read(context.Background(), conn, connector.Delivery{Method: "POST", URL: url, Header: sign("POST", url, "{}", clock, secret), Body: []byte("{}")}, secret); err == nil || errors.Is(err, connector.ErrWebhookRefused) {
		t.Fatalf("a signed non-batch: %v", err)
	}
}
