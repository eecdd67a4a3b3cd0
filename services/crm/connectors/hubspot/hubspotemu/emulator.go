// Package hubspotemu is a stateful emulator of HubSpot's CRM API: the wire
// format a HubSpot connector meets at https://api.hubapi.com, served from the
// emulator's root, for tests and for `unimesh dev`.
//
// HubSpot publishes no openly licensed OpenAPI description, so the emulator
// follows HubSpot's public API reference (developers.hubspot.com), as read in
// 2026, API version v3 (v4 for associations):
//
//   - CRM objects v3 — guides/api/crm/objects/contacts, .../companies,
//     .../deals, .../leads and the engagements guides
//     (api-reference/crm-notes-v3, crm-calls-v3, crm-meetings-v3,
//     crm-emails-v3, crm-tasks-v3): GET/POST /crm/v3/objects/{type},
//     GET/PATCH/DELETE /crm/v3/objects/{type}/{id}, POST
//     /crm/v3/objects/{type}/batch/read; `properties=` (only the properties
//     asked for come back, every value a string, null when empty),
//     `associations=`, `archived=`, `limit` (10 by default, at most 100) and
//     `after` paging; create answers 201; DELETE archives (204, also for a
//     record already gone) and a read afterwards answers 404; hs_timestamp is
//     required on engagements, dealstage on deals, a name and a contact on
//     leads; a duplicate contact email answers 409 "Contact already exists.
//     Existing ID: n".
//   - CRM search (api-reference/search/guide): POST
//     /crm/v3/objects/{type}/search with filterGroups (at most 5 groups of 6
//     filters, 18 in all; dates as ISO 8601 or Unix milliseconds), one sort,
//     `after` as an offset, limit up to 200, no associations in results, at
//     most 10,000 results per query (SetSearchCap lowers it for tests), five
//     requests per second per token and no rate-limit headers on its answers.
//   - Associations v4 (api-reference/legacy/crm/associations/associate-records/guide):
//     PUT .../associations/default/{to}/{toId}, PUT .../associations/{to}/{toId}
//     with HUBSPOT_DEFINED types (201, labels), DELETE, GET
//     .../associations/{to}, POST /crm/v4/associations/{from}/{to}/batch/read
//     (207 for records without associations), the association type ids of
//     the guide's tables (1/279 contact→company, 3 deal→contact, 5/341
//     deal→company, 202/190/214/855 note→..., 578 lead→primary contact...),
//     and v3's `associations.{type}.results[{id, type}]` on reads.
//   - Owners v3 (/crm/v3/owners, active or archived), Pipelines v3
//     (/crm/v3/pipelines/{deals|leads}: stage metadata probability "0.2" in
//     steps of 0.1 and isClosed "true"; the default pipeline "default" with
//     createdAt 0; the lead pipeline's new-stage-id ... unqualified-stage-id),
//     Properties v3 (/crm/v3/properties/{type}: hubspotDefined false for the
//     account's own; enumeration options, read-only values and types are
//     enforced on writes), Account info v3 (/account-info/v3/details).
//   - Usage guidelines (developer-tooling/platform/usage-guidelines): the
//     X-HubSpot-RateLimit-Daily, -Daily-Remaining, -Interval-Milliseconds,
//     -Max, -Remaining, -Secondly and -Secondly-Remaining headers; 429 bodies
//     with category RATE_LIMITS and policyName TEN_SECONDLY_ROLLING,
//     SECONDLY (search) or DAILY, and no Retry-After; error bodies {status,
//     message, correlationId, category, errors[{message, code, context}],
//     context}, VALIDATION_ERROR messages carrying the JSON list of invalid
//     properties, 401 INVALID_AUTHENTICATION or EXPIRED_AUTHENTICATION, 404
//     OBJECT_NOT_FOUND.
//   - OAuth 2.0, from "OAuth quickstart guide"
//     (developers.hubspot.com/docs/api/oauth-quickstart-guide), "Manage
//     tokens" (developers.hubspot.com/docs/api/oauth/tokens and the OAuth v1
//     reference: "Retrieve OAuth token metadata", "Delete a refresh token")
//     and the changelog "Additional details returned when generating OAuth
//     access tokens" (August 2025): GET /oauth/authorize (app.hubspot.com's
//     install URL: client_id, redirect_uri, space-separated scope, state,
//     PKCE code_challenge), POST /oauth/v1/token (form body with client_id
//     and client_secret; authorization_code with redirect_uri and
//     code_verifier, refresh_token) answering {token_type "bearer",
//     refresh_token, access_token, expires_in 1800, hub_id, scopes}; refresh
//     tokens neither rotate nor expire; errors 400 {status
//     BAD_REFRESH_TOKEN "missing or invalid refresh token", BAD_AUTH_CODE,
//     EXPIRED_AUTH_CODE..., message, correlationId}; GET
//     /oauth/v1/access-tokens/{token} and /oauth/v1/refresh-tokens/{token}
//     (hub_id, user, scopes, expires_in...); DELETE
//     /oauth/v1/refresh-tokens/{token} (204; the access tokens it made
//     live on until they expire). The API takes the access tokens; an
//     expired one answers 401 EXPIRED_AUTHENTICATION, an unknown or
//     revoked one INVALID_AUTHENTICATION. Emulator controls, not HubSpot's
//     API: POST /_emulator/oauth/expire, POST /_emulator/oauth/revoke, GET
//     /_emulator/oauth/stats (package oauthemu).
//   - Webhooks, from "Webhooks API" (developers.hubspot.com/docs/api/webhooks,
//     the v3 reference under api-reference/legacy/webhooks) and "Validating
//     requests": GET/PUT/DELETE /webhooks/v3/{appId}/settings ({targetUrl,
//     throttling {maxConcurrentRequests, period}, createdAt, updatedAt}) and
//     GET/POST /webhooks/v3/{appId}/subscriptions, GET/PATCH/DELETE
//     .../subscriptions/{subscriptionId} (eventType contact, company or
//     deal .creation, .deletion or .propertyChange with propertyName),
//     with the developer API key as hapikey; an app is an OAuth client
//     (appId = AppID(client_id)), SetWebhookTarget and Subscribe do the same
//     from Go. Every creation, archiving and subscribed property change of
//     a contact, company or deal, through the API or the Go API (Collection
//     writes included, the seed excepted), becomes an event {eventId,
//     subscriptionId, portalId, appId, occurredAt, subscriptionType,
//     attemptNumber, objectId, propertyName, propertyValue, changeFlag,
//     changeSource, sourceId}; the events of 100 ms go out together, at
//     most 100 per POST to the target URL, with X-HubSpot-Signature-v3
//     (base64 HMAC-SHA256 of method, target URL, body and
//     X-HubSpot-Request-Timestamp, keyed with the client secret) and the v1
//     X-HubSpot-Signature (hex SHA-256 of secret and body); a connection
//     failure, a 5-second timeout, a 5xx or a 429 is retried
//     (Options.WebhookRetryDelays), with attemptNumber counting; other
//     answers are final. FlushWebhooks, WebhookStats and Close are the
//     emulator's controls.
//
// Timestamps are UTC with milliseconds ("2024-01-05T10:00:00.000Z"); number
// properties come back canonical ("1500.50" reads "1500.5"), date properties
// as YYYY-MM-DD at midnight UTC; ids are numeric strings, distinct per object.
//
// Not emulated: the OAuth v3 endpoints (/oauth/v3/token...), optional_scope,
// scopes' limits on what a token may call, batch create/update/upsert/
// archive, merges and GDPR deletes, propertiesWithHistory, idProperty
// lookups, property groups and property updates, association labels of an
// account's own (USER_DEFINED) and the association schema API, tickets,
// products, custom objects and the other CRM objects; search indexing delay
// (HubSpot shows new records to search after a few seconds, the emulator at
// once), full-text `query` (a substring match on a few properties) and
// CONTAINS_TOKEN (a substring match); paging of associations inside v3
// reads; changes of lastmodifieddate caused by association changes; limits
// per account and app (the emulator counts per token, days in UTC); the
// Interval-Milliseconds header reports Options.RateWindow even after a test
// calls Limiter.SetLimit. Where the reference gives no exact words (missing
// required properties, invalid associations, invalid numbers; OAuth's
// BAD_CLIENT_ID, BAD_CLIENT_SECRET, BAD_REDIRECT_URI, BAD_GRANT_TYPE and
// BAD_SCOPE statuses, the 404 of token information for an unknown or
// expired token, the authorization code's 10-minute life), the codes and
// messages are the emulator's own, in HubSpot's body shape. Of webhooks, the
// emulator does not emulate the event types other than the nine above
// (merges, restores, association changes, other objects), the
// enforcement of throttling, the five-minute cache of settings, the
// installation of an app as the condition of its events (the emulated
// account has installed every app the emulator knows), the developer
// account's ownership of apps (one developer API key opens every app)
// and the persistence of settings and subscriptions across Store.Save and
// Load; its guesses are the sourceId of API changes (the app id of the
// OAuth app whose token made them, a fixed private app id for
// Options.Token), changeSource CRM_UI and sourceId "userId:<admin>" for Go
// API changes, propertyChange events for the subscribed properties a
// creation sets, subscriptions created inactive unless active is true,
// 409 for a duplicate subscription, maxConcurrentRequests of at least 5,
// and the 404s for unknown apps and missing settings.
package hubspotemu

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/unimesh/unimesh/pkg/emulator"
	"github.com/unimesh/unimesh/pkg/emulator/oauthemu"
)

// Limits HubSpot documents, which the emulator applies by default.
const (
	// DefaultRateLimit per DefaultRateWindow is the burst limit of a private
	// app on a Free or Starter account: 100 requests per 10 seconds.
	DefaultRateLimit  = 100
	DefaultRateWindow = 10 * time.Second
	// SearchRateLimit is the search endpoints' own limit: five requests per
	// second per token.
	SearchRateLimit = 5
	// DailyLimit is the daily request allowance of a Free or Starter account.
	DailyLimit = 250000
	// MaxListLimit is the largest `limit` of a list call, MaxSearchLimit of a search.
	MaxListLimit   = 100
	MaxSearchLimit = 200
	// DefaultSearchCap is how far a search may page: 10,000 results.
	DefaultSearchCap = 10000
	// PortalID is the emulated account's id (Hub ID).
	PortalID = 24517803
	// CompanyCurrency is the emulated account's currency.
	CompanyCurrency = "USD"
)

// Options configure the emulator.
type Options struct {
	// Token is the private-app or OAuth access token the emulator accepts.
	Token string
	// Seed loads the demo account.
	Seed bool
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// RateLimit requests per RateWindow per token (100 per 10 seconds by default).
	RateLimit  int
	RateWindow time.Duration
	// OAuthClients are the public apps registered from the start;
	// Emulator.OAuth.RegisterClient adds more.
	OAuthClients []oauthemu.Client
	// DeveloperAPIKey is the developer account's API key, which the
	// Webhooks API takes as its hapikey query parameter; empty, that API
	// answers 401 to every call.
	DeveloperAPIKey string
	// WebhookClient sends the webhooks' requests; nil: a client with
	// HubSpot's 5-second timeout, which reaches targets on loopback.
	WebhookClient *http.Client
	// WebhookRetryDelays are the waits before each retry of a delivery
	// that failed; nil: DefaultWebhookRetryDelays, 10 retries over about
	// 17 hours. Empty: no retry.
	WebhookRetryDelays []time.Duration
	// WebhookBatchWindow is how long events wait for others to share
	// their request; WebhookBatchWindow (100 ms) when zero.
	WebhookBatchWindow time.Duration
}

// Emulator is HubSpot's CRM API: an http.Handler serving HubSpot's paths
// from its root.
type Emulator struct {
	// Faults injects failures before any other handling.
	Faults *emulator.Faults
	// Limiter is the burst limit (TEN_SECONDLY_ROLLING) per token.
	Limiter *emulator.Limiter
	// SearchLimiter is the search endpoints' limit (SECONDLY) per token.
	SearchLimiter *emulator.Limiter
	// Store holds every collection (Save/Load persist it).
	Store *emulator.Store
	// OAuth is the authorization server, whose access tokens the API
	// accepts beside Options.Token.
	OAuth *oauthemu.Server

	objects    map[string]*emulator.Collection[Object]
	edges      *emulator.Collection[Edge]
	owners     *emulator.Collection[Owner]
	pipelines  map[string]*emulator.Collection[Pipeline]
	properties *emulator.Collection[Property]

	token      string
	window     time.Duration
	searchCap  atomic.Int64
	stageSeq   atomic.Int64
	correlator atomic.Int64

	assocMu sync.Mutex // serializes association writes
	mu      sync.Mutex
	expired map[string]time.Time
	daily   map[string]dailyCount

	mux     *http.ServeMux
	handler http.Handler

	// devKey is Options.DeveloperAPIKey. hooks are the apps' webhook
	// settings and subscriptions; feed sees every change of the records
	// they notify about, sender delivers.
	devKey string
	hooks  webhookState
	feed   *emulator.ChangeFeed
	sender *emulator.WebhookSender
}

type dailyCount struct {
	day   string
	count int
}

// New builds the emulator: an account with HubSpot's default properties,
// the default deal and lead pipelines and one owner, and the demo data
// when opts.Seed is set.
func New(opts Options) *Emulator {
	if opts.RateLimit <= 0 || opts.RateWindow <= 0 {
		opts.RateLimit, opts.RateWindow = DefaultRateLimit, DefaultRateWindow
	}
	if opts.WebhookRetryDelays == nil {
		opts.WebhookRetryDelays = DefaultWebhookRetryDelays
	}
	if opts.WebhookBatchWindow <= 0 {
		opts.WebhookBatchWindow = WebhookBatchWindow
	}
	st := emulator.NewStore(opts.Now)
	e := &Emulator{
		Faults:        emulator.NewFaults(),
		Limiter:       emulator.NewLimiter(opts.RateLimit, opts.RateWindow, opts.Now),
		SearchLimiter: emulator.NewLimiter(SearchRateLimit, time.Second, opts.Now),
		Store:         st,
		objects:       map[string]*emulator.Collection[Object]{},
		pipelines:     map[string]*emulator.Collection[Pipeline]{},
		token:         opts.Token,
		window:        opts.RateWindow,
		expired:       map[string]time.Time{},
		daily:         map[string]dailyCount{},
		mux:           http.NewServeMux(),
		devKey:        opts.DeveloperAPIKey,
		sender: emulator.NewWebhookSender(emulator.WebhookSenderOptions{Client: opts.WebhookClient,
			Timeout: WebhookTimeout, Delays: opts.WebhookRetryDelays}),
	}
	e.hooks.apps = map[int64]*hookApp{}
	e.hooks.window = opts.WebhookBatchWindow
	e.hooks.eventSeq.Store(time.Now().UnixMilli() * 1000)
	e.feed = emulator.NewChangeFeed(e.deliverChange, e.hooks.listening)
	e.searchCap.Store(DefaultSearchCap)
	e.stageSeq.Store(1045000000)
	for _, t := range objectTypes {
		e.objects[t.Name] = emulator.NewCollection(st, "objects."+t.Name, emulator.SequentialIDs("", t.IDStart), e.trackObjects(t, setObjectMeta(t)))
	}
	e.edges = emulator.NewCollection(st, "associations", emulator.SequentialIDs("edge-", 0), func(ed *Edge, m emulator.Meta) { ed.ID = m.ID })
	e.owners = emulator.NewCollection(st, "owners", emulator.SequentialIDs("", 81734000), func(o *Owner, m emulator.Meta) {
		o.ID, o.CreatedAt, o.UpdatedAt = m.ID, m.Created, m.Updated
	})
	for _, pt := range []string{"deals", "leads"} {
		def := map[string]string{"deals": "default", "leads": "lead-pipeline-id"}[pt]
		e.pipelines[pt] = emulator.NewCollection(st, "pipelines."+pt, func(seq int64) string {
			if seq == 1 {
				return def
			}
			return strconv.FormatInt(763000000+seq, 10)
		}, func(p *Pipeline, m emulator.Meta) { p.ID, p.CreatedAt, p.UpdatedAt = m.ID, m.Created, m.Updated })
	}
	e.properties = emulator.NewCollection(st, "properties", emulator.SequentialIDs("prop-", 0), func(*Property, emulator.Meta) {})
	e.routes()
	e.OAuth = e.newOAuth(opts)
	for _, c := range opts.OAuthClients {
		e.learnApp(c.ID)
	}
	// The OAuth endpoints, and the Webhooks API with its developer API
	// key, answer outside the API's authentication and rate limits.
	root := http.NewServeMux()
	e.oauthRoutes(root)
	e.webhookRoutes(root)
	root.HandleFunc("/", e.serve)
	e.handler = e.Faults.Wrap(root)
	e.bootstrap()
	if opts.Seed {
		e.seed()
	}
	// From here on, every change of a record is one webhooks notify
	// about: the seed is not.
	e.feed.Arm()
	return e
}

// ServeHTTP serves the API.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { e.handler.ServeHTTP(w, r) }

// SetSearchCap changes how far a search may page (10,000 at HubSpot), so
// that tests can reach the cap without 10,000 records.
func (e *Emulator) SetSearchCap(n int) { e.searchCap.Store(int64(n)) }

// Expire makes token answer 401 EXPIRED_AUTHENTICATION, as an OAuth access
// token does once its 30 minutes are over (OAuth.ExpireAccessTokens does it
// for the tokens the emulator's own authorization server issued).
func (e *Emulator) Expire(token string) {
	e.mu.Lock()
	e.expired[token] = e.Store.Now()
	e.mu.Unlock()
}

// Len counts the records of an object type ("contacts", "notes"...) that
// are not archived.
func (e *Emulator) Len(objectType string) int {
	c, ok := e.objects[objectType]
	if !ok {
		return 0
	}
	n := 0
	c.Each(func(o *Object) bool {
		if !o.Archived {
			n++
		}
		return true
	})
	return n
}

// Object returns a record as stored, archived or not.
func (e *Emulator) Object(objectType, id string) (Object, bool) {
	c, ok := e.objects[objectType]
	if !ok {
		return Object{}, false
	}
	o, _, found := c.Get(id)
	return o, found
}

func (e *Emulator) routes() {
	m := e.mux
	m.HandleFunc("GET /crm/v3/objects/{type}", e.listObjects)
	m.HandleFunc("POST /crm/v3/objects/{type}", e.createObject)
	m.HandleFunc("POST /crm/v3/objects/{type}/search", e.search)
	m.HandleFunc("POST /crm/v3/objects/{type}/batch/read", e.batchRead)
	m.HandleFunc("GET /crm/v3/objects/{type}/{id}", e.getObject)
	m.HandleFunc("PATCH /crm/v3/objects/{type}/{id}", e.updateObject)
	m.HandleFunc("DELETE /crm/v3/objects/{type}/{id}", e.archiveObject)

	m.HandleFunc("PUT /crm/v4/objects/{from}/{id}/associations/default/{to}/{toId}", e.associateDefault)
	m.HandleFunc("PUT /crm/v4/objects/{from}/{id}/associations/{to}/{toId}", e.associateLabeled)
	m.HandleFunc("DELETE /crm/v4/objects/{from}/{id}/associations/{to}/{toId}", e.dissociate)
	m.HandleFunc("GET /crm/v4/objects/{from}/{id}/associations/{to}", e.listAssociations)
	m.HandleFunc("POST /crm/v4/associations/{from}/{to}/batch/read", e.batchReadAssociations)

	m.HandleFunc("GET /crm/v3/owners", e.listOwners)
	m.HandleFunc("GET /crm/v3/owners/{id}", e.getOwner)

	m.HandleFunc("GET /crm/v3/pipelines/{type}", e.listPipelines)
	m.HandleFunc("POST /crm/v3/pipelines/{type}", e.createPipeline)
	m.HandleFunc("GET /crm/v3/pipelines/{type}/{id}", e.getPipeline)
	m.HandleFunc("PUT /crm/v3/pipelines/{type}/{id}", e.replacePipeline)
	m.HandleFunc("PATCH /crm/v3/pipelines/{type}/{id}", e.patchPipeline)
	m.HandleFunc("DELETE /crm/v3/pipelines/{type}/{id}", e.deletePipeline)

	m.HandleFunc("GET /crm/v3/properties/{type}", e.listProperties)
	m.HandleFunc("POST /crm/v3/properties/{type}", e.createProperty)
	m.HandleFunc("GET /crm/v3/properties/{type}/{name}", e.getProperty)

	m.HandleFunc("GET /account-info/v3/details", e.accountDetails)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		e.writeError(w, http.StatusNotFound, apiError{Category: "OBJECT_NOT_FOUND",
			Message: fmt.Sprintf("No route for %s %s", r.Method, r.URL.Path)})
	})
}

// serve authenticates, applies the rate limits and dispatches.
func (e *Emulator) serve(w http.ResponseWriter, r *http.Request) {
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	static := e.token != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(e.token)) == 1
	var oauth oauthemu.TokenState
	if !static && tok != "" {
		oauth = e.OAuth.Lookup(tok)
	}
	switch {
	case !strings.EqualFold(scheme, "Bearer") || tok == "" || !static && oauth.Status == oauthemu.TokenUnknown:
		e.writeError(w, http.StatusUnauthorized, apiError{Category: "INVALID_AUTHENTICATION",
			Message: "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"})
		return
	case oauth.Status == oauthemu.TokenExpired:
		e.writeExpired(w, oauth.ExpiresAt)
		return
	}
	e.mu.Lock()
	expiredAt, expired := e.expired[tok]
	e.mu.Unlock()
	if expired {
		e.writeExpired(w, expiredAt)
		return
	}
	if !e.admit(w, r, tok) {
		return
	}
	e.mux.ServeHTTP(w, e.withSource(r, static, oauth.ClientID))
}

// writeExpired answers 401 EXPIRED_AUTHENTICATION for a token that
// expired at expiredAt.
func (e *Emulator) writeExpired(w http.ResponseWriter, expiredAt time.Time) {
	ago := max(1, int(e.Store.Now().Sub(expiredAt).Minutes()))
	e.writeError(w, http.StatusUnauthorized, apiError{Category: "EXPIRED_AUTHENTICATION",
		Message: fmt.Sprintf("The OAuth token used to make this call expired %d minute(s) ago.", ago),
		Context: map[string][]string{"expire time": {formatTime(expiredAt)}}})
}

// admit counts the request against the daily, burst and (for a search) the
// search limits. Every answer but a search's carries the rate-limit headers.
func (e *Emulator) admit(w http.ResponseWriter, r *http.Request, tok string) bool {
	search := r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/search")
	now := e.Store.Now()
	day := now.Format("2006-01-02")
	e.mu.Lock()
	dc := e.daily[tok]
	if dc.day != day {
		dc = dailyCount{day: day}
	}
	dc.count++
	e.daily[tok] = dc
	e.mu.Unlock()
	dailyLeft := max(0, DailyLimit-dc.count)

	d := e.Limiter.Take(tok)
	if !search {
		h := w.Header()
		secondly := max(1, int(float64(d.Limit)/e.window.Seconds()))
		h.Set("X-HubSpot-RateLimit-Daily", strconv.Itoa(DailyLimit))
		h.Set("X-HubSpot-RateLimit-Daily-Remaining", strconv.Itoa(dailyLeft))
		h.Set("X-HubSpot-RateLimit-Interval-Milliseconds", strconv.FormatInt(e.window.Milliseconds(), 10))
		h.Set("X-HubSpot-RateLimit-Max", strconv.Itoa(d.Limit))
		h.Set("X-HubSpot-RateLimit-Remaining", strconv.Itoa(d.Remaining))
		h.Set("X-HubSpot-RateLimit-Secondly", strconv.Itoa(secondly))
		h.Set("X-HubSpot-RateLimit-Secondly-Remaining", strconv.Itoa(min(secondly, d.Remaining)))
	}
	switch {
	case dc.count > DailyLimit:
		e.writeError(w, http.StatusTooManyRequests, apiError{Category: "RATE_LIMITS", ErrorType: "RATE_LIMIT",
			PolicyName: "DAILY", Message: "You have reached your daily limit."})
		return false
	case !d.Allowed:
		e.writeError(w, http.StatusTooManyRequests, apiError{Category: "RATE_LIMITS", ErrorType: "RATE_LIMIT",
			PolicyName: "TEN_SECONDLY_ROLLING", Message: "You have reached your ten_secondly_rolling limit."})
		return false
	}
	if search {
		if sd := e.SearchLimiter.Take(tok); !sd.Allowed {
			e.writeError(w, http.StatusTooManyRequests, apiError{Category: "RATE_LIMITS", ErrorType: "RATE_LIMIT",
				PolicyName: "SECONDLY", Message: "You have reached your secondly limit."})
			return false
		}
	}
	return true
}

// accountDetails answers GET /account-info/v3/details.
func (e *Emulator) accountDetails(w http.ResponseWriter, r *http.Request) {
	emulator.WriteJSON(w, http.StatusOK, map[string]any{
		"portalId": PortalID, "accountType": "STANDARD", "timeZone": "US/Eastern",
		"companyCurrency": CompanyCurrency, "additionalCurrencies": []string{"EUR", "GBP"},
		"utcOffset": "-05:00", "utcOffsetMilliseconds": -18000000, "uiDomain": "app.hubspot.com",
		"dataHostingLocation": "na1",
	})
}

// timeLayout is how HubSpot writes timestamps: UTC, always with milliseconds.
const timeLayout = "2006-01-02T15:04:05.000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }
