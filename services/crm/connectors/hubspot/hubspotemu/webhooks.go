package hubspotemu

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/unimesh/unimesh/pkg/emulator"
)

// HubSpot's webhooks, from "Webhooks API" (developers.hubspot.com/docs/api/webhooks,
// the v3 reference under api-reference/legacy/webhooks) and "Validating
// requests" (.../docs/apps/legacy-apps/authentication/validating-requests):
// they belong to an app, not to an account — the developer sets one target
// URL and subscriptions with the developer API key (hapikey), and HubSpot
// posts the events of every account that installed the app to the target
// URL, as JSON arrays of up to 100 events, signed with the app's client
// secret. Failed deliveries (connection failure, timeout after 5 seconds,
// 5xx, 429) are retried up to 10 times over the next 24 hours; other 4xx
// answers are not retried.
const (
	// WebhookTimeout is how long HubSpot waits for the target's answer.
	WebhookTimeout = 5 * time.Second
	// WebhookBatchWindow is how long events wait for others to share their request.
	WebhookBatchWindow = 100 * time.Millisecond
	// MaxWebhookBatch is the most events one request carries.
	MaxWebhookBatch = 100
	// DefaultMaxConcurrentRequests is the throttling an app gets when its
	// settings name none.
	DefaultMaxConcurrentRequests = 10
)

// DefaultWebhookRetryDelays are the waits before HubSpot's 10 retries:
// doubling from a minute, the last about 17 hours after the first attempt.
var DefaultWebhookRetryDelays = func() []time.Duration {
	out := make([]time.Duration, 10)
	for i := range out {
		out[i] = time.Minute << i
	}
	return out
}()

// webhookEventTypes are the subscription types the emulator sends, with the
// object type each is about.
var webhookEventTypes = map[string]string{
	"contact.creation": "contacts", "contact.deletion": "contacts", "contact.propertyChange": "contacts",
	"company.creation": "companies", "company.deletion": "companies", "company.propertyChange": "companies",
	"deal.creation": "deals", "deal.deletion": "deals", "deal.propertyChange": "deals",
}

// webhookObjectTypes are the object types whose changes the change feed reports.
var webhookObjectTypes = []string{"contacts", "companies", "deals"}

// ErrUnknownApp is returned for an app the emulator does not know: no
// OAuth client of the emulator's authorization server has its id.
var ErrUnknownApp = errors.New("hubspotemu: unknown app")

// privateAppID is the app id the changes made with Options.Token (a private
// app's token) carry as sourceId.
var privateAppID = appID("private app")

// AppID is the id HubSpot gives the app of an OAuth client: the {appId} of
// the Webhooks API's paths and the appId of its events.
func AppID(clientID string) int64 { return appID(clientID) }

// WebhookSettings are an app's webhook settings.
type WebhookSettings struct {
	TargetURL             string
	MaxConcurrentRequests int
	Period                string
	CreatedAt, UpdatedAt  time.Time
}

type wireThrottling struct {
	MaxConcurrentRequests int    `json:"maxConcurrentRequests"`
	Period                string `json:"period"`
}

type wireSettings struct {
	TargetURL  string         `json:"targetUrl"`
	Throttling wireThrottling `json:"throttling"`
	CreatedAt  string         `json:"createdAt"`
	UpdatedAt  string         `json:"updatedAt"`
}

func (s *WebhookSettings) wire() wireSettings {
	return wireSettings{TargetURL: s.TargetURL, Throttling: wireThrottling{MaxConcurrentRequests: s.MaxConcurrentRequests, Period: s.Period},
		CreatedAt: formatTime(s.CreatedAt), UpdatedAt: formatTime(s.UpdatedAt)}
}

// Subscription is one event subscription of an app.
type Subscription struct {
	ID           int64
	EventType    string
	PropertyName string // propertyChange subscriptions only
	Active       bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

type wireSubscription struct {
	ID           string `json:"id"`
	EventType    string `json:"eventType"`
	PropertyName string `json:"propertyName,omitempty"`
	Active       bool   `json:"active"`
	CreatedAt    string `json:"createdAt"`
	UpdatedAt    string `json:"updatedAt"`
}

func (s *Subscription) wire() wireSubscription {
	return wireSubscription{ID: strconv.FormatInt(s.ID, 10), EventType: s.EventType, PropertyName: s.PropertyName,
		Active: s.Active, CreatedAt: formatTime(s.CreatedAt), UpdatedAt: formatTime(s.UpdatedAt)}
}

// webhookEvent is one event of a delivery.
type webhookEvent struct {
	EventID          int64   `json:"eventId"`
	SubscriptionID   int64   `json:"subscriptionId"`
	PortalID         int64   `json:"portalId"`
	AppID            int64   `json:"appId"`
	OccurredAt       int64   `json:"occurredAt"`
	SubscriptionType string  `json:"subscriptionType"`
	AttemptNumber    int     `json:"attemptNumber"`
	ObjectID         int64   `json:"objectId"`
	PropertyName     string  `json:"propertyName,omitempty"`
	PropertyValue    *string `json:"propertyValue,omitempty"`
	ChangeFlag       string  `json:"changeFlag,omitempty"`
	ChangeSource     string  `json:"changeSource"`
	SourceID         string  `json:"sourceId"`
}

// hookApp is what the emulator knows of an app's webhooks, and the events
// waiting for its next request.
type hookApp struct {
	id       int64
	clientID string
	settings *WebhookSettings
	subs     []*Subscription
	batch    []webhookEvent
	timer    *time.Timer
}

// subscription returns one of the app's subscriptions.
func (a *hookApp) subscription(id int64) (*Subscription, bool) {
	i := slices.IndexFunc(a.subs, func(s *Subscription) bool { return s.ID == id })
	if i < 0 {
		return nil, false
	}
	return a.subs[i], true
}

// webhookState holds the apps' webhooks under its own lock, never held
// while entering the store: the change feed asks it, under the store's
// lock, whether anyone listens.
type webhookState struct {
	mu     sync.Mutex
	apps   map[int64]*hookApp
	subSeq int64
	closed bool
	window time.Duration // Options.WebhookBatchWindow
	// eventSeq numbers events, from the wall clock so that ids stay unique
	// across restarts (receivers deduplicate by eventId).
	eventSeq atomic.Int64
}

func (s *webhookState) listening() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.apps {
		if a.settings == nil {
			continue
		}
		for _, sub := range a.subs {
			if sub.Active {
				return true
			}
		}
	}
	return false
}

// learnApp remembers the app of an OAuth client and returns its id.
func (e *Emulator) learnApp(clientID string) int64 {
	id := appID(clientID)
	e.hooks.mu.Lock()
	if e.hooks.apps[id] == nil {
		e.hooks.apps[id] = &hookApp{id: id, clientID: clientID}
	}
	e.hooks.mu.Unlock()
	return id
}

func (e *Emulator) knownApp(id int64) bool {
	e.hooks.mu.Lock()
	defer e.hooks.mu.Unlock()
	return e.hooks.apps[id] != nil
}

// resolveApp reads an app named by its OAuth client id or its app id.
func (e *Emulator) resolveApp(app string) (int64, error) {
	if c, ok := e.OAuth.Client(app); ok {
		return e.learnApp(c.ID), nil
	}
	if id, err := strconv.ParseInt(app, 10, 64); err == nil && e.knownApp(id) {
		return id, nil
	}
	return 0, fmt.Errorf("%w: %q is neither an OAuth client id nor the app id of one", ErrUnknownApp, app)
}

// changeSource is who made a change, as events tell it.
type changeSource struct {
	ChangeSource string
	SourceID     string
}

type sourceKey struct{}

// withSource notes on the request who makes its changes: the API, for the
// private app of the static token or for an OAuth app.
func (e *Emulator) withSource(r *http.Request, static bool, clientID string) *http.Request {
	src := changeSource{ChangeSource: "API", SourceID: strconv.FormatInt(privateAppID, 10)}
	if !static && clientID != "" {
		src.SourceID = strconv.FormatInt(e.learnApp(clientID), 10)
	}
	return r.WithContext(context.WithValue(r.Context(), sourceKey{}, src))
}

// claim attributes the writes of a record (id "" for a new one) to the
// request's caller until release.
func (e *Emulator) claim(r *http.Request, objectType, id string) (release func()) {
	src, ok := r.Context().Value(sourceKey{}).(changeSource)
	if !ok {
		return func() {}
	}
	return e.feed.Claim(objectType, id, src)
}

// trackObjects wraps an object type's setMeta so that the change feed sees
// every committed write of the records webhooks notify about.
func (e *Emulator) trackObjects(t *objectType, setMeta func(*Object, emulator.Meta)) func(*Object, emulator.Meta) {
	if !slices.Contains(webhookObjectTypes, t.Name) {
		return setMeta
	}
	return func(o *Object, m emulator.Meta) {
		setMeta(o, m)
		e.feed.Put(t.Name, m.ID, o, m.Updated)
	}
}

// occurrence is one thing that happened to a record, before it is an
// event of a subscription.
type occurrence struct {
	eventType string
	property  string
	value     *string
	flag      string
}

// occurrences describe a change as subscriptions see it: a creation (and
// the properties it set), a deletion, or the properties an update changed.
func occurrences(t *objectType, before, after *Object) []occurrence {
	var out []occurrence
	changed := func(props []string, values map[string]string) {
		sort.Strings(props)
		for _, p := range props {
			v := values[p]
			out = append(out, occurrence{eventType: t.Singular + ".propertyChange", property: p, value: &v})
		}
	}
	switch {
	case after == nil || after.Archived && before != nil && before.Archived:
	case before == nil:
		if after.Archived {
			break
		}
		out = append(out, occurrence{eventType: t.Singular + ".creation", flag: "NEW"})
		var props []string
		for p, v := range after.Properties {
			if v != "" {
				props = append(props, p)
			}
		}
		changed(props, after.Properties)
	case after.Archived:
		out = append(out, occurrence{eventType: t.Singular + ".deletion", flag: "DELETED"})
	case before.Archived:
		// A restore: the emulator has none through its API.
	default:
		var props []string
		for p, v := range after.Properties {
			if before.Properties[p] != v {
				props = append(props, p)
			}
		}
		for p := range before.Properties {
			if _, ok := after.Properties[p]; !ok {
				props = append(props, p)
			}
		}
		// The modification date moves on every write: alone, it is no change.
		if len(props) == 1 && props[0] == t.ModifiedProp {
			return nil
		}
		changed(props, after.Properties)
	}
	return out
}

func decodeObject(raw json.RawMessage) (*Object, error) {
	if raw == nil {
		return nil, nil
	}
	var o Object
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, fmt.Errorf("hubspotemu: read changed record: %w", err)
	}
	return &o, nil
}

// deliverChange is the change feed's delivery: it makes the events of the
// apps' subscriptions that want the change and queues them on each app's
// next request.
func (e *Emulator) deliverChange(c emulator.Change) {
	t := lookupType(c.Kind)
	before, err := decodeObject(c.Before)
	if err != nil || t == nil {
		return
	}
	after, err := decodeObject(c.After)
	if err != nil {
		return
	}
	occ := occurrences(t, before, after)
	if len(occ) == 0 {
		return
	}
	objectID, err := strconv.ParseInt(c.ID, 10, 64)
	if err != nil {
		return
	}
	src, ok := c.Source.(changeSource)
	if !ok {
		// A change through the Go API stands for a user in HubSpot's UI.
		src = changeSource{ChangeSource: "CRM_UI", SourceID: "userId:" + e.oauthUser().ID}
	}
	e.hooks.mu.Lock()
	defer e.hooks.mu.Unlock()
	if e.hooks.closed {
		return
	}
	ids := make([]int64, 0, len(e.hooks.apps))
	for id := range e.hooks.apps {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		app := e.hooks.apps[id]
		if app.settings == nil {
			continue
		}
		n := len(app.batch)
		for _, o := range occ {
			for _, sub := range app.subs {
				if !sub.Active || sub.EventType != o.eventType || sub.PropertyName != o.property {
					continue
				}
				app.batch = append(app.batch, webhookEvent{EventID: e.hooks.eventSeq.Add(1), SubscriptionID: sub.ID,
					PortalID: PortalID, AppID: app.id, OccurredAt: c.At.UnixMilli(), SubscriptionType: o.eventType,
					ObjectID: objectID, PropertyName: o.property, PropertyValue: o.value, ChangeFlag: o.flag,
					ChangeSource: src.ChangeSource, SourceID: src.SourceID})
			}
		}
		if len(app.batch) > n {
			e.scheduleLocked(app)
		}
	}
}

// scheduleLocked sends the app's batch once it is full, or when the batch
// window is over. e.hooks.mu is held.
func (e *Emulator) scheduleLocked(app *hookApp) {
	if len(app.batch) >= MaxWebhookBatch {
		e.flushLocked(app)
		return
	}
	if app.timer == nil {
		app.timer = time.AfterFunc(e.hooks.window, func() {
			e.hooks.mu.Lock()
			defer e.hooks.mu.Unlock()
			if !e.hooks.closed {
				e.flushLocked(app)
			}
		})
	}
}

// flushLocked sends the app's waiting events, at most MaxWebhookBatch per
// request. e.hooks.mu is held.
func (e *Emulator) flushLocked(app *hookApp) {
	if app.timer != nil {
		app.timer.Stop()
		app.timer = nil
	}
	for len(app.batch) > 0 {
		n := min(len(app.batch), MaxWebhookBatch)
		events := slices.Clone(app.batch[:n])
		app.batch = app.batch[n:]
		e.sendEvents(app.id, events)
	}
	app.batch = nil
}

// sendEvents queues one request of events to an app's target URL.
// HubSpot does not order its requests: each goes out on its own.
func (e *Emulator) sendEvents(appID int64, events []webhookEvent) {
	e.sender.Send(emulator.WebhookDelivery{
		Request: func(attempt int) (*http.Request, error) { return e.eventsRequest(appID, events, attempt) },
		// Connection failures, timeouts, 5xx and 429 are retried; other
		// answers are the target's last word.
		Retry: func(status int, err error) bool {
			return err != nil || status == http.StatusTooManyRequests || status >= 500
		},
	})
}

// eventsRequest makes an attempt's request: the events of subscriptions
// still active, to the app's target URL as it is now, signed anew.
func (e *Emulator) eventsRequest(appID int64, events []webhookEvent, attempt int) (*http.Request, error) {
	e.hooks.mu.Lock()
	app := e.hooks.apps[appID]
	var (
		target, clientID string
		out              []webhookEvent
	)
	if app != nil && app.settings != nil {
		target, clientID = app.settings.TargetURL, app.clientID
		for _, ev := range events {
			if sub, ok := app.subscription(ev.SubscriptionID); ok && sub.Active {
				ev.AttemptNumber = attempt
				out = append(out, ev)
			}
		}
	}
	e.hooks.mu.Unlock()
	if len(out) == 0 {
		return nil, emulator.ErrDropDelivery
	}
	client, ok := e.OAuth.Client(clientID)
	if !ok {
		return nil, emulator.ErrDropDelivery // the app is gone: nothing to sign with
	}
	body, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("hubspotemu: encode events: %w", err)
	}
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("hubspotemu: events request: %w", err)
	}
	// The timestamp is the sending's, on the wall clock: receivers refuse
	// requests more than 5 minutes old.
	ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "HubSpot Connect 2.0 (http://dev.hubspot.com/)")
	h.Set("X-HubSpot-Request-Timestamp", ts)
	h.Set("X-HubSpot-Signature-v3", signatureV3(client.Secret, http.MethodPost, target, body, ts))
	h.Set("X-HubSpot-Signature", signatureV1(client.Secret, body))
	h.Set("X-HubSpot-Signature-Version", "v1")
	return req, nil
}

// signatureV3 is base64(HMAC-SHA256(secret, method + URI + body + timestamp)).
func signatureV3(secret, method, uri string, body []byte, timestamp string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(method + uri))
	m.Write(body)
	m.Write([]byte(timestamp))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// signatureV1 is hex(SHA-256(secret + body)).
func signatureV1(secret string, body []byte) string {
	sum := sha256.Sum256(append([]byte(secret), body...))
	return hex.EncodeToString(sum[:])
}

// checkTarget validates a target URL: absolute, http or https.
func checkTarget(raw string) string {
	if raw == "" {
		return "targetUrl is required"
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Sprintf("targetUrl %q is not a valid http or https URL", raw)
	}
	return ""
}

// checkSubscription validates a subscription's event type and property.
func (e *Emulator) checkSubscription(eventType, propertyName string) string {
	objectType, ok := webhookEventTypes[eventType]
	if !ok {
		types := make([]string, 0, len(webhookEventTypes))
		for t := range webhookEventTypes {
			types = append(types, t)
		}
		sort.Strings(types)
		return fmt.Sprintf("eventType %q is not one of %v", eventType, types)
	}
	propertyChange := lookupType(objectType).Singular+".propertyChange" == eventType
	switch {
	case propertyChange && propertyName == "":
		return "propertyName is required for " + eventType + " subscriptions"
	case !propertyChange && propertyName != "":
		return "propertyName is only allowed for propertyChange subscriptions"
	case propertyChange:
		if _, ok := e.propertyDefs(objectType)[propertyName]; !ok {
			return fmt.Sprintf("propertyName %q is not a property of %s", propertyName, objectType)
		}
	}
	return ""
}

// setSettings sets an app's settings, keeping their creation time.
func (e *Emulator) setSettings(appID int64, target string, maxConcurrent int, period string) WebhookSettings {
	now := e.Store.Now()
	e.hooks.mu.Lock()
	defer e.hooks.mu.Unlock()
	app := e.hooks.apps[appID]
	created := now
	if app.settings != nil {
		created = app.settings.CreatedAt
	}
	app.settings = &WebhookSettings{TargetURL: target, MaxConcurrentRequests: maxConcurrent, Period: period, CreatedAt: created, UpdatedAt: now}
	return *app.settings
}

// addSubscription adds a subscription; false when the app has one for the
// same event (and property) already.
func (e *Emulator) addSubscription(appID int64, eventType, propertyName string, active bool) (Subscription, bool) {
	now := e.Store.Now()
	e.hooks.mu.Lock()
	defer e.hooks.mu.Unlock()
	app := e.hooks.apps[appID]
	for _, s := range app.subs {
		if s.EventType == eventType && s.PropertyName == propertyName {
			return *s, false
		}
	}
	e.hooks.subSeq++
	s := &Subscription{ID: e.hooks.subSeq, EventType: eventType, PropertyName: propertyName, Active: active, CreatedAt: now, UpdatedAt: now}
	app.subs = append(app.subs, s)
	return *s, true
}

// SetWebhookTarget sets the target URL of an app's webhooks, as PUT
// /webhooks/v3/{appId}/settings does with the default throttling. app is
// the app's OAuth client id, or its app id.
func (e *Emulator) SetWebhookTarget(app, targetURL string) error {
	id, err := e.resolveApp(app)
	if err != nil {
		return err
	}
	if msg := checkTarget(targetURL); msg != "" {
		return fmt.Errorf("hubspotemu: %s", msg)
	}
	e.setSettings(id, targetURL, DefaultMaxConcurrentRequests, "SECONDLY")
	return nil
}

// Subscribe adds an active subscription to an app's webhooks, as POST
// /webhooks/v3/{appId}/subscriptions does, and returns its id: eventType
// such as "contact.creation" or "contact.propertyChange", propertyName
// for a propertyChange ("" otherwise). Subscribing twice to the same
// event returns the existing subscription, made active.
func (e *Emulator) Subscribe(app, eventType, propertyName string) (int64, error) {
	id, err := e.resolveApp(app)
	if err != nil {
		return 0, err
	}
	if msg := e.checkSubscription(eventType, propertyName); msg != "" {
		return 0, fmt.Errorf("hubspotemu: %s", msg)
	}
	s, added := e.addSubscription(id, eventType, propertyName, true)
	if !added {
		e.hooks.mu.Lock()
		if sub, ok := e.hooks.apps[id].subscription(s.ID); ok {
			sub.Active = true
		}
		e.hooks.mu.Unlock()
	}
	return s.ID, nil
}

func (e *Emulator) webhookRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /webhooks/v3/{appId}/settings", e.developer(e.getWebhookSettings))
	mux.HandleFunc("PUT /webhooks/v3/{appId}/settings", e.developer(e.putWebhookSettings))
	mux.HandleFunc("DELETE /webhooks/v3/{appId}/settings", e.developer(e.deleteWebhookSettings))
	mux.HandleFunc("GET /webhooks/v3/{appId}/subscriptions", e.developer(e.listSubscriptions))
	mux.HandleFunc("POST /webhooks/v3/{appId}/subscriptions", e.developer(e.createSubscription))
	mux.HandleFunc("GET /webhooks/v3/{appId}/subscriptions/{subscriptionId}", e.developer(e.getSubscription))
	mux.HandleFunc("PATCH /webhooks/v3/{appId}/subscriptions/{subscriptionId}", e.developer(e.patchSubscription))
	mux.HandleFunc("DELETE /webhooks/v3/{appId}/subscriptions/{subscriptionId}", e.developer(e.deleteSubscription))
}

// developer authenticates a Webhooks API call with the developer API key
// (hapikey) and resolves its app. The developer API key opens nothing
// else; it is not the API's token. Without Options.DeveloperAPIKey every
// call answers 401.
func (e *Emulator) developer(next func(w http.ResponseWriter, r *http.Request, app int64)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key := r.URL.Query().Get("hapikey")
		switch {
		case key == "":
			e.writeError(w, http.StatusUnauthorized, apiError{Category: "INVALID_AUTHENTICATION",
				Message: "Authentication credentials not found. The Webhooks API takes your developer API key as the hapikey query parameter."})
			return
		case e.devKey == "" || subtle.ConstantTimeCompare([]byte(key), []byte(e.devKey)) != 1:
			e.writeError(w, http.StatusUnauthorized, apiError{Category: "INVALID_AUTHENTICATION",
				Message: "The API key provided is invalid. View or manage your API key here: https://app.hubspot.com/l/api-key/",
				Links:   map[string]string{"api key": "https://app.hubspot.com/l/api-key/"}})
			return
		}
		id, err := strconv.ParseInt(r.PathValue("appId"), 10, 64)
		if err != nil || !e.knownApp(id) {
			e.notFound(w, fmt.Sprintf("App %s not found", r.PathValue("appId")), r.PathValue("appId"))
			return
		}
		next(w, r, id)
	}
}

func (e *Emulator) getWebhookSettings(w http.ResponseWriter, _ *http.Request, appID int64) {
	e.hooks.mu.Lock()
	var s *wireSettings
	if st := e.hooks.apps[appID].settings; st != nil {
		ws := st.wire()
		s = &ws
	}
	e.hooks.mu.Unlock()
	if s == nil {
		e.notFound(w, fmt.Sprintf("No webhook settings found for app %d", appID), "")
		return
	}
	emulator.WriteJSON(w, http.StatusOK, s)
}

func (e *Emulator) putWebhookSettings(w http.ResponseWriter, r *http.Request, appID int64) {
	var in struct {
		TargetURL  string `json:"targetUrl"`
		Throttling *struct {
			MaxConcurrentRequests *int   `json:"maxConcurrentRequests"`
			Period                string `json:"period"`
		} `json:"throttling"`
	}
	if !e.decodeBody(w, r, &in) {
		return
	}
	if msg := checkTarget(in.TargetURL); msg != "" {
		e.badRequest(w, msg)
		return
	}
	maxConcurrent, period := DefaultMaxConcurrentRequests, "SECONDLY"
	if th := in.Throttling; th != nil {
		if th.MaxConcurrentRequests != nil {
			if *th.MaxConcurrentRequests < 5 {
				e.badRequest(w, "throttling.maxConcurrentRequests must be at least 5")
				return
			}
			maxConcurrent = *th.MaxConcurrentRequests
		}
		switch th.Period {
		case "":
		case "SECONDLY", "ROLLING_MINUTE":
			period = th.Period
		default:
			e.badRequest(w, fmt.Sprintf("throttling.period %q is not one of SECONDLY, ROLLING_MINUTE", th.Period))
			return
		}
	}
	s := e.setSettings(appID, in.TargetURL, maxConcurrent, period)
	emulator.WriteJSON(w, http.StatusOK, s.wire())
}

func (e *Emulator) deleteWebhookSettings(w http.ResponseWriter, _ *http.Request, appID int64) {
	e.hooks.mu.Lock()
	e.hooks.apps[appID].settings = nil
	e.hooks.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (e *Emulator) listSubscriptions(w http.ResponseWriter, _ *http.Request, appID int64) {
	e.hooks.mu.Lock()
	out := []wireSubscription{}
	for _, s := range e.hooks.apps[appID].subs {
		out = append(out, s.wire())
	}
	e.hooks.mu.Unlock()
	emulator.WriteJSON(w, http.StatusOK, map[string]any{"results": out})
}

func (e *Emulator) createSubscription(w http.ResponseWriter, r *http.Request, appID int64) {
	var in struct {
		EventType    string `json:"eventType"`
		PropertyName string `json:"propertyName"`
		Active       bool   `json:"active"`
	}
	if !e.decodeBody(w, r, &in) {
		return
	}
	if msg := e.checkSubscription(in.EventType, in.PropertyName); msg != "" {
		e.badRequest(w, msg)
		return
	}
	s, added := e.addSubscription(appID, in.EventType, in.PropertyName, in.Active)
	if !added {
		e.writeError(w, http.StatusConflict, apiError{Category: "CONFLICT",
			Message: fmt.Sprintf("A subscription to %s already exists: %d", describeEvent(in.EventType, in.PropertyName), s.ID)})
		return
	}
	emulator.WriteJSON(w, http.StatusCreated, s.wire())
}

func describeEvent(eventType, propertyName string) string {
	if propertyName == "" {
		return eventType
	}
	return eventType + " of " + propertyName
}

// subscriptionOf finds the path's subscription, answering 404 when the app has none such.
func (e *Emulator) subscriptionOf(w http.ResponseWriter, r *http.Request, appID int64, fn func(app *hookApp, s *Subscription)) bool {
	id, err := strconv.ParseInt(r.PathValue("subscriptionId"), 10, 64)
	e.hooks.mu.Lock()
	app := e.hooks.apps[appID]
	s, ok := app.subscription(id)
	if ok && err == nil {
		fn(app, s)
	}
	e.hooks.mu.Unlock()
	if !ok || err != nil {
		e.notFound(w, fmt.Sprintf("Subscription %s not found", r.PathValue("subscriptionId")), r.PathValue("subscriptionId"))
		return false
	}
	return true
}

func (e *Emulator) getSubscription(w http.ResponseWriter, r *http.Request, appID int64) {
	var out wireSubscription
	if e.subscriptionOf(w, r, appID, func(_ *hookApp, s *Subscription) { out = s.wire() }) {
		emulator.WriteJSON(w, http.StatusOK, out)
	}
}

func (e *Emulator) patchSubscription(w http.ResponseWriter, r *http.Request, appID int64) {
	var in struct {
		Active *bool `json:"active"`
	}
	if !e.decodeBody(w, r, &in) {
		return
	}
	if in.Active == nil {
		e.badRequest(w, "active is required")
		return
	}
	now := e.Store.Now()
	var out wireSubscription
	if e.subscriptionOf(w, r, appID, func(_ *hookApp, s *Subscription) {
		s.Active, s.UpdatedAt = *in.Active, now
		out = s.wire()
	}) {
		emulator.WriteJSON(w, http.StatusOK, out)
	}
}

func (e *Emulator) deleteSubscription(w http.ResponseWriter, r *http.Request, appID int64) {
	if e.subscriptionOf(w, r, appID, func(app *hookApp, s *Subscription) {
		app.subs = slices.DeleteFunc(app.subs, func(x *Subscription) bool { return x == s })
	}) {
		w.WriteHeader(http.StatusNoContent)
	}
}

// FlushWebhooks sends the events waiting for their batch at once and waits
// until every delivery is over, retries included: with HubSpot's delays a
// failing target holds it for hours (tests set short
// Options.WebhookRetryDelays, or bound ctx).
func (e *Emulator) FlushWebhooks(ctx context.Context) error {
	if err := e.feed.Flush(ctx); err != nil {
		return err
	}
	e.hooks.mu.Lock()
	if !e.hooks.closed {
		for _, app := range e.hooks.apps {
			e.flushLocked(app)
		}
	}
	e.hooks.mu.Unlock()
	return e.sender.Flush(ctx)
}

// WebhookStats counts the deliveries (requests of events) taken by their
// targets, given up and attempted.
func (e *Emulator) WebhookStats() emulator.WebhookStats { return e.sender.Stats() }

var _ io.Closer = (*Emulator)(nil)

// Close stops sending webhooks: deliveries under way are cancelled, waiting
// ones dropped; the API keeps serving. The emulator keeps no goroutine
// while it has nothing to deliver, so one nobody closes leaks nothing once
// its deliveries are over.
func (e *Emulator) Close() error {
	e.hooks.mu.Lock()
	e.hooks.closed = true
	for _, app := range e.hooks.apps {
		if app.timer != nil {
			app.timer.Stop()
			app.timer = nil
		}
		app.batch = nil
	}
	e.hooks.mu.Unlock()
	e.feed.Close()
	e.sender.Close()
	return nil
}
