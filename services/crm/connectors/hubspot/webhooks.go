package hubspot

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/unimesh/unimesh/pkg/connector"
	meshv1 "github.com/unimesh/unimesh/proto/unimesh/mesh/v1"
)

// webhookTolerance is how old a delivery's timestamp may be: HubSpot's
// guidance is to refuse requests older than five minutes.
const webhookTolerance = 5 * time.Minute

// webhookObjects maps a subscription type's object to the unified one.
var webhookObjects = map[string]string{"contact": "contact", "company": "company", "deal": "deal"}

// webhooks reads HubSpot's app webhooks (Webhooks API v3): a JSON array of
// events, signed with X-HubSpot-Signature-v3 = base64(HMAC-SHA256(client
// secret, method + URI + body + X-HubSpot-Request-Timestamp)). They belong
// to the app, not to a connection: the app's developer sets the target URL
// and the subscriptions; each event names its account (portalId), which a
// connection's hub_id config matches. References: developers.hubspot.com
// /docs/api/webhooks and /docs/api/webhooks/validating-requests.
func webhooks() *connector.Webhooks {
	r := &webhookReader{now: time.Now}
	return &connector.Webhooks{AppLevel: true, Read: r.read, Objects: []string{"contact", "company", "deal"}}
}

// webhookReader reads deliveries; now is the clock timestamps are checked against.
type webhookReader struct{ now func() time.Time }

// event is what an event of a delivery holds of interest here.
type event struct {
	PortalID         int64  `json:"portalId"`
	SubscriptionType string `json:"subscriptionType"`
	ObjectID         int64  `json:"objectId"`
}

func (r *webhookReader) read(_ context.Context, c *connector.Conn, d connector.Delivery, secret string) ([]connector.Notice, error) {
	sig, ts := d.Header.Get("X-HubSpot-Signature-v3"), d.Header.Get("X-HubSpot-Request-Timestamp")
	ms, err := strconv.ParseInt(ts, 10, 64)
	if sig == "" || err != nil {
		return nil, connector.ErrWebhookRefused
	}
	if age := r.now().Sub(time.UnixMilli(ms)); age > webhookTolerance || age < -webhookTolerance {
		return nil, connector.ErrWebhookRefused // a replay, or a clock far off
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(d.Method + d.URL))
	m.Write(d.Body)
	m.Write([]byte(ts))
	got, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, m.Sum(nil)) {
		return nil, connector.ErrWebhookRefused
	}
	var events []event
	if err := json.Unmarshal(d.Body, &events); err != nil {
		return nil, fmt.Errorf("not a HubSpot webhook batch: %w", err)
	}
	portal := c.Config["hub_id"]
	// One notice per record, the strongest kind winning: a record created
	// and changed in one batch is created; deleted is deleted.
	byRecord := map[string]*connector.Notice{}
	var order []string
	for _, e := range events {
		if portal == "" || strconv.FormatInt(e.PortalID, 10) != portal || e.ObjectID <= 0 {
			continue // another account's, or this connection has no account id
		}
		objectType, action, _ := strings.Cut(e.SubscriptionType, ".")
		object, ok := webhookObjects[objectType]
		if !ok {
			continue
		}
		var kind meshv1.ChangeKind
		switch action {
		case "creation":
			kind = meshv1.ChangeKind_CHANGE_KIND_CREATED
		case "propertyChange":
			kind = meshv1.ChangeKind_CHANGE_KIND_UPDATED
		case "deletion", "privacyDeletion":
			kind = meshv1.ChangeKind_CHANGE_KIND_DELETED
		default:
			continue // merges, restorations, associations: polling sees their effect
		}
		key := object + "/" + strconv.FormatInt(e.ObjectID, 10)
		if n, ok := byRecord[key]; ok {
			if kind == meshv1.ChangeKind_CHANGE_KIND_DELETED || n.Kind == meshv1.ChangeKind_CHANGE_KIND_UPDATED {
				n.Kind = kind
			}
			continue
		}
		byRecord[key] = &connector.Notice{Object: object, RecordID: strconv.FormatInt(e.ObjectID, 10), Kind: kind}
		order = append(order, key)
	}
	out := make([]connector.Notice, 0, len(order))
	for _, k := range order {
		out = append(out, *byRecord[k])
	}
	return out, nil
}
