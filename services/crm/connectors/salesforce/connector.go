// Package salesforce is the Salesforce connector of the unified CRM API:
// Sales Cloud's REST API, version 60.0, on a connection's own org instance.
//
// What maps to what:
//
//	Contact   ← Contact        Company ← Account      Deal ← Opportunity
//	Lead      ← Lead           User    ← User (standard users; role from UserRole, else Profile)
//	Activity  ← Task (TaskSubtype Call/Email/ListEmail/Task → CALL/EMAIL/TASK) and Event (→ MEETING)
//	Pipeline  ← the active OpportunityStage records: Salesforce has one stage
//	            list per org, not pipelines, so the connector shows one
//	            read-only pipeline, id "default".
//
// Decisions worth knowing:
//
//   - Ids are Salesforce's 18-character ids. 15-character ids are accepted
//     and answered in the 18-character form. An id that is not a Salesforce
//     id at all is refused (INVALID_ARGUMENT) before any call; an id of
//     another object (a 001 Account id asked of contacts) answers
//     RECORD_NOT_FOUND, also without a call, since Salesforce cannot hold
//     such a contact.
//   - Lists run SOQL ordered by Id, a page at a time by keyset
//     (WHERE Id > 'last id' ... LIMIT page size + 1): a page never holds
//     more than asked, the extra record only says there is a next one, and
//     the cursor is the last id — no server-side query locator to expire.
//     The batch size sent (Sforce-Query-Options) holds the whole page, and
//     nextRecordsUrl is followed should Salesforce cut a batch shorter.
//     Modified-since filters on LastModifiedDate (SOQL takes whole
//     seconds; the sub-second rest is filtered here). Activities list
//     Tasks, then Events.
//   - Custom fields (__c) come from each object's describe, cached per
//     connection for five minutes: custom_fields holds the updateable ones
//     by API name (Region__c) — read-only custom fields (formulas, auto
//     numbers) are in raw only, so that a record read can be written back.
//     Writing an unknown or read-only custom field is refused.
//   - Money: Salesforce writes numbers as doubles (1500.5, 1.5E7); units
//     are the exact decimal, written with the field's scale ("1500.50").
//     Amounts with more decimals than the field keeps are refused, as are,
//     in a single-currency org, amounts in another currency than the org's
//     (read once per connection from Organization.DefaultCurrencyIsoCode).
//   - The minimal deal: an Opportunity needs StageName and CloseDate. A deal
//     without a stage goes to the first active open stage by SortOrder; a
//     deal without an expected close date closes, as Salesforce sees it, 30
//     days after its creation (UTC). Status WON/LOST writes the first won or
//     lost stage; remote_status is the stage's name.
//   - Contacts and leads hold one email (read as WORK, any type written)
//     and their fixed phone fields (Phone WORK, MobilePhone MOBILE,
//     HomePhone HOME, OtherPhone OTHER, Fax FAX); addresses are the
//     Mailing (WORK) and Other (OTHER) addresses of a contact, an Account's
//     Billing and Shipping ones, a Lead's one address. What has no place
//     is refused, never dropped.
//   - Activities: a Task's due date is a date (due_time at midnight UTC);
//     done is Status Completed; direction is CallType. An Event has
//     start_time and end_time; it is done once it has ended (read only).
//     WhoId holds one contact or lead, WhatId one company or deal; the
//     kind cannot change after creation.
//   - Not offered: notes (Salesforce notes are another object model),
//     tags, company domains, a deal's lost reason (no standard field) and
//     its contacts (OpportunityContactRole), a contact's deals, lead
//     conversion (a Lead's converted_* fields are read).
//   - 403 REQUEST_LIMIT_EXCEEDED is read as the rate limit it is.
package salesforce

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/unimesh/unimesh/pkg/cache"
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/providerhttp"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
	"github.com/unimesh/unimesh/services/crm/connectors"
)

const (
	// Slug is the integration's slug.
	Slug = "salesforce"
	// APIVersion is the REST API version every call uses.
	APIVersion = "v60.0"
	apiPath    = "/services/data/" + APIVersion

	// cacheTTL bounds how stale a connection's describes, currency and
	// stages may be.
	cacheTTL = 5 * time.Minute
)

// Descriptor describes Salesforce: OAuth 2.0 tokens presented as bearer
// tokens to the connection's own instance.
func Descriptor() *connector.Descriptor {
	return &connector.Descriptor{
		Slug:      Slug,
		Name:      "Salesforce",
		Category:  platformv1.Category_CATEGORY_CRM,
		AuthTypes: []platformv1.AuthType{platformv1.AuthType_AUTH_TYPE_OAUTH2},
		Auth:      providerhttp.OAuthBearer(),
		BaseURL:   instanceBaseURL,
		ConfigFields: []*platformv1.ConfigField{{Key: "instance_url", Required: true,
			Description: "the org's instance URL from the OAuth token response, such as https://acme.my.salesforce.com"},
			{Key: "organization_id", Description: "the org's id; filled in from the OAuth token answer's identity URL"}},
		Hooks:          providerhttp.Hooks{Describe: describeError, RetryAfter: retryAfter, Classify: classify},
		NativeWebhooks: true,
		RateLimitPolicy: "a daily allocation per org counted over a rolling 24 hours (Enterprise Edition: 100,000 requests plus 1,000 per " +
			"user license), shared by every integration of the org; past it Salesforce answers 403 REQUEST_LIMIT_EXCEEDED. " +
			"Every answer reports the usage in Sforce-Limit-Info: api-usage=used/limit",
		DocsURL: "https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/intro_rest.htm",
		// help.salesforce.com "OAuth 2.0 Web Server Flow for Web App
		// Integration": the answer carries the org's instance_url and no
		// expires_in (sessions end after the org's timeout), so tokens are
		// refreshed when Salesforce answers 401.
		OAuth: &connector.OAuth{
			AuthorizeURL:  "https://login.salesforce.com/services/oauth2/authorize",
			TokenURL:      "https://login.salesforce.com/services/oauth2/token",
			DefaultScopes: []string{"api", "refresh_token"},
			Extras:        oauthExtras,
		},
		VerifyPath: "/services/data/" + APIVersion + "/limits",
	}
}

// oauthExtras reads the org's instance URL from the token answer.
func oauthExtras(field func(string) any) (map[string]string, error) {
	u, _ := field("instance_url").(string)
	if u == "" {
		return nil, fmt.Errorf("salesforce: the token answer has no instance_url")
	}
	if _, err := instanceBaseURL(map[string]string{"instance_url": u}); err != nil {
		return nil, err
	}
	out := map[string]string{"instance_url": u}
	// The identity URL is https://login.salesforce.com/id/<org id>/<user id>.
	if id, _ := field("id").(string); id != "" {
		if parts := strings.Split(strings.TrimSuffix(id, "/"), "/"); len(parts) >= 3 && parts[len(parts)-3] == "id" {
			out["organization_id"] = parts[len(parts)-2]
		}
	}
	return out, nil
}

// state is what the connector keeps between calls: per-connection
// caches, keyed by connection id.
type state struct {
	describes *cache.Cache[*describe]
	orgs      *cache.Cache[*orgInfo]
	stages    *cache.Cache[*stageSet]
	now       func() time.Time
}

func newState() *state {
	return &state{describes: cache.New[*describe](4096), orgs: cache.New[*orgInfo](1024), stages: cache.New[*stageSet](1024), now: time.Now}
}

// Connector returns the Salesforce CRM connector.
func Connector() connectors.CRM {
	s := newState()
	return connectors.CRM{
		Contacts:   contactObject(s).methods(),
		Companies:  companyObject(s).methods(),
		Deals:      dealObject(s).methods(),
		Leads:      leadObject(s).methods(),
		Activities: activityObject(s).methods(),
		Pipelines:  pipelineObject(s),
		Users:      userObject(s).methods(),
	}
}

func (s *state) describe(ctx context.Context, c *connector.Conn, sobject string) (*describe, error) {
	return s.describes.Load(ctx, c.ID+"/"+sobject, func(ctx context.Context) (*describe, time.Duration, error) {
		d, err := describeObject(ctx, c, sobject)
		return d, cacheTTL, err
	})
}

// orgInfo is what the connector needs of the org itself.
type orgInfo struct {
	// Currency is the org's currency (its default one when multi-currency).
	Currency string
}

func (s *state) org(ctx context.Context, c *connector.Conn) (*orgInfo, error) {
	return s.orgs.Load(ctx, c.ID, func(ctx context.Context) (*orgInfo, time.Duration, error) {
		recs, err := query(ctx, c, "SELECT Id, DefaultCurrencyIsoCode FROM Organization", 1)
		if err != nil {
			// A multi-currency org has CurrencyIsoCode instead.
			var err2 error
			if recs, err2 = query(ctx, c, "SELECT Id, CurrencyIsoCode FROM Organization", 1); err2 != nil {
				return nil, 0, err
			}
		}
		if len(recs) == 0 {
			return nil, 0, badAnswer("no Organization")
		}
		cur := recs[0].str("DefaultCurrencyIsoCode")
		if cur == "" {
			cur = recs[0].str("CurrencyIsoCode")
		}
		return &orgInfo{Currency: cur}, cacheTTL, nil
	})
}

// stage is an OpportunityStage.
type stage struct {
	ID, Label, APIName string
	Active             bool
	SortOrder          int
	Closed, Won        bool
	Probability        float64
	Created, Updated   time.Time
}

// stageSet is the org's stages, in SortOrder, with their payload (raw).
type stageSet struct {
	all []stage
	raw []json.RawMessage
}

func (s *state) stageSet(ctx context.Context, c *connector.Conn) (*stageSet, error) {
	return s.stages.Load(ctx, c.ID, func(ctx context.Context) (*stageSet, time.Duration, error) {
		recs, err := query(ctx, c, soql{fields: []string{"Id", "MasterLabel", "ApiName", "IsActive", "SortOrder", "IsClosed", "IsWon",
			"DefaultProbability", "ForecastCategoryName", "CreatedDate", "LastModifiedDate"}, from: "OpportunityStage", order: "SortOrder ASC"}.String(), 0)
		if err != nil {
			return nil, 0, err
		}
		set := &stageSet{}
		for _, r := range recs {
			id, _ := normalizeID(r.id())
			order, _ := numberInt(r.num("SortOrder"))
			prob, _ := numberFloat(r.num("DefaultProbability"))
			set.all = append(set.all, stage{ID: id, Label: r.str("MasterLabel"), APIName: r.str("ApiName"), Active: r.boolean("IsActive"),
				SortOrder: order, Closed: r.boolean("IsClosed"), Won: r.boolean("IsWon"), Probability: prob,
				Created: r.time("CreatedDate"), Updated: r.time("LastModifiedDate")})
			set.raw = append(set.raw, r.raw)
		}
		sort.SliceStable(set.all, func(i, j int) bool { return set.all[i].SortOrder < set.all[j].SortOrder })
		return set, cacheTTL, nil
	})
}

// name is what an Opportunity's StageName holds for the stage.
func (st stage) name() string {
	if st.APIName != "" {
		return st.APIName
	}
	return st.Label
}

// byName finds the stage an Opportunity's StageName names.
func (ss *stageSet) byName(name string) (stage, bool) {
	for _, st := range ss.all {
		if st.APIName == name {
			return st, true
		}
	}
	for _, st := range ss.all {
		if strings.EqualFold(st.Label, name) || strings.EqualFold(st.APIName, name) {
			return st, true
		}
	}
	return stage{}, false
}

func (ss *stageSet) byID(id string) (stage, bool) {
	for _, st := range ss.all {
		if st.ID == id {
			return st, true
		}
	}
	return stage{}, false
}

// active are the stages in use, in order.
func (ss *stageSet) active() []stage {
	var out []stage
	for _, st := range ss.all {
		if st.Active {
			out = append(out, st)
		}
	}
	return out
}

// first is the first active stage that is open, won or lost.
func (ss *stageSet) first(closed, won bool) (stage, bool) {
	for _, st := range ss.active() {
		if st.Closed == closed && st.Won == won {
			return st, true
		}
	}
	return stage{}, false
}
