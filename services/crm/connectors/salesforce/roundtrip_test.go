package salesforce

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/connector/connectortest"
	commonv1 "github.com/unimesh/unimesh/proto/unimesh/common/v1"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
	"github.com/unimesh/unimesh/services/crm/connectors/salesforce/salesforceemu"
)

const testToken = "00DHs0000001abc!AQ4AQFakeAccessToken"

// instance is a connection's config; the emulator stands in for the host.
var instance = map[string]string{"instance_url": "https://acme.my.salesforce.com"}

func start(t *testing.T) (*salesforceemu.Emulator, *connector.Conn) {
	t.Helper()
	emu := salesforceemu.New(salesforceemu.Options{Token: testToken, Seed: true})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return emu, connectortest.Conn(t, Descriptor().At(srv.URL), "", connectortest.OAuth2(testToken),
		instance)
}

func mustStruct(m map[string]any) *structpb.Struct {
	s, err := structpb.NewStruct(m)
	if err != nil {
		panic(err)
	}
	return s
}

// someID is the id of the n-th record of object in the emulator.
func someID(t *testing.T, emu *salesforceemu.Emulator, object string, n int) string {
	t.Helper()
	all := emu.Collection(object).All()
	if len(all) <= n {
		t.Fatalf("the emulator has %d %s records", len(all), object)
	}
	return all[n]["Id"].(string)
}

func TestRoundTrips(t *testing.T) {
	emu, c := start(t)
	conn := Connector()
	account := someID(t, emu, "Account", 0)
	contact := someID(t, emu, "Contact", 0)

	t.Run("contact", func(t *testing.T) {
		connectortest.RoundTrip[*crmv1.Contact]{
			Seeded: emu.Count("Contact"),
			Create: &crmv1.Contact{
				FirstName: "Katherine", LastName: "Johnson", Title: "Mathematician", CompanyId: account,
				Emails:       []*commonv1.Email{{Address: "kj@nasa.example", Type: commonv1.EmailType_EMAIL_TYPE_WORK}},
				Phones:       []*commonv1.Phone{{Number: "+14155550123", Type: commonv1.PhoneType_PHONE_TYPE_WORK}, {RawNumber: "(650) 555-0199", Type: commonv1.PhoneType_PHONE_TYPE_MOBILE}},
				Addresses:    []*commonv1.Address{{Street_1: "1 Rocket Road", Street_2: "Building 4", City: "Hampton", Region: "VA", PostalCode: "23666", CountryCode: "US"}},
				CustomFields: mustStruct(map[string]any{"Lead_Score__c": 99.0, "Preferred_Language__c": "en"}),
			},
			Mask: []string{"title", "custom_fields"},
			Change: func(c *crmv1.Contact) {
				c.Title = "Director"
				c.FirstName = "ignored because it is not in the mask"
				c.CustomFields = mustStruct(map[string]any{"Lead_Score__c": 100.0})
			},
			Check: func(t *testing.T, got *crmv1.Contact) {
				cf := got.GetCustomFields().AsMap()
				if got.GetTitle() != "Director" || got.GetFirstName() != "Katherine" || cf["Lead_Score__c"] != 100.0 || cf["Preferred_Language__c"] != "en" {
					t.Errorf("after update: %v", got)
				}
				if got.GetName() != "Katherine Johnson" || got.GetCompanyId() != account || len(got.GetPhones()) != 2 || len(got.GetAddresses()) != 1 {
					t.Errorf("fields lost: %v", got)
				}
			},
		}.Run(t, c, conn.Contacts)
	})
	t.Run("company", func(t *testing.T) {
		connectortest.RoundTrip[*crmv1.Company]{
			Seeded: emu.Count("Account"),
			Create: &crmv1.Company{
				Name: "Analytical Engines Ltd.", Websites: []string{"https://engines.example"}, Industry: "Engineering",
				EmployeeCount: 12, AnnualRevenue: &commonv1.Money{Units: "1200000", CurrencyCode: "USD"},
				Addresses: []*commonv1.Address{{Street_1: "12 Babbage Lane", City: "London", PostalCode: "EC1A 1BB", CountryCode: "GB", Type: commonv1.AddressType_ADDRESS_TYPE_BILLING}},
			},
			Mask:   []string{"employee_count", "websites"},
			Change: func(c *crmv1.Company) { c.EmployeeCount, c.Websites = 40, nil },
			Check: func(t *testing.T, got *crmv1.Company) {
				if got.GetEmployeeCount() != 40 || len(got.GetWebsites()) != 0 || got.GetAnnualRevenue().GetUnits() != "1200000" {
					t.Errorf("after update: %v", got)
				}
			},
		}.Run(t, c, conn.Companies)
	})
	t.Run("deal", func(t *testing.T) {
		connectortest.RoundTrip[*crmv1.Deal]{
			Seeded: emu.Count("Opportunity"),
			Create: &crmv1.Deal{Name: "Difference engine", Amount: &commonv1.Money{Units: "5000.50", CurrencyCode: "USD"}, CompanyId: account},
			Mask:   []string{"status"},
			Change: func(d *crmv1.Deal) { d.Status = crmv1.DealStatus_DEAL_STATUS_LOST },
			Check: func(t *testing.T, got *crmv1.Deal) {
				if got.GetStatus() != crmv1.DealStatus_DEAL_STATUS_LOST || got.GetCloseTime() == nil || got.GetRemoteStatus() != "Closed Lost" {
					t.Errorf("after losing it: %v", got)
				}
				if got.GetAmount().GetUnits() != "5000.50" {
					t.Errorf("amount: %v", got.GetAmount())
				}
			},
		}.Run(t, c, conn.Deals)
	})
	t.Run("lead", func(t *testing.T) {
		connectortest.RoundTrip[*crmv1.Lead]{
			Seeded: emu.Count("Lead"),
			Create: &crmv1.Lead{
				FirstName: "Hedy", LastName: "Lamarr", CompanyName: "Frequency Hopping Inc.",
				Emails: []*commonv1.Email{{Address: "hedy@fh.example"}},
			},
			Mask:   []string{"status"},
			Change: func(l *crmv1.Lead) { l.Status = crmv1.LeadStatus_LEAD_STATUS_WORKING },
			Check: func(t *testing.T, got *crmv1.Lead) {
				if got.GetStatus() != crmv1.LeadStatus_LEAD_STATUS_WORKING || got.GetRemoteStatus() != "Working - Contacted" || got.GetName() != "Hedy Lamarr" {
					t.Errorf("after update: %v", got)
				}
			},
		}.Run(t, c, conn.Leads)
	})
	t.Run("task", func(t *testing.T) {
		connectortest.RoundTrip[*crmv1.Activity]{
			Seeded: emu.Count("Task") + emu.Count("Event"),
			Create: &crmv1.Activity{
				Kind: crmv1.ActivityKind_ACTIVITY_KIND_CALL, Subject: "Discuss proposal", Direction: crmv1.ActivityDirection_ACTIVITY_DIRECTION_OUTBOUND,
				DueTime: timestamppb.New(time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)), ContactIds: []string{contact}, CompanyIds: []string{account},
			},
			Mask:   []string{"done"},
			Change: func(a *crmv1.Activity) { a.Done = true },
			Check: func(t *testing.T, got *crmv1.Activity) {
				if !got.GetDone() || got.GetKind() != crmv1.ActivityKind_ACTIVITY_KIND_CALL || got.GetRemoteKind() != "Call" || got.GetSubject() != "Discuss proposal" {
					t.Errorf("after update: %v", got)
				}
			},
		}.Run(t, c, conn.Activities)
	})
	t.Run("event", func(t *testing.T) {
		start := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Minute)
		connectortest.RoundTrip[*crmv1.Activity]{
			Seeded: emu.Count("Task") + emu.Count("Event"),
			Create: &crmv1.Activity{
				Kind: crmv1.ActivityKind_ACTIVITY_KIND_MEETING, Subject: "On-site demo",
				StartTime: timestamppb.New(start), EndTime: timestamppb.New(start.Add(time.Hour)), ContactIds: []string{contact},
			},
			Mask: []string{"end_time", "subject"},
			Change: func(a *crmv1.Activity) {
				a.EndTime, a.Subject = timestamppb.New(start.Add(90*time.Minute)), "On-site demo (long)"
			},
			Check: func(t *testing.T, got *crmv1.Activity) {
				if got.GetKind() != crmv1.ActivityKind_ACTIVITY_KIND_MEETING || !got.GetEndTime().AsTime().Equal(start.Add(90*time.Minute)) || got.GetDone() {
					t.Errorf("after update: %v", got)
				}
			},
		}.Run(t, c, conn.Activities)
	})
}

func TestUsersAndPipeline(t *testing.T) {
	_, c := start(t)
	conn := Connector()
	users := connectortest.ListAll(t, c, conn.Users, 3, time.Time{}, nil)
	if len(users) != 9 {
		t.Fatalf("%d users, want the 9 standard ones", len(users))
	}
	got, err := conn.Users.Get(context.Background(), c, users[1].GetId(), connector.GetParams{})
	if err != nil || got.GetRole() == "" {
		t.Fatalf("user: %v %v", got, err)
	}
	pipes := connectortest.ListAll(t, c, conn.Pipelines, 10, time.Time{}, nil)
	if len(pipes) != 1 || len(pipes[0].GetStages()) != 10 {
		t.Fatalf("pipelines: %v", pipes)
	}
}

func equalProto(a, b proto.Message) bool { return proto.Equal(a, b) }
