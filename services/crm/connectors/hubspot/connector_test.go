package hubspot

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/connector/connectortest"
	commonv1 "github.com/unimesh/unimesh/proto/unimesh/common/v1"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
	"github.com/unimesh/unimesh/services/crm/connectors"
	"github.com/unimesh/unimesh/services/crm/connectors/hubspot/hubspotemu"
)

const testToken = "pat-na1-7f3c2a10-test"

// Seeded ids (the emulator numbers each object from its own base).
const (
	firstContact = "51001"
	firstCompany = "18540000001"
	firstDeal    = "21870000001"
	firstOwner   = "81734001"
)

// start serves a seeded emulator and connects to it with a fresh
// connector (its caches are per connector).
func start(t *testing.T) (*hubspotemu.Emulator, *connector.Conn, connectors.CRM) {
	t.Helper()
	emu := hubspotemu.New(hubspotemu.Options{Token: testToken, Seed: true})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return emu, connectortest.Conn(t, Descriptor().At(srv.URL), "", connectortest.APIKey(testToken), nil), Connector()
}

func mustStruct(m map[string]any) *structpb.Struct {
	s, err := structpb.NewStruct(m)
	if err != nil {
		panic(err)
	}
	return s
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func activityCount(emu *hubspotemu.Emulator) int {
	n := 0
	for _, typ := range []string{"notes", "calls", "meetings", "emails", "tasks"} {
		n += emu.Len(typ)
	}
	return n
}

func TestRoundTrips(t *testing.T) {
	t.Run("contact", func(t *testing.T) {
		emu, c, conn := start(t)
		connectortest.RoundTrip[*crmv1.Contact]{
			Seeded: emu.Len("contacts"),
			Create: &crmv1.Contact{
				FirstName: "Katherine", LastName: "Johnson", Title: "Mathematician", CompanyId: firstCompany,
				Emails:       []*commonv1.Email{{Address: "kj@nasa.example", Type: commonv1.EmailType_EMAIL_TYPE_WORK}},
				Phones:       []*commonv1.Phone{{Number: "+14155550100", Type: commonv1.PhoneType_PHONE_TYPE_MOBILE}},
				CustomFields: mustStruct(map[string]any{"nps_score": 9.0, "preferred_language": "en"}),
			},
			Mask: []string{"title", "custom_fields", "company_id"},
			Change: func(c *crmv1.Contact) {
				c.Title = "Director"
				c.FirstName = "ignored because it is not in the mask"
				c.CompanyId = "18540000002"
				c.CustomFields = mustStruct(map[string]any{"nps_score": 10.0})
			},
			Check: func(t *testing.T, got *crmv1.Contact) {
				cf := got.GetCustomFields().AsMap()
				if got.GetTitle() != "Director" || got.GetFirstName() != "Katherine" || cf["nps_score"] != 10.0 || cf["preferred_language"] != "en" {
					t.Errorf("after update: %v", got)
				}
				if got.GetCompanyId() != "18540000002" || len(got.GetPhones()) != 1 || got.GetPhones()[0].GetType() != commonv1.PhoneType_PHONE_TYPE_MOBILE {
					t.Errorf("company or phones: %v", got)
				}
			},
		}.Run(t, c, conn.Contacts)
	})
	t.Run("company", func(t *testing.T) {
		emu, c, conn := start(t)
		connectortest.RoundTrip[*crmv1.Company]{
			Seeded: emu.Len("companies"),
			Create: &crmv1.Company{
				Name: "Analytical Engines Ltd.", Domains: []string{"engines.example"}, Websites: []string{"https://engines.example"},
				EmployeeCount: 12, AnnualRevenue: &commonv1.Money{Units: "1200000.50", CurrencyCode: "USD"}, Industry: "COMPUTER_SOFTWARE",
				Addresses: []*commonv1.Address{{Street_1: "1 King Street", Street_2: "Floor 3", City: "London", PostalCode: "EC1A 1BB", CountryCode: "GB"}},
			},
			Mask:   []string{"employee_count", "websites"},
			Change: func(c *crmv1.Company) { c.EmployeeCount, c.Websites = 40, nil },
			Check: func(t *testing.T, got *crmv1.Company) {
				if got.GetEmployeeCount() != 40 || len(got.GetWebsites()) != 0 || got.GetAnnualRevenue().GetUnits() != "1200000.5" {
					t.Errorf("after update: %v", got)
				}
				if a := got.GetAddresses(); len(a) != 1 || a[0].GetCountryCode() != "GB" || a[0].GetStreet_2() != "Floor 3" {
					t.Errorf("address: %v", a)
				}
			},
		}.Run(t, c, conn.Companies)
	})
	t.Run("deal", func(t *testing.T) {
		emu, c, conn := start(t)
		connectortest.RoundTrip[*crmv1.Deal]{
			Seeded: emu.Len("deals"),
			Create: &crmv1.Deal{Name: "Difference engine", Amount: &commonv1.Money{Units: "5000.00", CurrencyCode: "EUR"},
				CompanyId: firstCompany, ContactIds: []string{firstContact}, ExpectedCloseDate: "2026-03-31"},
			Mask: []string{"status", "lost_reason", "contact_ids"},
			Change: func(d *crmv1.Deal) {
				d.Status, d.LostReason, d.ContactIds = crmv1.DealStatus_DEAL_STATUS_LOST, "Too early", nil
			},
			Check: func(t *testing.T, got *crmv1.Deal) {
				if got.GetStatus() != crmv1.DealStatus_DEAL_STATUS_LOST || got.GetStageId() != "closedlost" || got.GetCloseTime() == nil ||
					got.GetLostReason() != "Too early" || len(got.GetContactIds()) != 0 || got.GetCompanyId() != firstCompany {
					t.Errorf("after losing it: %v", got)
				}
			},
		}.Run(t, c, conn.Deals)
	})
	t.Run("lead", func(t *testing.T) {
		emu, c, conn := start(t)
		connectortest.RoundTrip[*crmv1.Lead]{
			Seeded: emu.Len("leads"),
			Create: &crmv1.Lead{FirstName: "Hedy", LastName: "Lamarr", CompanyName: "Frequency Hopping Inc.",
				Emails: []*commonv1.Email{{Address: "hedy@fh.example"}}},
			Mask:   []string{"status", "title"},
			Change: func(l *crmv1.Lead) { l.Status, l.Title = crmv1.LeadStatus_LEAD_STATUS_QUALIFIED, "Inventor" },
			Check: func(t *testing.T, got *crmv1.Lead) {
				if got.GetStatus() != crmv1.LeadStatus_LEAD_STATUS_QUALIFIED || got.GetRemoteStatus() != "qualified-stage-id" ||
					got.GetName() != "Hedy Lamarr" || got.GetTitle() != "Inventor" || got.GetCompanyName() != "Frequency Hopping Inc." {
					t.Errorf("after update: %v", got)
				}
			},
		}.Run(t, c, conn.Leads)
	})
	t.Run("activity", func(t *testing.T) {
		emu, c, conn := start(t)
		connectortest.RoundTrip[*crmv1.Activity]{
			Seeded: activityCount(emu),
			Create: &crmv1.Activity{
				Kind: crmv1.ActivityKind_ACTIVITY_KIND_TASK, Subject: "Send proposal", DueTime: timestamppb.New(ts("2026-01-10T12:00:00Z")),
				ContactIds: []string{firstContact}, DealIds: []string{firstDeal},
			},
			Mask:   []string{"done", "company_ids"},
			Change: func(a *crmv1.Activity) { a.Done, a.CompanyIds = true, []string{firstCompany} },
			Check: func(t *testing.T, got *crmv1.Activity) {
				if !got.GetDone() || got.GetKind() != crmv1.ActivityKind_ACTIVITY_KIND_TASK || got.GetSubject() != "Send proposal" ||
					len(got.GetCompanyIds()) != 1 || len(got.GetContactIds()) != 1 {
					t.Errorf("after update: %v", got)
				}
			},
		}.Run(t, c, conn.Activities)
	})
	t.Run("pipeline", func(t *testing.T) {
		_, c, conn := start(t)
		connectortest.RoundTrip[*crmv1.Pipeline]{
			Seeded: 2,
			Create: &crmv1.Pipeline{Name: "Renewals", Active: true, DisplayOrder: 2, Stages: []*crmv1.Stage{
				{Name: "Due", Probability: 50}, {Name: "Renewed", IsWon: true, IsClosed: true, Probability: 100},
			}},
			Mask: []string{"stages"},
			Change: func(p *crmv1.Pipeline) {
				if len(p.GetStages()) != 2 || p.GetStages()[0].GetId() == "" || !p.GetStages()[1].GetIsWon() {
					t.Fatalf("created: %v", p)
				}
				p.Stages = append(p.Stages, &crmv1.Stage{Name: "Churned", IsClosed: true})
			},
			Check: func(t *testing.T, got *crmv1.Pipeline) {
				if len(got.GetStages()) != 3 || got.GetStages()[0].GetName() != "Due" || got.GetStages()[2].GetIsWon() || !got.GetStages()[2].GetIsClosed() {
					t.Errorf("after adding a stage: %v", got)
				}
			},
		}.Run(t, c, conn.Pipelines)
	})
}

func TestDealWithOnlyNameAndAmount(t *testing.T) {
	_, c, conn := start(t)
	d, err := conn.Deals.Create(context.Background(), c, &crmv1.Deal{Name: "Minimal", Amount: &commonv1.Money{Units: "10"}})
	if err != nil {
		t.Fatal(err)
	}
	if d.GetPipelineId() != "default" || d.GetStageId() != "appointmentscheduled" || d.GetStatus() != crmv1.DealStatus_DEAL_STATUS_OPEN ||
		d.GetProbability() != 20 || d.GetAmount().GetCurrencyCode() != "USD" {
		t.Fatalf("minimal deal: %v", d)
	}
}
