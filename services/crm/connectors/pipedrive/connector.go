// Package pipedrive is the Pipedrive CRM connector: it maps Pipedrive's
// REST API to the unified CRM API. Its emulator is in pipedriveemu.
//
// It follows Pipedrive's public reference: the API v2 and v1 OpenAPI
// documents as published in the official client
// github.com/pipedrive/client-nodejs (v32), the API v2 migration guide
// (pipedrive.readme.io/docs/pipedrive-api-v2-migration-guide), the rate
// limiting page (pipedrive.readme.io/docs/core-api-concepts-rate-limiting)
// and developers.pipedrive.com/docs/api/v1.
//
// Which API serves which object:
//
//	contact   API v2 /api/v2/persons             (custom fields: /api/v1/personFields)
//	company   API v2 /api/v2/organizations       (custom fields: /api/v1/organizationFields)
//	deal      API v2 /api/v2/deals               (custom fields: /api/v1/dealFields)
//	lead      API v1 /api/v1/leads and /leads/archived, with the lead's person and
//	          organization from API v2           (custom fields: the deal fields)
//	activity  API v2 /api/v2/activities and API v1 /api/v1/notes (kind NOTE)
//	pipeline  API v2 /api/v2/pipelines and /api/v2/stages
//	user      API v1 /api/v1/users
//
// Ids: Pipedrive's own, as strings — integers, save for leads (UUIDs) and
// notes, which share the unified activity ids with activities and are
// told apart by a prefix: "note-<id>" (activities are plain "<id>").
//
// Products exist in Pipedrive but have no unified CRM object; they are
// left out.
package pipedrive

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/providerhttp"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
	"github.com/unimesh/unimesh/services/crm/connectors"
)

// Slug is the integration's slug.
const Slug = "pipedrive"

// configDomain is the connection config key of the company's subdomain.
const configDomain = "company_domain"

// domainRE is one DNS label as Pipedrive gives company domains: lowercase
// letters, digits and inner hyphens.
var domainRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)

// baseURL is https://<company_domain>.pipedrive.com: only ever a host of
// Pipedrive's own domain, whatever the config holds.
func baseURL(config map[string]string) (string, error) {
	d := strings.TrimSpace(config[configDomain])
	if d == "" {
		return "", fmt.Errorf("the connection needs %s, the company's Pipedrive subdomain (as in https://<company_domain>.pipedrive.com)", configDomain)
	}
	if !domainRE.MatchString(d) {
		return "", fmt.Errorf("%s must be a single subdomain label of lowercase letters, digits and hyphens, such as \"acme\"", configDomain)
	}
	return "https://" + d + ".pipedrive.com", nil
}

// Descriptor describes Pipedrive.
func Descriptor() *connector.Descriptor {
	return &connector.Descriptor{
		Slug:      Slug,
		Name:      "Pipedrive",
		Category:  platformv1.Category_CATEGORY_CRM,
		AuthTypes: []platformv1.AuthType{platformv1.AuthType_AUTH_TYPE_API_KEY, platformv1.AuthType_AUTH_TYPE_OAUTH2},
		// An API token goes in the x-api-token header, never in the URL
		// (Pipedrive also takes ?api_token=, which would end up in logs).
		Auth:    providerhttp.AnyOf(providerhttp.HeaderAPIKey("x-api-token"), providerhttp.OAuthBearer()),
		BaseURL: baseURL,
		ConfigFields: []*platformv1.ConfigField{{
			Key:         configDomain,
			Description: "The company's Pipedrive subdomain: \"acme\" for https://acme.pipedrive.com.",
			Required:    true,
		}},
		Hooks:          providerhttp.Hooks{Describe: describe, RetryAfter: retryAfter},
		NativeWebhooks: true,
		Webhooks:       webhooks(),
		RateLimitPolicy: "A daily token budget per company (30,000 base tokens × plan multiplier × seats; a list call " +
			"costs more tokens than a single read) and a burst limit per token in 2-second windows (e.g. 80 requests per " +
			"2 seconds for an API token on the Professional plan); past either, 429 with Retry-After and " +
			"x-ratelimit-limit / x-ratelimit-remaining / x-ratelimit-reset headers.",
		DocsURL: "https://developers.pipedrive.com/docs/api/v1",
		// Marketplace apps: pipedrive.readme.io/docs/marketplace-oauth-authorization.
		// The app's scopes are fixed in Developer Hub, so the authorize URL
		// names none; the token answer's api_domain is the company's host.
		OAuth: &connector.OAuth{
			AuthorizeURL: "https://oauth.pipedrive.com/oauth/authorize",
			TokenURL:     "https://oauth.pipedrive.com/oauth/token",
			Extras:       oauthExtras,
		},
		VerifyPath:  "/api/v1/users/me",
		APIKeyLabel: "API token",
	}
}

// oauthExtras reads the company domain from the token answer's api_domain
// ("https://acme.pipedrive.com").
func oauthExtras(field func(string) any) (map[string]string, error) {
	raw, _ := field("api_domain").(string)
	u, err := url.Parse(raw)
	if raw == "" || err != nil {
		return nil, fmt.Errorf("pipedrive: the token answer has no api_domain")
	}
	label, ok := strings.CutSuffix(u.Hostname(), ".pipedrive.com")
	if !ok || label == "" || strings.Contains(label, ".") {
		return nil, fmt.Errorf("pipedrive: api_domain %q is not a pipedrive.com company host", raw)
	}
	return map[string]string{configDomain: label}, nil
}

// Connector returns the CRM connector of Pipedrive. Its per-connection
// caches (custom field definitions) live in the returned value.
func Connector() connectors.CRM {
	fc := newFieldsCache()
	return connectors.CRM{
		Contacts:   contactsObject(fc),
		Companies:  companiesObject(fc),
		Deals:      dealsObject(fc),
		Leads:      leadsObject(fc),
		Activities: activitiesObject(),
		Pipelines:  pipelinesObject(),
		Users:      usersObject(),
	}
}
