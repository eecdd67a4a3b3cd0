// Package salesforceemu is a stateful emulator of Salesforce's REST API
// (version 60.0, Spring '24), for Unimesh's tests and `unimesh dev`: one
// org with Accounts, Contacts, Opportunities and their stages, Leads,
// Tasks, Events and Users, served from the root the way an org's My Domain
// serves them (https://<domain>.my.salesforce.com/services/data/v60.0/...).
//
// It follows the Salesforce REST API Developer Guide (API version 60.0):
// "sObject Basic Information", "sObject Rows" (GET/PATCH/DELETE
// /sobjects/{sObject}/{id}, GET with ?fields=), "sObject Create" (POST
// /sobjects/{sObject} → 201 {id, success, errors}), "sObject Describe"
// (/sobjects/{sObject}/describe), "Describe Global", "Query" and "Query More
// Results" (/query?q=SOQL with nextRecordsUrl query locators, the
// "Sforce-Query-Options: batchSize=n" header, 200 to 2000), "Limits", "Limit
// Info Header" (Sforce-Limit-Info: api-usage=n/m on every answer) and
// "Status Codes and Error Responses" (errors as a JSON array of {message,
// errorCode, fields}); the SOQL and SOSL Reference for the query language
// (see soql.go for the subset), its error messages (MALFORMED_QUERY,
// INVALID_FIELD, INVALID_TYPE, with the query, a caret and the row and
// column); and "API Request Limits and Allocations" for the daily request
// allocation, past which Salesforce answers 403 REQUEST_LIMIT_EXCEEDED
// ("TotalRequests Limit exceeded.").
//
// What it keeps of Salesforce's behaviour: 18-character ids with their
// object's key prefix and the case-checksum suffix (15-character ids are
// accepted too), datetimes as 2024-01-05T10:00:00.000+0000, numbers written
// as Java doubles (15000.0, 1.5E7), required fields (REQUIRED_FIELD_MISSING),
// field types, lengths (STRING_TOO_LONG), restricted picklists, lookups
// (MALFORMED_ID, INVALID_CROSS_REFERENCE_KEY), read-only fields
// (INVALID_FIELD_FOR_INSERT_UPDATE), a validation rule
// (FIELD_CUSTOM_VALIDATION_EXCEPTION: an Opportunity's Amount cannot be
// negative), custom fields (__c) in describe and on the seed data, the
// recycle bin (a deleted record answers 404 NOT_FOUND to GET and
// ENTITY_IS_DELETED to PATCH and DELETE), cascading deletes (an Account takes
// its Contacts and Opportunities along; a record takes its Tasks and
// Events), the fields Salesforce derives (Name, IsClosed/IsWon/Probability/
// ForecastCategoryName from the stage, Task IsClosed and CompletedDateTime,
// Event ActivityDateTime/DurationInMinutes/ActivityDate, activity
// AccountId) and 401 INVALID_SESSION_ID for any other token.
//
// OAuth 2.0 follows the Salesforce Help pages "OAuth 2.0 Web Server Flow for
// Web App Integration", "OAuth 2.0 Refresh Token Flow for Renewed Sessions",
// "Revoke OAuth Tokens" and "OAuth Tokens and Scopes": GET
// /services/oauth2/authorize (response_type=code, client_id, redirect_uri,
// space-separated scope, state, code_challenge as the SHA-256 of the
// verifier; a denial redirects with access_denied "end-user denied
// authorization"), POST /services/oauth2/token (authorization_code with
// code_verifier, refresh_token) answering {access_token, refresh_token (only
// for the refresh_token or offline_access scope, never on a refresh),
// signature (HMAC-SHA256 of id and issued_at with the client secret), scope,
// instance_url, id (https://login.salesforce.com/id/<org>/<user>),
// token_type "Bearer", issued_at} and no expires_in; codes live 15 minutes;
// errors 400 {error, error_description} such as invalid_grant "expired
// access/refresh token", invalid_client_id "client identifier invalid",
// invalid_client "invalid client credentials", redirect_uri_mismatch; POST
// (and GET) /services/oauth2/revoke with token (a refresh token revokes its
// access tokens too; 400 invalid_token for an unknown one). Access tokens
// ("00D<org>!AQ...") die when the session times out (Options.OAuthAccessTTL)
// and then answer 401 INVALID_SESSION_ID. Emulator controls, not
// Salesforce's API: POST /_emulator/oauth/expire, POST
// /_emulator/oauth/revoke, GET /_emulator/oauth/stats (package oauthemu).
//
// What it does not emulate: the other OAuth flows (JWT bearer, client
// credentials, user-agent, device, username-password), OpenID Connect and
// the identity URL itself, login.salesforce.com as a separate host, refresh
// token policies other than "valid until revoked", the limit of five grants
// per user and app, field-level security and sharing, multi-currency, record types, queryAll and
// /sobjects/{sObject}/updated|deleted, relationship subqueries, aggregate
// functions other than COUNT(), GROUP BY, SOSL, composite and bulk APIs,
// lead conversion (seeded leads are converted already), triggers and flows,
// the concurrent long-running request limit, and the asynchronous, lagging
// count of api-usage (the emulator's is exact).
package salesforceemu

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/unimesh/unimesh/pkg/emulator"
	"github.com/unimesh/unimesh/pkg/emulator/oauthemu"
)

// APIVersion is the one REST API version the emulator serves.
const APIVersion = "v60.0"

const dataPath = "/services/data/" + APIVersion

// Options configure the emulator.
type Options struct {
	// Token is the OAuth access token it accepts; any other answers 401.
	Token string
	// Seed loads the demo data.
	Seed bool
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// RateLimit requests per RateWindow; Salesforce's own allocation (an
	// Enterprise Edition's 100,000 requests per rolling 24 hours) when zero.
	RateLimit  int
	RateWindow time.Duration
	// OAuthClients are the connected apps registered from the start;
	// Emulator.OAuth.RegisterClient adds more.
	OAuthClients []oauthemu.Client
	// OAuthInstanceURL is the token answer's instance_url;
	// DefaultInstanceURL when empty.
	OAuthInstanceURL string
	// OAuthAccessTTL is how long an OAuth access token lives, the org's
	// session timeout; DefaultOAuthAccessTTL (2 hours) when zero. The
	// token answer does not tell it.
	OAuthAccessTTL time.Duration
}

// Emulator is one Salesforce org's REST API; an http.Handler.
type Emulator struct {
	Faults  *emulator.Faults
	Limiter *emulator.Limiter
	// OAuth is the org's authorization server, whose access tokens the
	// REST API accepts beside Options.Token.
	OAuth *oauthemu.Server

	token       string
	instanceURL string
	store       *emulator.Store
	objects     map[string]*sobject // by lower-case name
	byKey       map[string]*sobject // by key prefix
	data        map[string]*emulator.Collection[Record]
	handler     http.Handler

	mu       sync.Mutex
	deleted  map[string]string // recycle bin: id → object name
	autoNum  map[string]int    // auto-number counters by field
	locators *locatorStore

	// apiUser is the integration user the token belongs to.
	apiUser string
	org     string
}

// New builds the emulator.
func New(opts Options) *Emulator {
	limit, window := opts.RateLimit, opts.RateWindow
	if limit <= 0 {
		limit = 100000
	}
	if window <= 0 {
		window = 24 * time.Hour
	}
	e := &Emulator{
		Faults:   emulator.NewFaults(),
		Limiter:  emulator.NewLimiter(limit, window, opts.Now),
		token:    opts.Token,
		store:    emulator.NewStore(opts.Now),
		objects:  schema(),
		byKey:    map[string]*sobject{},
		data:     map[string]*emulator.Collection[Record]{},
		deleted:  map[string]string{},
		autoNum:  map[string]int{},
		locators: newLocatorStore(),
	}
	for _, o := range e.objects {
		e.byKey[o.KeyPrefix] = o
		// Each object's counter starts at its own place, as a real org's do.
		start, prefix := int64(len(o.Name))*7_777_777, o.KeyPrefix
		e.data[strings.ToLower(o.Name)] = emulator.NewCollection(e.store, o.Name,
			func(seq int64) string { return makeID(prefix, start+seq*131) },
			func(r *Record, m emulator.Meta) {
				if *r == nil {
					*r = Record{}
				}
				(*r)["Id"] = m.ID
				(*r)["IsDeleted"] = false
				(*r)["CreatedDate"] = formatTime(m.Created)
				(*r)["LastModifiedDate"] = formatTime(m.Updated)
				(*r)["SystemModstamp"] = formatTime(m.Updated)
				if (*r)["CreatedById"] == nil {
					(*r)["CreatedById"] = e.apiUser
				}
				(*r)["LastModifiedById"] = e.apiUser
			})
	}
	e.setupOrg()
	if opts.Seed {
		e.seed()
	}
	e.instanceURL = opts.OAuthInstanceURL
	if e.instanceURL == "" {
		e.instanceURL = DefaultInstanceURL
	}
	e.OAuth = e.newOAuth(opts)
	mux := http.NewServeMux()
	e.oauthRoutes(mux)
	mux.HandleFunc("GET /services/data", e.versions)
	mux.HandleFunc("GET /services/data/{$}", e.versions)
	mux.HandleFunc("/services/data/{version}/", e.api)
	mux.HandleFunc("/services/data/{version}", e.api)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeErrors(w, http.StatusNotFound, sfError{ErrorCode: "NOT_FOUND", Message: "The requested resource does not exist"})
	})
	e.handler = e.Faults.Wrap(mux)
	return e
}

func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { e.handler.ServeHTTP(w, r) }

// Collection gives tests the records of one object ("Contact").
func (e *Emulator) Collection(object string) *emulator.Collection[Record] {
	return e.data[strings.ToLower(object)]
}

// Count is how many live records of object the org holds.
func (e *Emulator) Count(object string) int { return e.Collection(object).Len() }

// Now is the emulator's clock.
func (e *Emulator) Now() time.Time { return e.store.Now() }

func writeErrors(w http.ResponseWriter, status int, errs ...sfError) {
	writeRaw(w, status, errs)
}

// versions is the Versions resource: unauthenticated, and not counted.
func (e *Emulator) versions(w http.ResponseWriter, _ *http.Request) {
	writeRaw(w, http.StatusOK, []map[string]string{
		{"label": "Winter '24", "url": "/services/data/v59.0", "version": "59.0"},
		{"label": "Spring '24", "url": "/services/data/v60.0", "version": "60.0"},
	})
}

// api authenticates, counts the request against the org's allocation and
// routes it.
func (e *Emulator) api(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok {
		tok, ok = strings.CutPrefix(auth, "OAuth ")
	}
	static := e.token != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(e.token)) == 1
	// An OAuth access token dies with its session: expired, revoked and
	// unknown tokens all answer INVALID_SESSION_ID.
	if !ok || tok == "" || !static && !e.OAuth.Lookup(tok).Valid() {
		w.Header().Set("WWW-Authenticate", `Token`)
		writeErrors(w, http.StatusUnauthorized, sfError{ErrorCode: "INVALID_SESSION_ID", Message: "Session expired or invalid"})
		return
	}
	d := e.Limiter.Take(tok)
	w.Header().Set("Sforce-Limit-Info", "api-usage="+emulator.Itoa(d.Limit-d.Remaining)+"/"+emulator.Itoa(d.Limit))
	if !d.Allowed {
		writeErrors(w, http.StatusForbidden, sfError{ErrorCode: "REQUEST_LIMIT_EXCEEDED", Message: "TotalRequests Limit exceeded."})
		return
	}
	if r.PathValue("version") != APIVersion {
		writeErrors(w, http.StatusNotFound, sfError{ErrorCode: "NOT_FOUND", Message: "The requested resource does not exist"})
		return
	}
	rest := strings.Trim(strings.TrimPrefix(r.URL.Path, dataPath), "/")
	parts := strings.Split(rest, "/")
	switch {
	case rest == "":
		e.only(w, r, "GET", func() { e.resources(w) })
	case rest == "limits":
		e.only(w, r, "GET", func() { e.limits(w, d) })
	case rest == "sobjects":
		e.only(w, r, "GET", func() { e.describeGlobal(w) })
	case parts[0] == "query" && len(parts) == 1:
		e.only(w, r, "GET", func() { e.query(w, r) })
	case parts[0] == "query" && len(parts) == 2:
		e.only(w, r, "GET", func() { e.queryMore(w, parts[1]) })
	case parts[0] == "sobjects" && len(parts) >= 2 && len(parts) <= 3:
		o := e.objects[strings.ToLower(parts[1])]
		if o == nil {
			writeErrors(w, http.StatusNotFound, sfError{ErrorCode: "NOT_FOUND", Message: "The requested resource does not exist"})
			return
		}
		switch {
		case len(parts) == 2:
			if r.Method == http.MethodPost {
				e.create(w, r, o)
				return
			}
			e.only(w, r, "GET", func() { e.basicInfo(w, o) })
		case parts[2] == "describe":
			e.only(w, r, "GET", func() { e.describe(w, o) })
		default:
			switch r.Method {
			case http.MethodGet, http.MethodHead:
				e.get(w, r, o, parts[2])
			case http.MethodPatch:
				e.update(w, r, o, parts[2])
			case http.MethodDelete:
				e.delete(w, o, parts[2])
			default:
				methodNotAllowed(w, r, "GET,PATCH,DELETE,HEAD")
			}
		}
	default:
		writeErrors(w, http.StatusNotFound, sfError{ErrorCode: "NOT_FOUND", Message: "The requested resource does not exist"})
	}
}

func (e *Emulator) only(w http.ResponseWriter, r *http.Request, method string, fn func()) {
	if r.Method != method && !(method == "GET" && r.Method == http.MethodHead) {
		methodNotAllowed(w, r, method+",HEAD")
		return
	}
	fn()
}

func methodNotAllowed(w http.ResponseWriter, r *http.Request, allowed string) {
	w.Header().Set("Allow", allowed)
	writeErrors(w, http.StatusMethodNotAllowed, sfError{ErrorCode: "METHOD_NOT_ALLOWED",
		Message: "HTTP Method '" + r.Method + "' not allowed. Allowed are " + allowed})
}

func (e *Emulator) resources(w http.ResponseWriter) {
	writeRaw(w, http.StatusOK, map[string]string{
		"sobjects": dataPath + "/sobjects", "query": dataPath + "/query", "limits": dataPath + "/limits",
	})
}

func (e *Emulator) limits(w http.ResponseWriter, d emulator.Decision) {
	writeRaw(w, http.StatusOK, map[string]any{
		"DailyApiRequests": map[string]int{"Max": d.Limit, "Remaining": d.Remaining},
	})
}

// writeRaw writes a JSON body as Salesforce does: without escaping <, >
// and & (a query in an error message reads as it was sent).
func writeRaw(w http.ResponseWriter, status int, body any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(bytes.TrimRight(b.Bytes(), "\n"))
}
