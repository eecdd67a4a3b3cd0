package stack

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/emulator/oauthemu"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
	"github.com/unimesh/unimesh/services/connect"
	crmconnectors "github.com/unimesh/unimesh/services/crm/connectors"
	"github.com/unimesh/unimesh/services/crm/connectors/hubspot"
	"github.com/unimesh/unimesh/services/crm/connectors/hubspot/hubspotemu"
	"github.com/unimesh/unimesh/services/crm/connectors/pipedrive"
	"github.com/unimesh/unimesh/services/crm/connectors/pipedrive/pipedriveemu"
	"github.com/unimesh/unimesh/services/crm/connectors/salesforce"
	"github.com/unimesh/unimesh/services/crm/connectors/salesforce/salesforceemu"
)

// vendorSandbox is a real vendor's integration offered against its emulator:
// `unimesh dev` serves the emulator beside the sandbox providers and points
// the integration at it, so that a laptop can try Pipedrive or Salesforce
// without an account. The connector is the one that talks to the vendor.
type vendorSandbox struct {
	slug string
	// emulator serves the vendor's API, accepting token and, from OAuth
	// apps registered as clients, the tokens its OAuth server issues.
	emulator func(token string, o SandboxOptions, clients []oauthemu.Client) http.Handler
	// credentials are what a connection presents: the vendor's own kind.
	credentials func(token string) *platformv1.Credentials
	// config is a connection's config, as the vendor needs one.
	config map[string]string
}

func apiKeyCredentials(token string) *platformv1.Credentials {
	return &platformv1.Credentials{Kind: &platformv1.Credentials_ApiKey{ApiKey: &platformv1.ApiKeyCredentials{Key: token}}}
}

func oauth2Credentials(token string) *platformv1.Credentials {
	return &platformv1.Credentials{Kind: &platformv1.Credentials_Oauth2{Oauth2: &platformv1.OAuth2Credentials{AccessToken: token}}}
}

func vendorSandboxes() []vendorSandbox {
	return []vendorSandbox{
		{
			slug: pipedrive.Slug,
			emulator: func(token string, o SandboxOptions, clients []oauthemu.Client) http.Handler {
				return pipedriveemu.New(pipedriveemu.Options{Token: token, Seed: true, RateLimit: o.RatePerMinute, RateWindow: o.window(), OAuthClients: clients})
			},
			credentials: apiKeyCredentials,
			config:      map[string]string{"company_domain": "sandbox"},
		},
		{
			slug: hubspot.Slug,
			emulator: func(token string, o SandboxOptions, clients []oauthemu.Client) http.Handler {
				return hubspotemu.New(hubspotemu.Options{Token: token, Seed: true, RateLimit: o.RatePerMinute, RateWindow: o.window(), OAuthClients: clients})
			},
			credentials: apiKeyCredentials,
			// The account id, which routes the app's webhooks to the connection.
			config: map[string]string{"hub_id": strconv.Itoa(hubspotemu.PortalID)},
		},
		{
			slug: salesforce.Slug,
			emulator: func(token string, o SandboxOptions, clients []oauthemu.Client) http.Handler {
				return salesforceemu.New(salesforceemu.Options{Token: token, Seed: true, RateLimit: o.RatePerMinute, RateWindow: o.window(), OAuthClients: clients})
			},
			credentials: oauth2Credentials,
			config:      map[string]string{"instance_url": "https://sandbox.my.salesforce.com"},
		},
	}
}

// VendorSlugs are the vendor integrations that have an emulator.
func VendorSlugs() []string {
	var out []string
	for _, v := range vendorSandboxes() {
		out = append(out, v.slug)
	}
	return out
}

// crmVendors registers the CRM vendors' connectors: at the vendors' own
// hosts, or at their emulators under c.SandboxURL when c.VendorSandboxes.
func crmVendors(c Connectors) []connector.Registered[crmconnectors.CRM] {
	at := func(d *connector.Descriptor) *connector.Descriptor {
		if c.VendorSandboxes && c.SandboxURL != "" {
			return d.At(c.sandbox(d.Slug))
		}
		return d
	}
	return []connector.Registered[crmconnectors.CRM]{
		{Descriptor: at(pipedrive.Descriptor()), Impl: pipedrive.Connector()},
		{Descriptor: at(hubspot.Descriptor()), Impl: hubspot.Connector()},
		{Descriptor: at(salesforce.Descriptor()), Impl: salesforce.Connector()},
	}
}

// DevOAuthClient is the OAuth app `unimesh dev` registers at a vendor
// emulator and uses for projects that brought none: its secret derives
// from the installation's sandbox secret, like the sandbox API keys.
func DevOAuthClient(secret []byte, slug string) connect.OAuthClient {
	return connect.OAuthClient{ClientID: "unimesh-dev-" + slug, ClientSecret: SandboxKey(secret, "oauth client:"+slug)}
}

// devOAuthApps are the dev OAuth clients of every vendor sandbox.
func devOAuthApps(secret []byte) map[string]connect.OAuthClient {
	out := map[string]connect.OAuthClient{}
	for _, v := range vendorSandboxes() {
		out[v.slug] = DevOAuthClient(secret, v.slug)
	}
	return out
}

// hubspotWebhookProperties are the properties whose changes the dev app
// subscribes to; changes of others are found by polling.
var hubspotWebhookProperties = map[string][]string{
	"contact": {"firstname", "lastname", "email", "phone", "mobilephone", "jobtitle", "company", "lifecyclestage", "hubspot_owner_id"},
	"company": {"name", "domain", "industry", "phone", "city", "country", "hubspot_owner_id"},
	"deal":    {"dealname", "amount", "dealstage", "pipeline", "closedate", "hubspot_owner_id"},
}

// configureAppWebhooks does at the vendor sandboxes what an app's developer
// does at HubSpot for app-level webhooks: points the dev app's webhooks at
// <public URL>/webhooks/apps/hubspot/<project> and subscribes to creations,
// deletions and changes of the main properties.
func configureAppWebhooks(host *SandboxHost, publicURL, projectID string, secret []byte) error {
	emu, ok := host.Emulators[hubspot.Slug].(*hubspotemu.Emulator)
	if !ok {
		return nil
	}
	app := DevOAuthClient(secret, hubspot.Slug).ClientID
	if err := emu.SetWebhookTarget(app, publicURL+"/webhooks/apps/"+hubspot.Slug+"/"+projectID); err != nil {
		return fmt.Errorf("hubspot sandbox webhooks: %w", err)
	}
	for object, props := range hubspotWebhookProperties {
		for _, kind := range []string{"creation", "deletion"} {
			if _, err := emu.Subscribe(app, object+"."+kind, ""); err != nil {
				return fmt.Errorf("hubspot sandbox webhooks: %w", err)
			}
		}
		for _, p := range props {
			if _, err := emu.Subscribe(app, object+".propertyChange", p); err != nil {
				return fmt.Errorf("hubspot sandbox webhooks: %w", err)
			}
		}
	}
	return nil
}
