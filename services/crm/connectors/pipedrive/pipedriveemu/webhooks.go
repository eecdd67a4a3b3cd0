package pipedriveemu

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/unimesh/unimesh/pkg/emulator"
)

// Pipedrive's webhooks, version 2.0, as "Guide for Webhooks v2"
// (pipedrive.readme.io/docs/guide-for-webhooks-v2), "Webhooks v2 migration
// guide" and developers.pipedrive.com/docs/api/v1/Webhooks describe them:
// POST/GET /api/v1/webhooks and DELETE /api/v1/webhooks/{id}; a POST of
// {data, previous, meta} to the subscription URL for every change of a
// matching record, with HTTP Basic auth when the webhook has credentials;
// retries after 3, 30 and 150 seconds when the receiver does not answer
// 2xx within 10 seconds.
const (
	// MaxWebhooks is how many webhooks a company may have.
	MaxWebhooks = 40
	// WebhookTimeout is how long Pipedrive waits for a receiver's answer.
	WebhookTimeout = 10 * time.Second
)

// DefaultWebhookRetryDelays are Pipedrive's waits before each retry.
var DefaultWebhookRetryDelays = []time.Duration{3 * time.Second, 30 * time.Second, 150 * time.Second}

// webhookObjects are the event objects the emulator notifies about, the
// records of v2 webhooks it has. Pipedrive also has product and user
// events, which the emulator does not send.
var webhookObjects = []string{"person", "organization", "deal", "activity", "lead", "note"}

// webhookActions maps an event_action to its v2 name: v1's names are
// accepted for the actions v2 kept.
var webhookActions = map[string]string{"create": "create", "change": "change", "delete": "delete", "*": "*",
	"added": "create", "updated": "change", "deleted": "delete"}

// Webhook is a webhook as GET /api/v1/webhooks lists it. Pipedrive echoes
// the HTTP auth password.
type Webhook struct {
	ID               int64   `json:"id"`
	CompanyID        int64   `json:"company_id"`
	OwnerID          int64   `json:"owner_id"`
	UserID           int64   `json:"user_id"`
	EventAction      string  `json:"event_action"`
	EventObject      string  `json:"event_object"`
	SubscriptionURL  string  `json:"subscription_url"`
	Version          string  `json:"version"`
	IsActive         bool    `json:"is_active"`
	AddTime          string  `json:"add_time"`
	RemoveTime       *string `json:"remove_time"`
	Type             string  `json:"type"`
	Name             string  `json:"name,omitempty"`
	HTTPAuthUser     *string `json:"http_auth_user"`
	HTTPAuthPassword *string `json:"http_auth_password"`
	RemoveReason     *string `json:"remove_reason"`
	LastDeliveryTime *string `json:"last_delivery_time"`
	LastHTTPStatus   *int    `json:"last_http_status"`
	AdminID          int64   `json:"admin_id"`
}

// matches says whether the webhook wants an event: "*" matches any.
func (w *Webhook) matches(action, object string) bool {
	return w.IsActive && (w.EventAction == "*" || w.EventAction == action) && (w.EventObject == "*" || w.EventObject == object)
}

// webhookState holds the company's webhooks. It has its own lock, not the
// store's: the change feed asks it, under the store's lock, whether any
// webhook is active. It is never held while entering the store.
type webhookState struct {
	mu   sync.Mutex
	list []*Webhook
	seq  int64
}

func (s *webhookState) active() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, w := range s.list {
		if w.IsActive {
			return true
		}
	}
	return false
}

func (s *webhookState) get(id int64) (Webhook, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, w := range s.list {
		if w.ID == id {
			return *w, true
		}
	}
	return Webhook{}, false
}

func (s *webhookState) all() []Webhook {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Webhook, 0, len(s.list))
	for _, w := range s.list {
		out = append(out, *w)
	}
	return out
}

// delivered records an attempt's outcome on the webhook: when, and the
// receiver's status (null when it gave none: a timeout, a refused connection).
func (s *webhookState) delivered(id int64, at time.Time, status int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, w := range s.list {
		if w.ID == id {
			t := at.Format(v1Time)
			w.LastDeliveryTime, w.LastHTTPStatus = &t, nil
			if err == nil {
				w.LastHTTPStatus = &status
			}
			return
		}
	}
}

// apiSource marks the changes made through the HTTP API.
const apiSource = "api"

// claim attributes the writes of a record (id "" for a new one) to the
// HTTP API until release.
func (e *Emulator) claim(entity, id string) (release func()) {
	if entity == "" {
		return func() {}
	}
	return e.feed.Claim(entity, id, apiSource)
}

// track wraps a collection's setMeta so that the change feed sees every
// committed write of the records webhooks notify about.
func track[T any](e *Emulator, entity string, setMeta func(*T, emulator.Meta)) func(*T, emulator.Meta) {
	return func(r *T, m emulator.Meta) {
		setMeta(r, m)
		e.feed.Put(entity, m.ID, r, m.Updated)
	}
}

func (e *Emulator) webhookRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/webhooks", e.listWebhooks)
	mux.HandleFunc("POST /api/v1/webhooks", e.createWebhook)
	mux.HandleFunc("DELETE /api/v1/webhooks/{id}", e.deleteWebhook)
}

// webhookEnvelope is the webhooks endpoints' answer: they still carry
// API v1's old "status": "ok" beside success.
type webhookEnvelope struct {
	Status  string `json:"status"`
	Success bool   `json:"success"`
	Data    any    `json:"data,omitempty"`
}

func (e *Emulator) listWebhooks(w http.ResponseWriter, _ *http.Request) {
	emulator.WriteJSON(w, http.StatusOK, webhookEnvelope{Status: "ok", Success: true, Data: e.hooks.all()})
}

func (e *Emulator) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		writeError(w, http.StatusBadRequest, "Validation failed: id: must be a positive integer")
		return
	}
	e.hooks.mu.Lock()
	i := slices.IndexFunc(e.hooks.list, func(wh *Webhook) bool { return wh.ID == id })
	if i >= 0 {
		e.hooks.list = slices.Delete(e.hooks.list, i, i+1)
	}
	e.hooks.mu.Unlock()
	if i < 0 {
		writeError(w, http.StatusNotFound, "Webhook not found")
		return
	}
	emulator.WriteJSON(w, http.StatusOK, webhookEnvelope{Status: "ok", Success: true})
}

// webhookParamNames are the fields of POST /api/v1/webhooks.
var webhookParamNames = []string{"subscription_url", "event_action", "event_object", "user_id", "http_auth_user",
	"http_auth_password", "version", "name"}

// webhookParams reads the body of POST /api/v1/webhooks: JSON, or a form
// (the reference's examples post forms).
func webhookParams(r *http.Request) (map[string]string, *validation) {
	v := &validation{}
	out := map[string]string{}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/x-www-form-urlencoded" || ct == "multipart/form-data" {
		if err := r.ParseMultipartForm(1 << 20); err != nil && err != http.ErrNotMultipart {
			v.add("body", "could not be read as a form")
			return nil, v
		}
		for k, vals := range r.PostForm {
			if len(vals) > 0 {
				out[k] = vals[0]
			}
		}
		return out, v
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		v.add("body", "could not be read")
		return nil, v
	}
	m := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(raw)) > 0 {
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if err := d.Decode(&m); err != nil {
			v.add("body", "must be a JSON object")
			return nil, v
		}
	}
	for k, val := range m {
		if isNull(val) || !slices.Contains(webhookParamNames, k) {
			continue // API v1 ignores what it does not know
		}
		var s string
		if json.Unmarshal(val, &s) == nil {
			out[k] = s
			continue
		}
		var n json.Number
		if json.Unmarshal(val, &n) == nil {
			out[k] = n.String()
			continue
		}
		v.add(k, "must be a string")
	}
	return out, v
}

// createWebhook serves POST /api/v1/webhooks.
func (e *Emulator) createWebhook(w http.ResponseWriter, r *http.Request) {
	p, v := webhookParams(r)
	if p == nil || !v.ok() {
		v.write(w)
		return
	}
	me := e.me()
	wh := Webhook{CompanyID: oauthCompanyID, OwnerID: me, UserID: me, AdminID: me, Version: "2.0", IsActive: true,
		Type: "general", Name: p["name"], AddTime: e.Store.Now().Format(v1Time)}

	switch raw := p["subscription_url"]; {
	case strings.TrimSpace(raw) == "":
		v.add("subscription_url", "is required")
	default:
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.add("subscription_url", "must be a full http:// or https:// URL")
		}
		wh.SubscriptionURL = raw
	}
	switch a := p["event_action"]; {
	case a == "":
		v.add("event_action", "is required")
	case a == "merged":
		v.add("event_action", "merged is not available in webhooks v2: a merge sends a delete and a change")
	case webhookActions[a] == "":
		v.add("event_action", "must be one of create, change, delete, *")
	default:
		wh.EventAction = webhookActions[a]
	}
	switch o := p["event_object"]; {
	case o == "":
		v.add("event_object", "is required")
	case o != "*" && !slices.Contains(webhookObjects, o):
		v.add("event_object", "must be one of "+strings.Join(webhookObjects, ", ")+", * (the emulator sends no other events)")
	default:
		wh.EventObject = o
	}
	if s, ok := p["user_id"]; ok {
		id, err := strconv.ParseInt(s, 10, 64)
		switch {
		case err != nil:
			v.add("user_id", "must be an integer")
		case !e.userExists(id):
			v.add("user_id", fmt.Sprintf("user %d does not exist", id))
		default:
			wh.UserID = id
		}
	}
	if s, ok := p["http_auth_user"]; ok && s != "" {
		wh.HTTPAuthUser = &s
	}
	if s, ok := p["http_auth_password"]; ok && s != "" {
		wh.HTTPAuthPassword = &s
	}
	switch ver := p["version"]; ver {
	case "", "2.0":
	case "1.0":
		v.add("version", "only webhooks version 2.0 is emulated")
	default:
		v.add("version", "must be 2.0")
	}
	if !v.ok() {
		v.write(w)
		return
	}
	e.hooks.mu.Lock()
	if len(e.hooks.list) >= MaxWebhooks {
		e.hooks.mu.Unlock()
		writeError(w, http.StatusBadRequest, fmt.Sprintf("You have reached the maximum number of webhooks (%d) for this company", MaxWebhooks))
		return
	}
	e.hooks.seq++
	wh.ID = e.hooks.seq
	stored := wh
	e.hooks.list = append(e.hooks.list, &stored)
	e.hooks.mu.Unlock()
	emulator.WriteJSON(w, http.StatusCreated, webhookEnvelope{Status: "ok", Success: true, Data: wh})
}

// webhookMeta is the meta block of a v2 notification.
type webhookMeta struct {
	Action           string   `json:"action"`
	Entity           string   `json:"entity"`
	EntityID         string   `json:"entity_id"`
	CompanyID        string   `json:"company_id"`
	CorrelationID    string   `json:"correlation_id"`
	ID               string   `json:"id"`
	IsBulk           bool     `json:"is_bulk"`
	Timestamp        string   `json:"timestamp"`
	Type             string   `json:"type"`
	UserID           string   `json:"user_id"`
	Version          string   `json:"version"`
	WebhookID        string   `json:"webhook_id"`
	WebhookOwnerID   string   `json:"webhook_owner_id"`
	ChangeSource     string   `json:"change_source"`
	PermittedUserIDs []string `json:"permitted_user_ids"`
	Attempt          int      `json:"attempt"`
	Host             string   `json:"host"`
}

// notification is the body Pipedrive posts.
type notification struct {
	Data     json.RawMessage `json:"data"`
	Previous json.RawMessage `json:"previous"`
	Meta     webhookMeta     `json:"meta"`
}

// presentForWebhook is a record as the notification's data holds it: as
// the API answers it (v2 for the entities v2 has, v1 for leads and notes),
// and whether it is (soft-)deleted.
func (e *Emulator) presentForWebhook(entity string, raw json.RawMessage) (json.RawMessage, bool, error) {
	var (
		out     any
		deleted bool
		err     error
	)
	switch entity {
	case "person":
		var p Person
		if p, err = decodeRecord[Person](entity, raw); err == nil {
			p.CustomFields = e.presentCustomV2(entity, p.CustomFields)
			deleted, out = p.IsDeleted, p
		}
	case "organization":
		var o Organization
		if o, err = decodeRecord[Organization](entity, raw); err == nil {
			o.CustomFields = e.presentCustomV2(entity, o.CustomFields)
			deleted, out = o.IsDeleted, o
		}
	case "deal":
		var d Deal
		if d, err = decodeRecord[Deal](entity, raw); err == nil {
			d.CustomFields = e.presentCustomV2(entity, d.CustomFields)
			deleted, out = d.IsDeleted, d
		}
	case "activity":
		var a Activity
		if a, err = decodeRecord[Activity](entity, raw); err == nil {
			deleted, out = a.IsDeleted, a
		}
	case "lead":
		var l Lead
		if l, err = decodeRecord[Lead](entity, raw); err == nil {
			out = e.presentLead(l)
		}
	case "note":
		var n Note
		if n, err = decodeRecord[Note](entity, raw); err == nil {
			out = e.presentNote(n)
		}
	default:
		err = fmt.Errorf("pipedriveemu: no webhooks for %q", entity)
	}
	if err != nil {
		return nil, false, err
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, false, fmt.Errorf("pipedriveemu: present changed %s: %w", entity, err)
	}
	return b, deleted, nil
}

func decodeRecord[T any](entity string, raw json.RawMessage) (T, error) {
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, fmt.Errorf("pipedriveemu: read changed %s: %w", entity, err)
	}
	return v, nil
}

// changedFields are the old values of the fields a change changed, by
// their API names: custom fields within custom_fields, only those changed.
// update_time alone is no change.
func changedFields(before, after json.RawMessage) (map[string]json.RawMessage, error) {
	var old, cur map[string]json.RawMessage
	if err := json.Unmarshal(before, &old); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(after, &cur); err != nil {
		return nil, err
	}
	out := map[string]json.RawMessage{}
	for k, ov := range old {
		nv, ok := cur[k]
		if k == "update_time" || ok && bytes.Equal(ov, nv) {
			continue
		}
		if k == "custom_fields" && ok {
			var oc, nc map[string]json.RawMessage
			if json.Unmarshal(ov, &oc) == nil && json.Unmarshal(nv, &nc) == nil {
				diff := map[string]json.RawMessage{}
				for ck, cv := range oc {
					if !bytes.Equal(cv, nc[ck]) {
						diff[ck] = cv
					}
				}
				for ck := range nc {
					if _, had := oc[ck]; !had {
						diff[ck] = json.RawMessage("null")
					}
				}
				if len(diff) > 0 {
					b, _ := json.Marshal(diff)
					out[k] = b
				}
				continue
			}
		}
		out[k] = ov
	}
	for k := range cur {
		if _, had := old[k]; !had && k != "update_time" {
			out[k] = json.RawMessage("null")
		}
	}
	return out, nil
}

// deliverChange is the change feed's delivery: it describes a change as
// webhooks v2 do and sends it to every active webhook that wants it.
func (e *Emulator) deliverChange(c emulator.Change) {
	var (
		action         string
		data, previous json.RawMessage
	)
	// The feed's JSON is the store's own: it always reads back.
	after, afterDeleted, err := e.presentOrNil(c.Kind, c.After)
	if err != nil {
		return
	}
	before, beforeDeleted, err := e.presentOrNil(c.Kind, c.Before)
	if err != nil {
		return
	}
	switch {
	case before == nil && after == nil:
		return
	case before == nil:
		action, data = "create", after
	case after == nil || afterDeleted && !beforeDeleted:
		// A v2 record's soft delete is its deletion as webhooks tell it.
		action, previous = "delete", before
	case afterDeleted:
		return // a change of a deleted record nobody can see
	default:
		diff, err := changedFields(before, after)
		if err != nil || len(diff) == 0 {
			return
		}
		b, err := json.Marshal(diff)
		if err != nil {
			return
		}
		action, data, previous = "change", after, b
	}
	var hooks []Webhook
	for _, wh := range e.hooks.all() {
		if wh.matches(action, c.Kind) {
			hooks = append(hooks, wh)
		}
	}
	if len(hooks) == 0 {
		return
	}
	source := "app"
	if c.Source == apiSource {
		source = apiSource
	}
	var permitted []string
	e.Users.Each(func(u *User) bool {
		if u.ActiveFlag {
			permitted = append(permitted, strconv.FormatInt(u.ID, 10))
		}
		return true
	})
	base := webhookMeta{Action: action, Entity: c.Kind, EntityID: c.ID, CompanyID: strconv.Itoa(oauthCompanyID),
		CorrelationID: newUUID(), Timestamp: c.At.Format(leadTime), Type: "general", UserID: strconv.FormatInt(e.me(), 10),
		Version: "2.0", ChangeSource: source, PermittedUserIDs: permitted, Host: e.companyDomain + ".pipedrive.com"}
	for _, wh := range hooks {
		meta := base
		meta.ID, meta.WebhookID, meta.WebhookOwnerID = newUUID(), strconv.FormatInt(wh.ID, 10), strconv.FormatInt(wh.OwnerID, 10)
		e.sendNotification(wh.ID, notification{Data: data, Previous: previous, Meta: meta})
	}
}

func (e *Emulator) presentOrNil(entity string, raw json.RawMessage) (json.RawMessage, bool, error) {
	if raw == nil {
		return nil, false, nil
	}
	return e.presentForWebhook(entity, raw)
}

// sendNotification queues a notification to a webhook: in order with the
// webhook's earlier notifications about the same record.
func (e *Emulator) sendNotification(webhookID int64, n notification) {
	e.sender.Send(emulator.WebhookDelivery{
		Queue: fmt.Sprintf("%d/%s/%s", webhookID, n.Meta.Entity, n.Meta.EntityID),
		Request: func(attempt int) (*http.Request, error) {
			// A webhook deleted meanwhile gets nothing more, retries included.
			wh, ok := e.hooks.get(webhookID)
			if !ok || !wh.IsActive {
				return nil, emulator.ErrDropDelivery
			}
			n.Meta.Attempt = attempt + 1
			body, err := json.Marshal(n)
			if err != nil {
				return nil, fmt.Errorf("pipedriveemu: encode notification: %w", err)
			}
			req, err := http.NewRequest(http.MethodPost, wh.SubscriptionURL, bytes.NewReader(body))
			if err != nil {
				return nil, fmt.Errorf("pipedriveemu: notification request: %w", err)
			}
			req.Header.Set("Content-Type", "application/json")
			if wh.HTTPAuthUser != nil {
				pass := ""
				if wh.HTTPAuthPassword != nil {
					pass = *wh.HTTPAuthPassword
				}
				req.SetBasicAuth(*wh.HTTPAuthUser, pass)
			}
			return req, nil
		},
		Report: func(_, status int, err error) { e.hooks.delivered(webhookID, e.Store.Now(), status, err) },
	})
}

// newUUID is a random version 4 UUID, for the ids of notifications.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// FlushWebhooks waits until the notifications of every change made so far
// are delivered or given up, retries included: with Pipedrive's delays a
// failing receiver holds it for minutes (tests set short
// Options.WebhookRetryDelays, or bound ctx).
func (e *Emulator) FlushWebhooks(ctx context.Context) error {
	if err := e.feed.Flush(ctx); err != nil {
		return err
	}
	return e.sender.Flush(ctx)
}

// WebhookStats counts the notifications delivered, given up and attempted.
func (e *Emulator) WebhookStats() emulator.WebhookStats { return e.sender.Stats() }

// Webhooks are the company's webhooks, as GET /api/v1/webhooks lists them.
func (e *Emulator) Webhooks() []Webhook { return e.hooks.all() }

var _ io.Closer = (*Emulator)(nil)

// Close stops sending webhooks: deliveries under way are cancelled and
// pending ones dropped; the API keeps serving. The emulator keeps no
// goroutine while it has nothing to deliver, so an emulator nobody closes
// leaks nothing once its deliveries are over.
func (e *Emulator) Close() error {
	e.feed.Close()
	e.sender.Close()
	return nil
}
