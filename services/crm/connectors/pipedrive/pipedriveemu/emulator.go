// Package pipedriveemu is a stateful emulator of Pipedrive's REST API, for
// `unimesh dev`, the Pipedrive connector's tests, the e2e tests and the
// benchmarks. It serves the vendor's own paths from its root, with the
// vendor's envelopes, paging, id and date formats, custom fields, error
// bodies and rate-limit headers.
//
// It follows Pipedrive's public reference as published in June 2025 – early
// 2026:
//   - the API v2 OpenAPI document (version 2.0.0) as generated into the
//     official client github.com/pipedrive/client-nodejs (MIT, v32): paths and
//     fields of /api/v2/{persons,organizations,deals,activities,pipelines,stages};
//   - the API v1 OpenAPI document (version 1.0.0) of the same client, for the
//     endpoints only v1 has: /api/v1/{leads,notes,users} and
//     /api/v1/{person,organization,deal,activity,note}Fields;
//   - "Pipedrive API v2 migration guide" (pipedrive.readme.io/docs/pipedrive-api-v2-migration-guide):
//     object shapes, custom_fields formats, RFC 3339 dates, PATCH, is_deleted;
//   - "Rate limiting" (pipedrive.readme.io/docs/core-api-concepts-rate-limiting):
//     x-ratelimit-limit / -remaining / -reset headers per 2-second window, 429 with Retry-After;
//   - developers.pipedrive.com/docs/api/v1 pages for leads ("leads inherit the
//     custom fields structure from deals"), notes and users;
//   - for OAuth 2.0, "OAuth authorization"
//     (pipedrive.readme.io/docs/marketplace-oauth-authorization), "OAuth 2.0
//     overview" (.../marketplace-oauth-api), "OAuth status codes"
//     (.../marketplace-oauth-and-api-proxy-status-codes), "App installation
//     flows" (.../app-installation-flows) and
//     developers.pipedrive.com/docs/api/v1/Oauth: what
//     oauth.pipedrive.com serves, from the emulator's root — GET
//     /oauth/authorize (client_id, redirect_uri, state; the app's registered
//     scopes, no scope parameter; Cancel redirects with error=user_denied),
//     POST /oauth/token (form body, client credentials by HTTP Basic;
//     authorization_code and refresh_token grants) answering {access_token,
//     token_type "Bearer", refresh_token, scope (comma-separated),
//     expires_in 3599, api_domain https://<company>.pipedrive.com}; codes
//     live 5 minutes, refresh tokens are kept on refresh and expire after
//     60 days unused; the documented error messages ("Invalid grant:
//     refresh_token is invalid"...) with 400, or 401 for a bad client.
//     The API takes the access tokens as "Authorization: Bearer".
//     Emulator controls, not Pipedrive's API: POST /_emulator/oauth/expire,
//     POST /_emulator/oauth/revoke, GET /_emulator/oauth/stats (package
//     oauthemu).
//   - for webhooks, "Guide for Webhooks v2"
//     (pipedrive.readme.io/docs/guide-for-webhooks-v2), "Webhooks v2
//     migration guide" and developers.pipedrive.com/docs/api/v1/Webhooks:
//     POST /api/v1/webhooks (subscription_url, event_action create, change,
//     delete or *, event_object, user_id, http_auth_user and _password,
//     version 2.0; at most 40), GET /api/v1/webhooks, DELETE
//     /api/v1/webhooks/{id}; every change of a person, organization, deal,
//     activity, lead or note, through the API or the emulator's Go API
//     (Collection writes included, the seed excepted), is POSTed as
//     {data, previous, meta} to the matching webhooks' URLs, with HTTP
//     Basic auth when the webhook has a user; a change that changes nothing
//     but update_time sends nothing; receivers get 10 seconds, failures are
//     retried after 3, 30 and 150 seconds (Options.WebhookRetryDelays), with
//     meta.attempt counting; deliveries are asynchronous and in order per
//     webhook and record. FlushWebhooks, WebhookStats and Close are the
//     emulator's controls.
//
// Guesses where the reference is silent: the token error body
// {"success": false, "message", "error"}; PKCE (code_challenge,
// code_verifier), which Pipedrive does not document, is checked when sent;
// the token shapes ("v1u:..." access tokens, "<company>:<user>:..." refresh
// tokens); client credentials in the body are accepted besides HTTP Basic;
// an app's scopes are the emulator's fixed set.
//
// Webhook guesses: the notification's meta.permitted_user_ids are the
// company's active users, meta.user_id the token's user, meta.correlation_id
// one per change, change_source "app" for changes made through the Go API;
// webhooks answer with v1's old "status": "ok" beside success; a transport
// failure leaves last_http_status null.
//
// What it does not emulate: products, files, filters, followers, mail,
// projects, lead labels and lead conversion, deal participants and
// products, search endpoints, field creation through the API, permissions
// and visibility groups, the daily token budget (only the 2-second burst
// window), sorting other than by id, the geocoding of addresses, OAuth
// scopes' limits on what a token may call, the exchange_api_token grant,
// app uninstallation (POST /_emulator/oauth/revoke stands for it), the
// "Invalid token" wording of 401s for OAuth tokens (they answer
// "unauthorized access" like a wrong API token), webhooks v1, the
// product, user, pipeline and stage events, app-specific webhooks, the
// webhooks' ban system, their persistence across Store.Save and Load (they
// live in memory) and a notification for a lead or note deleted through
// Collection.Delete (the API's DELETE sends one).
package pipedriveemu

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/unimesh/unimesh/pkg/emulator"
	"github.com/unimesh/unimesh/pkg/emulator/oauthemu"
)

// Options configure the emulator.
type Options struct {
	// Token is the credential it accepts: an API token (x-api-token header or
	// api_token query parameter) or an OAuth access token (Authorization: Bearer).
	Token string
	// Seed loads the demo account.
	Seed bool
	// Now is the store's clock (time.Now when nil). The rate limiter always
	// runs on the wall clock.
	Now func() time.Time
	// RateLimit requests per RateWindow per token; default 80 per 2 seconds,
	// Pipedrive's burst limit of an API token on the Professional plan.
	RateLimit  int
	RateWindow time.Duration
	// OAuthClients are the Marketplace apps registered from the start;
	// Emulator.OAuth.RegisterClient adds more.
	OAuthClients []oauthemu.Client
	// OAuthCompanyDomain is the company the OAuth user belongs to: the
	// token answer's api_domain is https://<it>.pipedrive.com.
	// DefaultCompanyDomain ("sandbox") when empty.
	OAuthCompanyDomain string
	// WebhookClient sends the webhooks' notifications; nil: a client with
	// Pipedrive's 10-second timeout, which reaches receivers on loopback.
	WebhookClient *http.Client
	// WebhookRetryDelays are the waits before each retry of a notification
	// the receiver did not take; nil: Pipedrive's 3, 30 and 150 seconds.
	// Empty: no retry.
	WebhookRetryDelays []time.Duration
}

// Emulator is Pipedrive's API: an http.Handler serving /api/v1/... and /api/v2/...
type Emulator struct {
	// Faults injects failures and counts calls.
	Faults *emulator.Faults
	// Limiter is the per-token burst limit.
	Limiter *emulator.Limiter
	// Store holds every collection (Save/Load persist it).
	Store *emulator.Store

	Users         *emulator.Collection[User]
	Persons       *emulator.Collection[Person]
	Organizations *emulator.Collection[Organization]
	Deals         *emulator.Collection[Deal]
	Activities    *emulator.Collection[Activity]
	Notes         *emulator.Collection[Note]
	Leads         *emulator.Collection[Lead]
	Pipelines     *emulator.Collection[Pipeline]
	Stages        *emulator.Collection[Stage]
	// Fields are the field definitions of each entity: "person",
	// "organization", "deal", "activity", "note". Leads use the deal fields.
	Fields map[string]*emulator.Collection[Field]
	// OAuth is the authorization server of oauth.pipedrive.com, whose
	// access tokens the API accepts beside Options.Token.
	OAuth *oauthemu.Server

	token         string
	companyDomain string
	handler       http.Handler

	// hooks are the webhooks; feed sees every change of the records they
	// notify about, and sender delivers the notifications.
	hooks  webhookState
	feed   *emulator.ChangeFeed
	sender *emulator.WebhookSender
}

// Time formats of the wire.
const (
	// v2Time is API v2's RFC 3339, to the second, in UTC.
	v2Time = "2006-01-02T15:04:05Z"
	// v1Time is API v1's "YYYY-MM-DD HH:MM:SS", in UTC.
	v1Time = "2006-01-02 15:04:05"
	// leadTime is the ISO 8601 form the leads API uses.
	leadTime = "2006-01-02T15:04:05.000Z"
	dateOnly = "2006-01-02"
)

// New builds the emulator.
func New(opts Options) *Emulator {
	if opts.RateLimit <= 0 {
		opts.RateLimit = 80
	}
	if opts.RateWindow <= 0 {
		opts.RateWindow = 2 * time.Second
	}
	if opts.WebhookRetryDelays == nil {
		opts.WebhookRetryDelays = DefaultWebhookRetryDelays
	}
	st := emulator.NewStore(opts.Now)
	e := &Emulator{
		Faults:  emulator.NewFaults(),
		Limiter: emulator.NewLimiter(opts.RateLimit, opts.RateWindow, nil),
		Store:   st,
		token:   opts.Token,
		Fields:  map[string]*emulator.Collection[Field]{},
		sender: emulator.NewWebhookSender(emulator.WebhookSenderOptions{Client: opts.WebhookClient,
			Timeout: WebhookTimeout, Delays: opts.WebhookRetryDelays}),
	}
	e.feed = emulator.NewChangeFeed(e.deliverChange, e.hooks.active)
	num := func(m emulator.Meta) int64 { n, _ := strconv.ParseInt(m.ID, 10, 64); return n }
	e.Users = emulator.NewCollection(st, "users", emulator.SequentialIDs("", 14390000), func(r *User, m emulator.Meta) {
		r.ID, r.Created = num(m), m.Created.Format(v1Time)
		mod := m.Updated.Format(v1Time)
		r.Modified = &mod
	})
	v2meta := func(id *int64, add, upd *string, m emulator.Meta) {
		*id, *add, *upd = num(m), m.Created.Format(v2Time), m.Updated.Format(v2Time)
	}
	e.Persons = emulator.NewCollection(st, "persons", emulator.SequentialIDs("", 0), track(e, "person", func(r *Person, m emulator.Meta) {
		v2meta(&r.ID, &r.AddTime, &r.UpdateTime, m)
	}))
	e.Organizations = emulator.NewCollection(st, "organizations", emulator.SequentialIDs("", 0), track(e, "organization", func(r *Organization, m emulator.Meta) {
		v2meta(&r.ID, &r.AddTime, &r.UpdateTime, m)
	}))
	e.Deals = emulator.NewCollection(st, "deals", emulator.SequentialIDs("", 0), track(e, "deal", func(r *Deal, m emulator.Meta) {
		v2meta(&r.ID, &r.AddTime, &r.UpdateTime, m)
	}))
	e.Activities = emulator.NewCollection(st, "activities", emulator.SequentialIDs("", 0), track(e, "activity", func(r *Activity, m emulator.Meta) {
		v2meta(&r.ID, &r.AddTime, &r.UpdateTime, m)
	}))
	e.Pipelines = emulator.NewCollection(st, "pipelines", emulator.SequentialIDs("", 0), func(r *Pipeline, m emulator.Meta) {
		v2meta(&r.ID, &r.AddTime, &r.UpdateTime, m)
	})
	e.Stages = emulator.NewCollection(st, "stages", emulator.SequentialIDs("", 0), func(r *Stage, m emulator.Meta) {
		v2meta(&r.ID, &r.AddTime, &r.UpdateTime, m)
	})
	e.Notes = emulator.NewCollection(st, "notes", emulator.SequentialIDs("", 0), track(e, "note", func(r *Note, m emulator.Meta) {
		r.ID, r.AddTime, r.UpdateTime = num(m), m.Created.Format(v1Time), m.Updated.Format(v1Time)
	}))
	e.Leads = emulator.NewCollection(st, "leads", leadUUID, track(e, "lead", func(r *Lead, m emulator.Meta) {
		r.ID, r.AddTime, r.UpdateTime = m.ID, m.Created.Format(leadTime), m.Updated.Format(leadTime)
	}))
	for i, entity := range fieldEntities {
		e.Fields[entity] = emulator.NewCollection(st, entity+"Fields", emulator.SequentialIDs("", int64(9000+1000*i)), func(r *Field, m emulator.Meta) {
			r.ID, r.AddTime, r.UpdateTime = num(m), m.Created.Format(v1Time), m.Updated.Format(v1Time)
		})
	}
	e.installSystemFields()
	if opts.Seed {
		e.seed()
	}
	// From here on, every change of a record is one webhooks notify
	// about: the seed is not.
	e.feed.Arm()
	e.companyDomain = opts.OAuthCompanyDomain
	if e.companyDomain == "" {
		e.companyDomain = DefaultCompanyDomain
	}
	e.OAuth = e.newOAuth(opts)
	// The OAuth endpoints are another host's at Pipedrive: outside the
	// API's authentication and rate limit.
	root := http.NewServeMux()
	e.oauthRoutes(root)
	root.Handle("/", e.serve(e.routes()))
	e.handler = e.Faults.Wrap(root)
	return e
}

// me is the user the token belongs to, the author of what it creates: the
// company's first admin (the first user when none is an admin).
func (e *Emulator) me() int64 {
	var id, first int64
	e.Users.Each(func(u *User) bool {
		if first == 0 {
			first = u.ID
		}
		if u.IsAdmin == 1 {
			id = u.ID
			return false
		}
		return true
	})
	if id == 0 {
		return first
	}
	return id
}

// ServeHTTP serves the API.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { e.handler.ServeHTTP(w, r) }

// Count counts the live records of a resource ("persons", "organizations",
// "deals", "activities", "notes", "leads", "pipelines", "stages", "users"):
// soft-deleted v2 records are not counted.
func (e *Emulator) Count(resource string) int {
	n := 0
	count := func(live bool) bool {
		if live {
			n++
		}
		return true
	}
	switch resource {
	case "persons":
		e.Persons.Each(func(r *Person) bool { return count(!r.IsDeleted) })
	case "organizations":
		e.Organizations.Each(func(r *Organization) bool { return count(!r.IsDeleted) })
	case "deals":
		e.Deals.Each(func(r *Deal) bool { return count(!r.IsDeleted) })
	case "activities":
		e.Activities.Each(func(r *Activity) bool { return count(!r.IsDeleted) })
	case "pipelines":
		e.Pipelines.Each(func(r *Pipeline) bool { return count(!r.IsDeleted) })
	case "stages":
		e.Stages.Each(func(r *Stage) bool { return count(!r.IsDeleted) })
	case "notes":
		return e.Notes.Len()
	case "leads":
		return e.Leads.Len()
	case "users":
		return e.Users.Len()
	}
	return n
}

// serve authenticates the request and spends a token of its rate limit
// before the routes answer; every answer carries the rate-limit headers.
func (e *Emulator) serve(routes http.Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := r.Header.Get("x-api-token")
		if tok == "" {
			tok = r.URL.Query().Get("api_token")
		}
		bearer := false
		if tok == "" {
			if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "Bearer ") {
				tok, bearer = h[7:], true
			}
		}
		switch {
		case tok == "":
			writeError(w, http.StatusUnauthorized, "You need to be authorized to make this request.")
			return
		case e.token != "" && tok == e.token:
		// An OAuth access token only ever comes as a bearer token; an
		// expired one answers like an unknown one.
		case bearer && e.OAuth.Lookup(tok).Valid():
		default:
			writeError(w, http.StatusUnauthorized, "unauthorized access")
			return
		}
		d := e.Limiter.Take(tok)
		h := w.Header()
		h.Set("x-ratelimit-limit", strconv.Itoa(d.Limit))
		h.Set("x-ratelimit-remaining", strconv.Itoa(max(d.Remaining, 0)))
		h.Set("x-ratelimit-reset", strconv.Itoa(ceilSeconds(time.Until(d.Reset))))
		if !d.Allowed {
			h.Set("Retry-After", strconv.Itoa(max(1, ceilSeconds(d.RetryAfter))))
			writeError(w, http.StatusTooManyRequests, "Request over limit")
			return
		}
		routes.ServeHTTP(w, r)
	}
}

func ceilSeconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int(math.Ceil(d.Seconds()))
}

func (e *Emulator) routes() http.Handler {
	mux := http.NewServeMux()
	registerV2(mux, "persons", e.personsAPI())
	registerV2(mux, "organizations", e.organizationsAPI())
	registerV2(mux, "deals", e.dealsAPI())
	registerV2(mux, "activities", e.activitiesAPI())
	registerV2(mux, "pipelines", e.pipelinesAPI())
	registerV2(mux, "stages", e.stagesAPI())

	mux.HandleFunc("GET /api/v1/leads", e.listLeads(false))
	mux.HandleFunc("GET /api/v1/leads/archived", e.listLeads(true))
	mux.HandleFunc("POST /api/v1/leads", e.createLead)
	mux.HandleFunc("GET /api/v1/leads/{id}", e.getLead)
	mux.HandleFunc("PATCH /api/v1/leads/{id}", e.updateLead)
	mux.HandleFunc("DELETE /api/v1/leads/{id}", e.deleteLead)

	mux.HandleFunc("GET /api/v1/notes", e.listNotes)
	mux.HandleFunc("POST /api/v1/notes", e.createNote)
	mux.HandleFunc("GET /api/v1/notes/{id}", e.getNote)
	mux.HandleFunc("PUT /api/v1/notes/{id}", e.updateNote)
	mux.HandleFunc("DELETE /api/v1/notes/{id}", e.deleteNote)

	mux.HandleFunc("GET /api/v1/users", e.listUsers)
	mux.HandleFunc("GET /api/v1/users/{id}", e.getUser)
	mux.HandleFunc("GET /api/v1/users/me", e.getMe)

	for _, entity := range fieldEntities {
		mux.HandleFunc("GET /api/v1/"+entity+"Fields", e.listFields(entity))
	}
	e.webhookRoutes(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "Unknown method .")
	})
	return mux
}
