package pipedrive

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/connector/connectortest"
	commonv1 "github.com/unimesh/unimesh/proto/unimesh/common/v1"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
	"github.com/unimesh/unimesh/services/crm/connectors/pipedrive/pipedriveemu"
)

const testToken = "pd_test_9f8e7d6c"

// testConfig is a connection's config: the emulator stands in for
// https://northwind.pipedrive.com.
var testConfig = map[string]string{"company_domain": "northwind"}

func start(t *testing.T) (*pipedriveemu.Emulator, *connector.Conn) {
	t.Helper()
	emu := pipedriveemu.New(pipedriveemu.Options{Token: testToken, Seed: true, RateLimit: 1 << 20})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	// As `unimesh dev` does: the descriptor pointed at the emulator.
	return emu, connectortest.Conn(t, Descriptor().At(srv.URL), "", connectortest.APIKey(testToken), testConfig)
}

func TestDescriptor(t *testing.T) {
	d := Descriptor()
	if d.Slug != "pipedrive" || d.Category != platformv1.Category_CATEGORY_CRM || len(d.AuthTypes) != 2 || !d.NativeWebhooks || d.Sandbox {
		t.Fatalf("descriptor: %+v", d)
	}
	if u, err := d.ResolveBaseURL(map[string]string{"company_domain": "acme-sales2"}); err != nil || u != "https://acme-sales2.pipedrive.com" {
		t.Fatalf("base URL: %q %v", u, err)
	}
	for _, bad := range []string{"", "Acme", "acme.evil.example", "acme/x", "-acme", "acme-", "a_b", "acme.pipedrive.com", "evil.example#", strings.Repeat("a", 64)} {
		if u, err := d.ResolveBaseURL(map[string]string{"company_domain": bad}); err == nil {
			t.Errorf("company_domain %q gave %s", bad, u)
		}
	}
	// Pointed at an emulator, a connection's config is still checked.
	if _, err := d.At("http://127.0.0.1:1").ResolveBaseURL(map[string]string{"company_domain": "evil.example"}); err == nil {
		t.Error("the emulator override skipped the company_domain check")
	}
	caps := connector.Capabilities(platformv1.Category_CATEGORY_CRM, Connector())
	got := map[string]int{}
	for _, c := range caps {
		got[c.GetObject()] = len(c.GetOperations())
	}
	want := map[string]int{"contact": 5, "company": 5, "deal": 5, "lead": 5, "activity": 5, "pipeline": 4, "user": 2}
	for o, n := range want {
		if got[o] != n {
			t.Errorf("%s: %d operations, want %d", o, got[o], n)
		}
	}
}

func TestAuthSchemes(t *testing.T) {
	emu := pipedriveemu.New(pipedriveemu.Options{Token: testToken, Seed: true, RateLimit: 1 << 20})
	var sawHeader, sawQuery bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawHeader = sawHeader || r.Header.Get("x-api-token") == testToken
		sawQuery = sawQuery || r.URL.Query().Get("api_token") != ""
		emu.ServeHTTP(w, r)
	}))
	defer srv.Close()
	ctx := context.Background()
	c := connectortest.Conn(t, Descriptor().At(srv.URL), "", connectortest.APIKey(testToken), testConfig)
	if _, err := Connector().Users.List(ctx, c, connector.ListParams{PageSize: 2}); err != nil {
		t.Fatal(err)
	}
	if !sawHeader || sawQuery {
		t.Fatalf("the API token goes in x-api-token, never in the URL (header %v, query %v)", sawHeader, sawQuery)
	}
	oauth := connectortest.Conn(t, Descriptor().At(srv.URL), "", connectortest.OAuth2(testToken), testConfig)
	if _, err := Connector().Users.List(ctx, oauth, connector.ListParams{PageSize: 2}); err != nil {
		t.Fatalf("OAuth bearer: %v", err)
	}
}

func TestRoundTrips(t *testing.T) {
	emu, c := start(t)
	conn := Connector()

	t.Run("contact", func(t *testing.T) {
		connectortest.RoundTrip[*crmv1.Contact]{
			Seeded: emu.Count("persons"),
			Create: &crmv1.Contact{
				FirstName: "Katherine", LastName: "Johnson", CompanyId: "1", Tags: []string{"Customer"},
				Emails:       []*commonv1.Email{{Address: "kj@nasa.example", Type: commonv1.EmailType_EMAIL_TYPE_WORK}},
				Phones:       []*commonv1.Phone{{Number: "+14155550100", Type: commonv1.PhoneType_PHONE_TYPE_MOBILE}},
				CustomFields: mustStruct(map[string]any{"Lead score": 99.0, "Preferred language": "German"}),
			},
			// Only the last name changes: Pipedrive needs both parts, the
			// connector sends the current first name along.
			Mask: []string{"last_name", "custom_fields", "phones"},
			Change: func(c *crmv1.Contact) {
				c.LastName, c.FirstName = "Goble", "ignored because it is not in the mask"
				c.CustomFields = mustStruct(map[string]any{"Lead score": 100.0})
				c.Phones = []*commonv1.Phone{{RawNumber: "020 7946 0958", Type: commonv1.PhoneType_PHONE_TYPE_HOME}}
			},
			Check: func(t *testing.T, got *crmv1.Contact) {
				cf := got.GetCustomFields().AsMap()
				if got.GetFirstName() != "Katherine" || got.GetLastName() != "Goble" || got.GetName() != "Katherine Goble" {
					t.Errorf("names after update: %v", got)
				}
				if cf["Lead score"] != 100.0 || cf["Preferred language"] != "German" {
					t.Errorf("custom fields after update: %v", cf)
				}
				if len(got.GetPhones()) != 1 || got.GetPhones()[0].GetRawNumber() != "020 7946 0958" || got.GetPhones()[0].GetType() != commonv1.PhoneType_PHONE_TYPE_HOME {
					t.Errorf("phones: %v", got.GetPhones())
				}
				if got.GetCompanyId() != "1" || len(got.GetTags()) != 1 || got.GetTags()[0] != "Customer" || got.GetEmails()[0].GetAddress() != "kj@nasa.example" {
					t.Errorf("fields lost: %v", got)
				}
			},
		}.Run(t, c, conn.Contacts)
	})
	t.Run("company", func(t *testing.T) {
		connectortest.RoundTrip[*crmv1.Company]{
			Seeded: emu.Count("organizations"),
			Create: &crmv1.Company{
				Name:         "Analytical Engines Ltd.",
				Addresses:    []*commonv1.Address{{Street_1: "1 King Street", City: "London", PostalCode: "EC1A 1BB", CountryCode: "GB"}},
				CustomFields: mustStruct(map[string]any{"Segment": "SMB", "Employees": 12.0}),
			},
			Mask:   []string{"name", "addresses"},
			Change: func(c *crmv1.Company) { c.Name, c.Addresses = "AE Ltd.", nil },
			Check: func(t *testing.T, got *crmv1.Company) {
				if got.GetName() != "AE Ltd." || len(got.GetAddresses()) != 0 || got.GetCustomFields().AsMap()["Segment"] != "SMB" {
					t.Errorf("after update: %v", got)
				}
			},
		}.Run(t, c, conn.Companies)
	})
	t.Run("deal", func(t *testing.T) {
		connectortest.RoundTrip[*crmv1.Deal]{
			Seeded: emu.Count("deals"),
			Create: &crmv1.Deal{
				Name: "Difference engine", Amount: &commonv1.Money{Units: "5000.05", CurrencyCode: "EUR"}, CompanyId: "1", ContactIds: []string{"2"},
				ExpectedCloseDate: "2026-03-31",
				CustomFields:      mustStruct(map[string]any{"Forecast category": "Commit", "Competitors": []any{"Globex", "Initech"}}),
			},
			Mask: []string{"status", "lost_reason"},
			Change: func(d *crmv1.Deal) {
				d.Status, d.LostReason = crmv1.DealStatus_DEAL_STATUS_LOST, "Price too high"
				d.Name = "not in the mask"
			},
			Check: func(t *testing.T, got *crmv1.Deal) {
				if got.GetStatus() != crmv1.DealStatus_DEAL_STATUS_LOST || got.GetRemoteStatus() != "lost" || got.GetCloseTime() == nil ||
					got.GetLostReason() != "Price too high" || got.GetName() != "Difference engine" {
					t.Errorf("after losing it: %v", got)
				}
				if got.GetAmount().GetUnits() != "5000.05" || got.GetAmount().GetCurrencyCode() != "EUR" || got.GetExpectedCloseDate() != "2026-03-31" {
					t.Errorf("amount or date: %v", got)
				}
				cf := got.GetCustomFields().AsMap()
				if cf["Forecast category"] != "Commit" || len(cf["Competitors"].([]any)) != 2 {
					t.Errorf("custom fields: %v", cf)
				}
			},
		}.Run(t, c, conn.Deals)
	})
	t.Run("lead", func(t *testing.T) {
		persons, orgs := emu.Count("persons"), emu.Count("organizations")
		connectortest.RoundTrip[*crmv1.Lead]{
			Seeded: emu.Count("leads"),
			Create: &crmv1.Lead{
				FirstName: "Hedy", LastName: "Lamarr", CompanyName: "Frequency Hopping Inc.",
				Emails:       []*commonv1.Email{{Address: "hedy@fh.example"}},
				CustomFields: mustStruct(map[string]any{"Forecast category": "Pipeline"}),
			},
			Mask: []string{"status", "last_name"},
			Change: func(l *crmv1.Lead) {
				if l.GetName() != "Hedy Lamarr" || l.GetCompanyName() != "Frequency Hopping Inc." || l.GetStatus() != crmv1.LeadStatus_LEAD_STATUS_NEW ||
					len(l.GetEmails()) != 1 || l.GetCustomFields().AsMap()["Forecast category"] != "Pipeline" {
					t.Fatalf("created: %v", l)
				}
				l.Status, l.LastName = crmv1.LeadStatus_LEAD_STATUS_WORKING, "Markey"
			},
			Check: func(t *testing.T, got *crmv1.Lead) {
				if got.GetStatus() != crmv1.LeadStatus_LEAD_STATUS_WORKING || got.GetRemoteStatus() != "seen" || got.GetLastName() != "Markey" ||
					got.GetFirstName() != "Hedy" || got.GetName() != "Hedy Lamarr" {
					t.Errorf("after update: %v", got)
				}
			},
		}.Run(t, c, conn.Leads)
		if emu.Count("persons") != persons+1 || emu.Count("organizations") != orgs+1 {
			t.Errorf("the lead's person and organization were created once: %d→%d persons, %d→%d organizations",
				persons, emu.Count("persons"), orgs, emu.Count("organizations"))
		}
	})
	t.Run("activity", func(t *testing.T) {
		due := timestamppb.New(time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC))
		connectortest.RoundTrip[*crmv1.Activity]{
			Seeded: emu.Count("activities") + emu.Count("notes"),
			Create: &crmv1.Activity{
				Kind: crmv1.ActivityKind_ACTIVITY_KIND_CALL, Subject: "Call about the proposal", DueTime: due,
				ContactIds: []string{"1", "3"}, DealIds: []string{"1"}, Body: "<p>Prepare numbers</p>",
			},
			Mask: []string{"done", "end_time"},
			Change: func(a *crmv1.Activity) {
				a.Done, a.EndTime = true, timestamppb.New(due.AsTime().Add(45*time.Minute))
			},
			Check: func(t *testing.T, got *crmv1.Activity) {
				if !got.GetDone() || got.GetKind() != crmv1.ActivityKind_ACTIVITY_KIND_CALL || got.GetRemoteKind() != "call" ||
					!got.GetStartTime().AsTime().Equal(due.AsTime()) || !got.GetEndTime().AsTime().Equal(due.AsTime().Add(45*time.Minute)) {
					t.Errorf("after update: %v", got)
				}
				if strings.Join(got.GetContactIds(), ",") != "1,3" || got.GetDealIds()[0] != "1" || got.GetBody() != "<p>Prepare numbers</p>" {
					t.Errorf("links: %v", got)
				}
			},
		}.Run(t, c, conn.Activities)
	})
	t.Run("note", func(t *testing.T) {
		connectortest.RoundTrip[*crmv1.Activity]{
			Seeded: emu.Count("activities") + emu.Count("notes"),
			Create: &crmv1.Activity{Kind: crmv1.ActivityKind_ACTIVITY_KIND_NOTE, Body: "<p>Call went well</p>", DealIds: []string{"2"}, ContactIds: []string{"4"}},
			Mask:   []string{"body"},
			Change: func(a *crmv1.Activity) {
				if !strings.HasPrefix(a.GetId(), "note-") {
					t.Fatalf("note id %q", a.GetId())
				}
				a.Body = "<p>Signed next week</p>"
			},
			Check: func(t *testing.T, got *crmv1.Activity) {
				if got.GetKind() != crmv1.ActivityKind_ACTIVITY_KIND_NOTE || got.GetBody() != "<p>Signed next week</p>" || got.GetDealIds()[0] != "2" {
					t.Errorf("after update: %v", got)
				}
			},
		}.Run(t, c, conn.Activities)
	})
	t.Run("pipeline", func(t *testing.T) {
		connectortest.RoundTrip[*crmv1.Pipeline]{
			Seeded: emu.Count("pipelines"),
			Create: &crmv1.Pipeline{Name: "Renewals", Active: true, Stages: []*crmv1.Stage{{Name: "Due", Probability: 50}, {Name: "Renewed", Probability: 90}}},
			Mask:   []string{"name", "stages"},
			Change: func(p *crmv1.Pipeline) {
				if len(p.GetStages()) != 2 || p.GetStages()[0].GetId() == "" || p.GetStages()[1].GetDisplayOrder() != 1 || p.GetDisplayOrder() != 2 {
					t.Fatalf("created: %v", p)
				}
				p.Name = "Renewals 2026"
				p.Stages[0].Name = "Due soon"
				p.Stages = append(p.Stages, &crmv1.Stage{Name: "Signed", Probability: 100})
			},
			Check: func(t *testing.T, got *crmv1.Pipeline) {
				names := []string{}
				for _, s := range got.GetStages() {
					names = append(names, s.GetName())
					if s.GetIsClosed() || s.GetIsWon() {
						t.Errorf("Pipedrive stages are open: %v", s)
					}
				}
				if got.GetName() != "Renewals 2026" || strings.Join(names, ",") != "Due soon,Renewed,Signed" || got.GetStages()[2].GetProbability() != 100 {
					t.Errorf("after update: %v", got)
				}
			},
		}.Run(t, c, conn.Pipelines)
	})
}

func TestUsers(t *testing.T) {
	emu, c := start(t)
	ctx := context.Background()
	all := connectortest.ListAll(t, c, Connector().Users, 3, time.Time{}, nil)
	if len(all) != emu.Count("users") {
		t.Fatalf("%d users over pages of 3, want %d", len(all), emu.Count("users"))
	}
	u, err := Connector().Users.Get(ctx, c, all[0].GetId(), connector.GetParams{IncludeRaw: true})
	if err != nil || u.GetRole() != "admin" || !u.GetActive() || u.GetEmail() == "" || u.GetRaw().AsMap()["is_admin"] != 1.0 {
		t.Fatalf("user: %v %v", u, err)
	}
	inactive := 0
	for _, u := range all {
		if !u.GetActive() {
			inactive++
		}
	}
	if inactive != 1 {
		t.Errorf("%d inactive users", inactive)
	}
	if recent := connectortest.ListAll(t, c, Connector().Users, 50, time.Now().Add(time.Hour), nil); len(recent) != 0 {
		t.Errorf("modified since the future: %d users", len(recent))
	}
}

func TestMinimalDealTakesOneCallAndLandsInDefaultPipeline(t *testing.T) {
	emu, c := start(t)
	ctx := context.Background()
	conn := Connector()
	pipes := connectortest.ListAll(t, c, conn.Pipelines, 10, time.Time{}, nil)
	var def *crmv1.Pipeline
	for _, p := range pipes {
		if def == nil || p.GetDisplayOrder() < def.GetDisplayOrder() {
			def = p
		}
	}
	// Load the deal field definitions first: they are cached per connection.
	if _, err := conn.Deals.List(ctx, c, connector.ListParams{PageSize: 1}); err != nil {
		t.Fatal(err)
	}
	before := emu.Faults.Calls("", "/")
	d, err := conn.Deals.Create(ctx, c, &crmv1.Deal{Name: "Minimal", Amount: &commonv1.Money{Units: "10"}})
	if err != nil {
		t.Fatal(err)
	}
	if n := emu.Faults.Calls("", "/") - before; n != 1 {
		t.Fatalf("a minimal deal took %d calls, want 1", n)
	}
	if d.GetPipelineId() != def.GetId() || d.GetStageId() != def.GetStages()[0].GetId() || d.GetStatus() != crmv1.DealStatus_DEAL_STATUS_OPEN {
		t.Fatalf("deal in pipeline %s stage %s (%v); want pipeline %s stage %s", d.GetPipelineId(), d.GetStageId(), d.GetStatus(), def.GetId(), def.GetStages()[0].GetId())
	}
	if d.GetAmount().GetUnits() != "10" || d.GetAmount().GetCurrencyCode() != "USD" {
		t.Fatalf("amount: %v (the user's default currency applies)", d.GetAmount())
	}
	// A pipeline alone means its first stage.
	second := pipes[1]
	d2, err := conn.Deals.Create(ctx, c, &crmv1.Deal{Name: "In the second pipeline", PipelineId: second.GetId()})
	if err != nil || d2.GetStageId() != second.GetStages()[0].GetId() {
		t.Fatalf("deal in pipeline %s: %v %v", second.GetId(), d2, err)
	}
	_, err = conn.Deals.Create(ctx, c, &crmv1.Deal{Name: "x", PipelineId: "999"})
	if vs := apierr.Violations(err); len(vs) == 0 || vs[0].Field != "deal.pipeline_id" {
		t.Fatalf("unknown pipeline: %v", err)
	}
}

func TestIncludeRawAndCustomFields(t *testing.T) {
	_, c := start(t)
	ctx := context.Background()
	conn := Connector()
	got, err := conn.Contacts.Get(ctx, c, "1", connector.GetParams{IncludeRaw: true})
	if err != nil {
		t.Fatal(err)
	}
	raw := got.GetRaw().AsMap()
	if raw["id"] != 1.0 || raw["name"] != got.GetName() || raw["custom_fields"] == nil {
		t.Fatalf("raw = %v", raw)
	}
	for k := range raw["custom_fields"].(map[string]any) {
		if !hashKeyRE.MatchString(k) {
			t.Fatalf("raw keeps Pipedrive's custom field keys: %q", k)
		}
	}
	if _, ok := got.GetCustomFields().AsMap()["Lead score"]; !ok {
		t.Fatalf("seeded custom field missing: %v", got.GetCustomFields())
	}
	page, err := conn.Deals.List(ctx, c, connector.ListParams{PageSize: 3, IncludeRaw: true})
	if err != nil || len(page.Items) != 3 || page.Items[2].GetRaw() == nil || page.NextCursor == "" {
		t.Fatalf("list with raw: %v, %v", page.Items, err)
	}
	// Option fields: labels in the unified record, option ids in raw.
	d := page.Items[0]
	label := d.GetCustomFields().AsMap()["Forecast category"]
	var rawOption any
	for _, v := range d.GetRaw().AsMap()["custom_fields"].(map[string]any) {
		if n, ok := v.(float64); ok {
			rawOption = n
		}
	}
	if _, isLabel := label.(string); !isLabel || rawOption == nil {
		t.Fatalf("enum field: unified %v, raw %v", label, rawOption)
	}
	leads, err := conn.Leads.List(ctx, c, connector.ListParams{PageSize: 50, IncludeRaw: true})
	if err != nil || len(leads.Items) == 0 {
		t.Fatal(err)
	}
	withCustom := 0
	for _, l := range leads.Items {
		if l.GetRaw().AsMap()["title"] != l.GetName() {
			t.Fatalf("lead raw: %v", l.GetRaw())
		}
		if len(l.GetCustomFields().GetFields()) > 0 {
			withCustom++
		}
		if l.GetFirstName() == "" && l.GetCompanyName() == "" {
			t.Fatalf("a lead shows its person or organization: %v", l)
		}
	}
	if withCustom == 0 {
		t.Fatal("no seeded lead shows its deal custom fields")
	}
	p, err := conn.Pipelines.Get(ctx, c, "1", connector.GetParams{IncludeRaw: true})
	if err != nil || len(p.GetRaw().AsMap()["stages"].([]any)) != len(p.GetStages()) {
		t.Fatalf("pipeline raw carries its stages: %v %v", p.GetRaw(), err)
	}
	a, err := conn.Activities.Get(ctx, c, "note-1", connector.GetParams{IncludeRaw: true})
	if err != nil || a.GetRaw().AsMap()["content"] != a.GetBody() {
		t.Fatalf("note raw: %v %v", a, err)
	}

	// Custom fields survive a round trip: read, written back unchanged, read again.
	created, err := conn.Deals.Create(ctx, c, &crmv1.Deal{Name: "Custom", CustomFields: mustStruct(map[string]any{
		"Forecast category": "Best case", "Competitors": []any{"Acme CRM"}, "Renewal date": "2027-01-31",
		"Contract value": map[string]any{"value": 1200.5, "currency": "GBP"},
	})})
	if err != nil {
		t.Fatal(err)
	}
	again, err := conn.Deals.Update(ctx, c, created, []string{"custom_fields"})
	if err != nil {
		t.Fatal(err)
	}
	want := created.GetCustomFields().AsMap()
	if len(want) != 4 || want["Contract value"].(map[string]any)["currency"] != "GBP" {
		t.Fatalf("created custom fields: %v", want)
	}
	for k, v := range want {
		if g := again.GetCustomFields().AsMap()[k]; !equalJSON(g, v) {
			t.Errorf("%s: %v after a round trip, was %v", k, g, v)
		}
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestWritesRefusedAndVendorErrors(t *testing.T) {
	_, c := start(t)
	ctx := context.Background()
	conn := Connector()
	wantViolation := func(t *testing.T, err error, field string) {
		t.Helper()
		vs := apierr.Violations(err)
		if status.Code(err) != codes.InvalidArgument || len(vs) == 0 || vs[0].Field != field {
			t.Fatalf("err = %v, violations %+v; want a violation of %s", err, vs, field)
		}
	}
	// Refused before any call.
	_, err := conn.Contacts.Create(ctx, c, &crmv1.Contact{LastName: "X", Addresses: []*commonv1.Address{{City: "Paris"}}})
	wantViolation(t, err, "contact.addresses")
	if apierr.Violations(err)[0].Reason != apierr.ReasonOperationNotSupported {
		t.Errorf("reason: %v", apierr.Violations(err))
	}
	_, err = conn.Contacts.Create(ctx, c, &crmv1.Contact{LastName: "X", CustomFields: mustStruct(map[string]any{"Shoe size": 44.0})})
	wantViolation(t, err, "contact.custom_fields.Shoe size")
	_, err = conn.Deals.Create(ctx, c, &crmv1.Deal{Name: "X", CustomFields: mustStruct(map[string]any{"Forecast category": "Maybe"})})
	wantViolation(t, err, "deal.custom_fields.Forecast category")
	_, err = conn.Leads.Create(ctx, c, &crmv1.Lead{Name: "Nobody"})
	wantViolation(t, err, "lead.last_name")

	// Pipedrive's validation errors, on unified names.
	_, err = conn.Contacts.Create(ctx, c, &crmv1.Contact{LastName: "X", CompanyId: "99999"})
	wantViolation(t, err, "contact.company_id")
	if !strings.Contains(err.Error(), "organization 99999 does not exist") {
		t.Errorf("Pipedrive's words: %v", err)
	}
	_, err = conn.Contacts.Update(ctx, c, &crmv1.Contact{Id: "1"}, []string{"first_name", "last_name"})
	wantViolation(t, err, "contact.first_name")
	open, err := conn.Deals.Create(ctx, c, &crmv1.Deal{Name: "Open deal"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Deals.Update(ctx, c, &crmv1.Deal{Id: open.GetId(), LostReason: "Timing"}, []string{"lost_reason"})
	wantViolation(t, err, "deal.lost_reason")
	_, err = conn.Deals.Create(ctx, c, &crmv1.Deal{Name: "X", CustomFields: mustStruct(map[string]any{"Renewal date": "next spring"})})
	wantViolation(t, err, "deal.custom_fields.Renewal date")
	_, err = conn.Leads.Create(ctx, c, &crmv1.Lead{CompanyName: "Y", CustomFields: mustStruct(map[string]any{"Renewal date": "soon"})})
	wantViolation(t, err, "lead.custom_fields.Renewal date")
	_, err = conn.Activities.Create(ctx, c, &crmv1.Activity{Kind: crmv1.ActivityKind_ACTIVITY_KIND_CALL, ContactIds: []string{"99999"}})
	wantViolation(t, err, "activity.contact_ids[0].person_id")
	before, err := conn.Pipelines.Get(ctx, c, "1", connector.GetParams{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Pipelines.Update(ctx, c, &crmv1.Pipeline{Id: "1", Name: "Renamed", Stages: []*crmv1.Stage{{Id: "1", Name: "Qualified", Probability: 10}}}, []string{"name", "stages"})
	wantViolation(t, err, "pipeline.stages")
	if after, _ := conn.Pipelines.Get(ctx, c, "1", connector.GetParams{}); !proto.Equal(after, before) {
		t.Fatalf("a refused stage removal changed the pipeline:\n%v\n%v", before, after)
	}
	_, err = conn.Pipelines.Update(ctx, c, &crmv1.Pipeline{Id: "1", Stages: []*crmv1.Stage{{Id: "2", Name: "B"}, {Id: "1", Name: "A"}}}, []string{"stages"})
	wantViolation(t, err, "pipeline.stages")
}

func TestNotFoundAndMalformedIDs(t *testing.T) {
	emu, c := start(t)
	ctx := context.Background()
	conn := Connector()
	notFound := func(t *testing.T, err error) {
		t.Helper()
		if status.Code(err) != codes.NotFound || apierr.Reason(err) != apierr.ReasonRecordNotFound {
			t.Fatalf("err = %v, want RECORD_NOT_FOUND", err)
		}
	}
	_, err := conn.Deals.Get(ctx, c, "999999", connector.GetParams{})
	notFound(t, err)
	_, err = conn.Leads.Get(ctx, c, "5f1f2bc0-1d6a-41eb-8d27-6f9b2a9e1f3c", connector.GetParams{})
	notFound(t, err)
	_, err = conn.Activities.Get(ctx, c, "note-999999", connector.GetParams{})
	notFound(t, err)
	_, err = conn.Users.Get(ctx, c, "424242", connector.GetParams{})
	notFound(t, err)
	notFound(t, conn.Companies.Delete(ctx, c, "999999"))
	// Pipedrive keeps deleted persons for 30 days; the unified API has them gone.
	if err := conn.Contacts.Delete(ctx, c, "5"); err != nil {
		t.Fatal(err)
	}
	_, err = conn.Contacts.Get(ctx, c, "5", connector.GetParams{})
	notFound(t, err)

	before := emu.Faults.Calls("", "/")
	for _, tc := range []struct {
		call  func() error
		field string
	}{
		{func() error { _, err := conn.Contacts.Get(ctx, c, "abc", connector.GetParams{}); return err }, "id"},
		{func() error { _, err := conn.Deals.Get(ctx, c, "-3", connector.GetParams{}); return err }, "id"},
		{func() error { _, err := conn.Leads.Get(ctx, c, "42", connector.GetParams{}); return err }, "id"},
		{func() error { return conn.Leads.Delete(ctx, c, "5F1F2BC0-1D6A-41EB-8D27-6F9B2A9E1F3C") }, "id"},
		{func() error { _, err := conn.Activities.Get(ctx, c, "note-x", connector.GetParams{}); return err }, "id"},
		{func() error { _, err := conn.Activities.Get(ctx, c, "call-7", connector.GetParams{}); return err }, "id"},
		{func() error {
			_, err := conn.Activities.Update(ctx, c, &crmv1.Activity{Id: "07", Done: true}, []string{"done"})
			return err
		}, "activity.id"},
		{func() error {
			_, err := conn.Companies.Update(ctx, c, &crmv1.Company{Id: "1e3", Name: "x"}, []string{"name"})
			return err
		}, "company.id"},
		{func() error { _, err := conn.Pipelines.Get(ctx, c, "first", connector.GetParams{}); return err }, "id"},
		{func() error { _, err := conn.Users.Get(ctx, c, "me", connector.GetParams{}); return err }, "id"},
	} {
		err := tc.call()
		vs := apierr.Violations(err)
		if status.Code(err) != codes.InvalidArgument || len(vs) != 1 || vs[0].Field != tc.field {
			t.Errorf("err = %v, violations %v; want one on %s", err, vs, tc.field)
		}
	}
	if n := emu.Faults.Calls("", "/") - before; n != 0 {
		t.Fatalf("malformed ids made %d calls", n)
	}
	_, err = conn.Activities.List(ctx, c, connector.ListParams{PageSize: 5, Cursor: "7:zz"})
	if apierr.Reason(err) != apierr.ReasonInvalidPageToken {
		t.Fatalf("a cursor this list did not issue: %v", err)
	}
}

func TestActivityListPagesThroughActivitiesThenNotes(t *testing.T) {
	emu, c := start(t)
	all := connectortest.ListAll(t, c, Connector().Activities, 7, time.Time{}, nil)
	if len(all) != emu.Count("activities")+emu.Count("notes") {
		t.Fatalf("%d activities and notes, want %d", len(all), emu.Count("activities")+emu.Count("notes"))
	}
	kinds := map[crmv1.ActivityKind]int{}
	seen := map[string]bool{}
	for _, a := range all {
		if seen[a.GetId()] {
			t.Fatalf("%s listed twice", a.GetId())
		}
		seen[a.GetId()] = true
		kinds[a.GetKind()]++
		if (a.GetKind() == crmv1.ActivityKind_ACTIVITY_KIND_NOTE) != strings.HasPrefix(a.GetId(), "note-") {
			t.Fatalf("%s is a %v", a.GetId(), a.GetKind())
		}
	}
	if kinds[crmv1.ActivityKind_ACTIVITY_KIND_NOTE] != emu.Count("notes") || kinds[crmv1.ActivityKind_ACTIVITY_KIND_OTHER] == 0 ||
		kinds[crmv1.ActivityKind_ACTIVITY_KIND_CALL] == 0 || kinds[crmv1.ActivityKind_ACTIVITY_KIND_TASK] == 0 {
		t.Fatalf("kinds: %v", kinds)
	}
	// Modified since: both lists filter.
	since := time.Now().Add(-time.Second)
	ctx := context.Background()
	n, err := Connector().Activities.Create(ctx, c, &crmv1.Activity{RemoteKind: "note", Body: "<p>x</p>", ContactIds: []string{"1"}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := Connector().Activities.Create(ctx, c, &crmv1.Activity{Kind: crmv1.ActivityKind_ACTIVITY_KIND_OTHER, RemoteKind: "demo", Subject: "Demo"})
	if err != nil {
		t.Fatal(err)
	}
	recent := connectortest.ListAll(t, c, Connector().Activities, 1, since, nil)
	if len(recent) != 2 || recent[0].GetId() != a.GetId() || recent[1].GetId() != n.GetId() {
		t.Fatalf("modified since: %v", recent)
	}
	_, err = Connector().Activities.Create(ctx, c, &crmv1.Activity{Subject: "no kind"})
	if vs := apierr.Violations(err); len(vs) == 0 || vs[0].Field != "activity.kind" {
		t.Fatalf("an activity without kind: %v", err)
	}
	_, err = Connector().Activities.Create(ctx, c, &crmv1.Activity{Kind: crmv1.ActivityKind_ACTIVITY_KIND_OTHER, RemoteKind: "séance"})
	if vs := apierr.Violations(err); len(vs) == 0 || vs[0].Field != "activity.kind" {
		t.Fatalf("an activity type the account lacks: %v", err)
	}
}

func TestLeadListIncludesArchivedAndStatusWrites(t *testing.T) {
	emu, c := start(t)
	ctx := context.Background()
	conn := Connector()
	all := connectortest.ListAll(t, c, conn.Leads, 4, time.Time{}, nil)
	archived := 0
	for _, l := range all {
		if l.GetStatus() == crmv1.LeadStatus_LEAD_STATUS_UNQUALIFIED {
			archived++
		}
	}
	if len(all) != emu.Count("leads") || archived != 2 {
		t.Fatalf("%d leads (%d archived), want %d (2)", len(all), archived, emu.Count("leads"))
	}
	l, err := conn.Leads.Create(ctx, c, &crmv1.Lead{CompanyName: "Archive Me GmbH", Status: crmv1.LeadStatus_LEAD_STATUS_UNQUALIFIED})
	if err != nil || l.GetStatus() != crmv1.LeadStatus_LEAD_STATUS_UNQUALIFIED || l.GetName() != "Archive Me GmbH" {
		t.Fatalf("archived lead: %v %v", l, err)
	}
	l.Status = crmv1.LeadStatus_LEAD_STATUS_NEW
	l.CompanyName = "Archive Me AG"
	l, err = conn.Leads.Update(ctx, c, l, []string{"status", "company_name"})
	if err != nil || l.GetStatus() != crmv1.LeadStatus_LEAD_STATUS_NEW || l.GetCompanyName() != "Archive Me AG" {
		t.Fatalf("reactivated: %v %v", l, err)
	}
	l.FirstName, l.LastName = "Ines", "Meyer"
	l, err = conn.Leads.Update(ctx, c, l, []string{"first_name", "last_name"})
	if err != nil || l.GetFirstName() != "Ines" || l.GetCompanyName() != "Archive Me AG" {
		t.Fatalf("a person added to an organization's lead: %v %v", l, err)
	}
	l.CompanyName = ""
	if l, err = conn.Leads.Update(ctx, c, l, []string{"company_name"}); err != nil || l.GetCompanyName() != "" || l.GetLastName() != "Meyer" {
		t.Fatalf("organization unlinked: %v %v", l, err)
	}
	l.Status, l.RemoteStatus = crmv1.LeadStatus_LEAD_STATUS_CONVERTED, ""
	_, err = conn.Leads.Update(ctx, c, l, []string{"status"})
	if vs := apierr.Violations(err); len(vs) == 0 || vs[0].Field != "lead.status" {
		t.Fatalf("converting through an update: %v", err)
	}
}

func TestProviderFaults(t *testing.T) {
	emu, c := start(t)
	ctx := context.Background()
	conn := Connector()
	persons := emu.Count("persons")
	connectortest.Faults{
		Faults: emu.Faults, Limiter: emu.Limiter,
		Read: func() error {
			_, err := conn.Contacts.List(ctx, c, connector.ListParams{PageSize: 5})
			return err
		},
		ReadPath: "/api/v2/persons",
		Write: func() error {
			_, err := conn.Contacts.Create(ctx, c, &crmv1.Contact{LastName: "Once"})
			return err
		},
		WritePath: "/api/v2/persons",
	}.Run(t)
	if n := emu.Count("persons"); n != persons {
		t.Fatalf("%d persons after a failed create, want %d", n, persons)
	}
	// The 429's wait comes from Pipedrive's headers.
	emu.Limiter.SetLimit(1, time.Hour)
	defer emu.Limiter.SetLimit(1<<30, time.Second)
	_, _ = conn.Users.List(ctx, c, connector.ListParams{PageSize: 1})
	_, err := conn.Users.List(ctx, c, connector.ListParams{PageSize: 1})
	d, ok := apierr.RetryDelay(err)
	if apierr.Reason(err) != apierr.ReasonProviderRateLimited || !ok || d < 59*time.Minute || d > time.Hour+time.Second {
		t.Fatalf("rate limited: %v, retry in %v", err, d)
	}
}

func TestBadCredentials(t *testing.T) {
	emu := pipedriveemu.New(pipedriveemu.Options{Token: testToken, Seed: true})
	srv := httptest.NewServer(emu)
	defer srv.Close()
	c := connectortest.Conn(t, Descriptor().At(srv.URL), "", connectortest.APIKey("wrong-token-123"), testConfig)
	connectortest.BadCredentials(t, func() error {
		_, err := Connector().Contacts.List(context.Background(), c, connector.ListParams{PageSize: 1})
		return err
	}, "wrong-token-123", "unauthorized access")
	connectortest.BadCredentials(t, func() error {
		_, err := Connector().Leads.Get(context.Background(), c, "5f1f2bc0-1d6a-41eb-8d27-6f9b2a9e1f3c", connector.GetParams{})
		return err
	}, "wrong-token-123", "unauthorized access")
}

func TestFieldsAreCachedPerConnection(t *testing.T) {
	emu, c := start(t)
	ctx := context.Background()
	conn := Connector()
	for range 3 {
		if _, err := conn.Contacts.List(ctx, c, connector.ListParams{PageSize: 2}); err != nil {
			t.Fatal(err)
		}
	}
	if n := emu.Faults.Calls("GET", "/api/v1/personFields"); n != 1 {
		t.Fatalf("person fields read %d times for three lists", n)
	}
	// A field created in Pipedrive since is found on write: the definitions are read again.
	emu.AddCustomField("person", "Shoe size", "double")
	got, err := conn.Contacts.Create(ctx, c, &crmv1.Contact{LastName: "Fit", CustomFields: mustStruct(map[string]any{"Shoe size": 44.0})})
	if err != nil || got.GetCustomFields().AsMap()["Shoe size"] != 44.0 {
		t.Fatalf("new field: %v %v", got, err)
	}
	if n := emu.Faults.Calls("GET", "/api/v1/personFields"); n != 2 {
		t.Fatalf("person fields read %d times", n)
	}
}
