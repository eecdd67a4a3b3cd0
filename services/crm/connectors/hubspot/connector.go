// Package hubspot is the HubSpot CRM connector: HubSpot's CRM v3 objects,
// search, associations v4, owners, pipelines and properties APIs behind the
// unified CRM API. Its emulator is in hubspotemu.
//
// How unified records map to HubSpot's:
//
//   - Contacts, companies, deals and leads are /crm/v3/objects/{type}
//     records with numeric ids. Notes, calls, meetings, emails and tasks are
//     five objects read as one unified Activity: an activity's id says which
//     object it is, "<kind>-<HubSpot id>" (note-123, call-123, meeting-123,
//     email-123, task-123), so Get, Update and Delete reach the right one;
//     the unified list pages through the five in turn with one cursor.
//   - Owners (/crm/v3/owners) are users; deal pipelines
//     (/crm/v3/pipelines/deals) are pipelines, stage probability and
//     isClosed read from the stage metadata (won = closed at 1.0).
//   - Links (a contact's company, a deal's company and contacts, an
//     activity's contacts, companies, deals and leads) are associations:
//     read with `associations=` (or, after a search, the v4 batch read),
//     written with the create's associations and, on update, the v4
//     association endpoints. A contact's and a deal's company is the one
//     with the Primary label.
//   - custom_fields are the custom properties (hubspotDefined false) by
//     name, typed by their definitions, which are cached per connection.
//   - ModifiedSince lists go through the search endpoint, filtering on
//     lastmodifieddate (contacts) or hs_lastmodifieddate (the others), oldest
//     change first; its results carry no associations, which the v4 batch
//     read adds. Past the search's 10,000 results the connector searches
//     again from the last change it saw.
//   - A deal's status is its stage's: open, or closed and won (probability
//     1.0) or lost; remote_status is the stage id. A deal created with only a
//     name and an amount lands in the default pipeline's first open stage
//     (HubSpot requires dealstage); status WON or LOST moves it to its
//     pipeline's first won or lost stage. Its probability is the stage's.
//   - A lead is created on a contact, as HubSpot requires: the lead's person
//     fields make the contact (or find it, when HubSpot answers 409 for its
//     email) and are read from and written to it.
//   - Amounts are the decimal text HubSpot stores, never parsed; a deal
//     without deal_currency_code, and a company's annual revenue, are in the
//     account's currency (/account-info/v3/details).
//   - Delete archives; HubSpot answers 204 for a record that is already
//     gone, so deleting twice succeeds.
package hubspot

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/unimesh/unimesh/pkg/cache"
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/providerhttp"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
	"github.com/unimesh/unimesh/services/crm/connectors"
)

// Slug is the integration's slug.
const Slug = "hubspot"

// BaseURL is HubSpot's API root, the same for every account (HubSpot routes
// EU-hosted accounts behind it too).
const BaseURL = "https://api.hubapi.com"

// cacheTTL bounds how stale the per-connection caches (property
// definitions, pipelines, account currency) may be.
const cacheTTL = 5 * time.Minute

// Descriptor describes HubSpot.
func Descriptor() *connector.Descriptor {
	return &connector.Descriptor{
		Slug:      Slug,
		Name:      "HubSpot",
		Category:  platformv1.Category_CATEGORY_CRM,
		AuthTypes: []platformv1.AuthType{platformv1.AuthType_AUTH_TYPE_OAUTH2, platformv1.AuthType_AUTH_TYPE_API_KEY},
		// A private app's access token (the API key credential) and an OAuth
		// access token are both sent as a bearer token.
		Auth:           providerhttp.AnyOf(providerhttp.BearerAPIKey(), providerhttp.OAuthBearer()),
		DefaultBaseURL: BaseURL,
		ConfigFields: []*platformv1.ConfigField{{Key: "hub_id",
			Description: "the HubSpot account (portal) id; filled in from the OAuth token answer"}},
		Hooks:          hooks(),
		NativeWebhooks: true,
		Webhooks:       webhooks(),
		RateLimitPolicy: "Per account and app: a burst limit of 100 requests per 10 seconds on Free and Starter " +
			"(150 to 190 on Professional and Enterprise, more with the API limit increase) and 250,000 to 1,000,000 " +
			"requests per day; the search endpoints 5 requests per second, 200 records per page and 10,000 results per " +
			"query. A 429 names its policy (TEN_SECONDLY_ROLLING, SECONDLY, DAILY) and carries no Retry-After: the wait " +
			"is read from the X-HubSpot-RateLimit-* headers.",
		DocsURL: "https://developers.hubspot.com/docs/api-reference/overview",
		// developers.hubspot.com/docs/api/oauth-quickstart-guide: the
		// authorize page is on app.hubspot.com, the token endpoint on the
		// API host and takes the client secret as a form field.
		OAuth: &connector.OAuth{
			AuthorizeURL:       "https://app.hubspot.com/oauth/authorize",
			TokenURL:           BaseURL + "/oauth/v1/token",
			DefaultScopes:      []string{"oauth", "crm.objects.contacts.read", "crm.objects.contacts.write", "crm.objects.companies.read", "crm.objects.companies.write", "crm.objects.deals.read", "crm.objects.deals.write", "crm.objects.owners.read"},
			ClientSecretInBody: true,
			GrantDead:          grantDead,
			Extras:             oauthExtras,
		},
		VerifyPath:  "/account-info/v3/details",
		APIKeyLabel: "Private app access token",
	}
}

// oauthExtras records the account the app was installed in: the token
// answer's hub_id (a JSON number).
func oauthExtras(field func(string) any) (map[string]string, error) {
	if id, ok := field("hub_id").(float64); ok && id > 0 {
		return map[string]string{"hub_id": strconv.FormatInt(int64(id), 10)}, nil
	}
	return nil, nil
}

// grantDead recognises HubSpot's token errors that no retry cures: its
// bodies say {"status": "BAD_REFRESH_TOKEN", ...} rather than RFC 6749's
// {"error": "invalid_grant"}, which it is also read for.
func grantDead(status int, body []byte) bool {
	if status < 400 || status >= 500 {
		return false
	}
	var e struct {
		Status string `json:"status"`
		Error  string `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil {
		return false
	}
	switch e.Status {
	case "BAD_REFRESH_TOKEN", "BAD_AUTH_CODE", "BAD_GRANT_TYPE":
		return true
	}
	return e.Error == "invalid_grant"
}

// hub holds the connector's per-connection caches, keyed by connection id.
type hub struct {
	props    *cache.Cache[propDefs]
	pipes    *cache.Cache[[]pipeline]
	accounts *cache.Cache[accountInfo]
}

// Connector returns the CRM connector of HubSpot.
func Connector() connectors.CRM {
	h := &hub{
		props:    cache.New[propDefs](4096),
		pipes:    cache.New[[]pipeline](1024),
		accounts: cache.New[accountInfo](1024),
	}
	return connectors.CRM{
		Contacts:   newObject(h, contactSpec()),
		Companies:  newObject(h, companySpec()),
		Deals:      dealObject(h),
		Leads:      leadObject(h),
		Activities: activityObject(h),
		Pipelines:  pipelineObject(h),
		Users:      userObject(),
	}
}
