package pipedrive

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/unimesh/unimesh/pkg/connector"
	meshv1 "github.com/unimesh/unimesh/proto/unimesh/mesh/v1"
)

// webhookUser is the HTTP Basic user Pipedrive presents with each
// delivery; the password is the subscription's secret.
const webhookUser = "unimesh"

// webhookObjects maps Pipedrive's meta.entity to the unified objects.
var webhookObjects = map[string]string{
	"person":       "contact",
	"organization": "company",
	"deal":         "deal",
	"lead":         "lead",
	"activity":     "activity",
}

// webhooks subscribes through Pipedrive's Webhooks API (one webhook for
// every object and action, payload version 2.0, HTTP Basic auth with the
// subscription's secret) and reads its deliveries:
// {data, previous, meta: {action: create|change|delete, entity, entity_id}}.
// Reference: developers.pipedrive.com/docs/api/v1/Webhooks and "Guide for
// Webhooks v2" (pipedrive.readme.io/docs/guide-for-webhooks-v2).
func webhooks() *connector.Webhooks {
	return &connector.Webhooks{
		Objects:     []string{"contact", "company", "deal", "lead", "activity"},
		Subscribe:   subscribe,
		Unsubscribe: unsubscribe,
		Read:        readWebhook,
	}
}

func subscribe(ctx context.Context, c *connector.Conn, target, secret string) (string, error) {
	env, err := call(ctx, c, http.MethodPost, "/api/v1/webhooks", nil, map[string]any{
		"subscription_url": target, "event_action": "*", "event_object": "*", "version": "2.0",
		"http_auth_user": webhookUser, "http_auth_password": secret,
	})
	if err != nil {
		return "", err
	}
	var hook struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(env.Data, &hook); err != nil || hook.ID == 0 {
		return "", badAnswer(c, "a webhook")
	}
	return strconv.FormatInt(hook.ID, 10), nil
}

func unsubscribe(ctx context.Context, c *connector.Conn, state string) error {
	if _, err := strconv.ParseInt(state, 10, 64); err != nil {
		return fmt.Errorf("pipedrive webhook id %q: %w", state, err)
	}
	_, err := call(ctx, c, http.MethodDelete, "/api/v1/webhooks/"+state, nil, nil)
	return err
}

// notification is what a delivery's body holds of interest here.
type notification struct {
	Meta struct {
		Action   string          `json:"action"`
		Entity   string          `json:"entity"`
		EntityID json.RawMessage `json:"entity_id"`
		Version  string          `json:"version"`
	} `json:"meta"`
}

func readWebhook(_ context.Context, _ *connector.Conn, d connector.Delivery, secret string) ([]connector.Notice, error) {
	body := d.Body
	user, pass, ok := (&http.Request{Header: d.Header}).BasicAuth()
	if !ok || subtle.ConstantTimeCompare([]byte(user), []byte(webhookUser)) != 1 ||
		subtle.ConstantTimeCompare([]byte(pass), []byte(secret)) != 1 {
		return nil, connector.ErrWebhookRefused
	}
	var n notification
	if err := json.Unmarshal(body, &n); err != nil {
		return nil, fmt.Errorf("not a Pipedrive notification: %w", err)
	}
	object, ok := webhookObjects[n.Meta.Entity]
	if !ok {
		return nil, nil // an entity with no unified object (a note, a product)
	}
	// entity_id is a string in v2.0 payloads, a number in some older ones.
	id := strings.Trim(string(n.Meta.EntityID), `"`)
	if id == "" || id == "null" {
		return nil, fmt.Errorf("a Pipedrive notification without meta.entity_id")
	}
	var kind meshv1.ChangeKind
	switch n.Meta.Action {
	case "create", "added":
		kind = meshv1.ChangeKind_CHANGE_KIND_CREATED
	case "change", "updated":
		kind = meshv1.ChangeKind_CHANGE_KIND_UPDATED
	case "delete", "deleted":
		kind = meshv1.ChangeKind_CHANGE_KIND_DELETED
	default:
		return nil, nil // merges and other actions: the next poll sees their effect
	}
	return []connector.Notice{{Object: object, RecordID: id, Kind: kind}}, nil
}
