package sandbox

import (
	"context"
	"math"
	"sort"
	"strconv"

	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/normalize"
	"github.com/unimesh/unimesh/pkg/sandboxapi"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
	"github.com/unimesh/unimesh/services/crm/connectors"
)

// Slug is the integration's slug.
const Slug = "sandbox-crm"

// Descriptor describes Sandbox CRM served at baseURL (the emulator's root).
func Descriptor(baseURL string) *connector.Descriptor {
	return sandboxapi.Descriptor(Slug, "Sandbox CRM", platformv1.Category_CATEGORY_CRM, baseURL)
}

// Connector returns the CRM connector of Sandbox CRM.
func Connector() connectors.CRM {
	return connectors.CRM{
		Contacts: sandboxapi.Object(sandboxapi.Mapping[Person, *crmv1.Contact]{
			Path: "/v1/people", Object: "contact", Integration: Slug, Read: personToContact, Write: contactFields, Wire: contactWireFields,
		}),
		Companies: sandboxapi.Object(sandboxapi.Mapping[Organization, *crmv1.Company]{
			Path: "/v1/organizations", Object: "company", Integration: Slug, Read: organizationToCompany, Write: companyFields, Wire: companyWireFields,
		}),
		Deals: dealObject(),
		Leads: sandboxapi.Object(sandboxapi.Mapping[Lead, *crmv1.Lead]{
			Path: "/v1/leads", Object: "lead", Integration: Slug, Read: leadToLead, Write: leadFields, Wire: leadWireFields,
		}),
		Activities: sandboxapi.Object(sandboxapi.Mapping[Activity, *crmv1.Activity]{
			Path: "/v1/activities", Object: "activity", Integration: Slug, Read: activityToActivity, Write: activityFields, Wire: activityWireFields,
		}),
		Pipelines: pipelineObject(),
		Users:     sandboxapi.Object(sandboxapi.Mapping[User, *crmv1.User]{Path: "/v1/users", Object: "user", Integration: Slug, Read: userToUser}),
	}
}

// --- contacts ---------------------------------------------------------------

func personToContact(p Person) *crmv1.Contact {
	return &crmv1.Contact{
		Id:           strconv.FormatInt(p.ID, 10),
		FirstName:    p.FirstName,
		LastName:     p.LastName,
		Name:         p.FullName,
		Title:        p.JobTitle,
		Emails:       sandboxapi.EmailsToProto(p.Emails),
		Phones:       sandboxapi.PhonesToProto(p.Phones),
		Addresses:    sandboxapi.AddressesToProto(p.Addresses),
		CompanyId:    connector.FormatID(p.OrganizationID),
		OwnerId:      connector.FormatID(p.OwnerID),
		DealIds:      connector.FormatIDs(p.OpportunityIDs),
		Tags:         p.Labels,
		CustomFields: normalize.Struct(p.Custom),
		CreateTime:   normalize.Timestamp(p.CreatedAt),
		UpdateTime:   normalize.Timestamp(p.UpdatedAt),
	}
}

// contactWireFields maps Sandbox CRM's field names in its errors to ours.
var contactWireFields = map[string]string{
	"first_name": "first_name", "last_name": "last_name", "job_title": "title", "emails": "emails", "phones": "phones",
	"addresses": "addresses", "organization_id": "company_id", "owner_id": "owner_id", "labels": "tags", "custom": "custom_fields",
}

var contactFields = connector.Fields[*crmv1.Contact]{
	"first_name": func(c *crmv1.Contact, b map[string]any) error { b["first_name"] = c.GetFirstName(); return nil },
	"last_name":  func(c *crmv1.Contact, b map[string]any) error { b["last_name"] = c.GetLastName(); return nil },
	"name": func(c *crmv1.Contact, b map[string]any) error {
		// The full name is Sandbox CRM's own, made of the parts; it is used
		// only when the parts are not given.
		if c.GetFirstName() == "" && c.GetLastName() == "" {
			b["first_name"], b["last_name"] = normalize.FirstLast(c.GetName())
		}
		return nil
	},
	"title": func(c *crmv1.Contact, b map[string]any) error { b["job_title"] = c.GetTitle(); return nil },
	"emails": func(c *crmv1.Contact, b map[string]any) error {
		b["emails"] = sandboxapi.EmailsFromProto(c.GetEmails())
		return nil
	},
	"phones": func(c *crmv1.Contact, b map[string]any) error {
		b["phones"] = sandboxapi.PhonesFromProto(c.GetPhones())
		return nil
	},
	"addresses": func(c *crmv1.Contact, b map[string]any) error {
		b["addresses"] = sandboxapi.AddressesFromProto(c.GetAddresses())
		return nil
	},
	"company_id": func(c *crmv1.Contact, b map[string]any) error {
		return sandboxapi.SetID(b, "organization_id", "company_id", c.GetCompanyId())
	},
	"owner_id": func(c *crmv1.Contact, b map[string]any) error {
		return sandboxapi.SetID(b, "owner_id", "owner_id", c.GetOwnerId())
	},
	"tags": func(c *crmv1.Contact, b map[string]any) error {
		b["labels"] = sandboxapi.NonNil(c.GetTags())
		return nil
	},
	"custom_fields": func(c *crmv1.Contact, b map[string]any) error {
		b["custom"] = sandboxapi.Custom(c.GetCustomFields())
		return nil
	},
}

// --- companies --------------------------------------------------------------

func organizationToCompany(o Organization) *crmv1.Company {
	var websites []string
	if o.Website != "" {
		websites = []string{o.Website}
	}
	var employees int32
	if o.Headcount != nil {
		employees = *o.Headcount
	}
	return &crmv1.Company{
		Id:            strconv.FormatInt(o.ID, 10),
		Name:          o.Name,
		Domains:       o.Domains,
		Websites:      websites,
		Industry:      o.Industry,
		EmployeeCount: employees,
		AnnualRevenue: sandboxapi.MoneyToProto(o.AnnualRevenue),
		Description:   o.About,
		Addresses:     sandboxapi.AddressesToProto(o.Addresses),
		Phones:        sandboxapi.PhonesToProto(o.Phones),
		OwnerId:       connector.FormatID(o.OwnerID),
		Tags:          o.Labels,
		CustomFields:  normalize.Struct(o.Custom),
		CreateTime:    normalize.Timestamp(o.CreatedAt),
		UpdateTime:    normalize.Timestamp(o.UpdatedAt),
	}
}

var companyWireFields = map[string]string{
	"name": "name", "domains": "domains", "website": "websites", "industry": "industry", "headcount": "employee_count",
	"annual_revenue": "annual_revenue", "about": "description", "addresses": "addresses", "phones": "phones",
	"owner_id": "owner_id", "labels": "tags", "custom": "custom_fields",
}

var companyFields = connector.Fields[*crmv1.Company]{
	"name": func(c *crmv1.Company, b map[string]any) error { b["name"] = c.GetName(); return nil },
	"domains": func(c *crmv1.Company, b map[string]any) error {
		b["domains"] = sandboxapi.NonNil(c.GetDomains())
		return nil
	},
	"websites": func(c *crmv1.Company, b map[string]any) error {
		switch n := len(c.GetWebsites()); {
		case n > 1:
			return connector.BadField("websites", "Sandbox CRM keeps one website per organization")
		case n == 1:
			b["website"] = c.GetWebsites()[0]
		default:
			b["website"] = ""
		}
		return nil
	},
	"industry":       func(c *crmv1.Company, b map[string]any) error { b["industry"] = c.GetIndustry(); return nil },
	"employee_count": func(c *crmv1.Company, b map[string]any) error { b["headcount"] = c.GetEmployeeCount(); return nil },
	"annual_revenue": func(c *crmv1.Company, b map[string]any) error {
		b["annual_revenue"] = sandboxapi.MoneyFromProto(c.GetAnnualRevenue())
		if m := c.GetAnnualRevenue(); m != nil && m.GetCurrencyCode() == "" {
			return connector.BadField("annual_revenue.currency_code", "Sandbox CRM needs the currency of an amount")
		}
		return nil
	},
	"description": func(c *crmv1.Company, b map[string]any) error { b["about"] = c.GetDescription(); return nil },
	"addresses": func(c *crmv1.Company, b map[string]any) error {
		b["addresses"] = sandboxapi.AddressesFromProto(c.GetAddresses())
		return nil
	},
	"phones": func(c *crmv1.Company, b map[string]any) error {
		b["phones"] = sandboxapi.PhonesFromProto(c.GetPhones())
		return nil
	},
	"owner_id": func(c *crmv1.Company, b map[string]any) error {
		return sandboxapi.SetID(b, "owner_id", "owner_id", c.GetOwnerId())
	},
	"tags": func(c *crmv1.Company, b map[string]any) error {
		b["labels"] = sandboxapi.NonNil(c.GetTags())
		return nil
	},
	"custom_fields": func(c *crmv1.Company, b map[string]any) error {
		b["custom"] = sandboxapi.Custom(c.GetCustomFields())
		return nil
	},
}

// --- deals ------------------------------------------------------------------

// dealStates: "abandoned" has no unified value; it reads as OTHER.
var dealStates = connector.Enum[crmv1.DealStatus]{
	Provider: "Sandbox CRM",
	Required: true,
	Read: map[string]crmv1.DealStatus{
		"open": crmv1.DealStatus_DEAL_STATUS_OPEN, "won": crmv1.DealStatus_DEAL_STATUS_WON, "lost": crmv1.DealStatus_DEAL_STATUS_LOST,
		"abandoned": crmv1.DealStatus_DEAL_STATUS_OTHER,
	},
	Write: map[crmv1.DealStatus]string{
		crmv1.DealStatus_DEAL_STATUS_OPEN: "open", crmv1.DealStatus_DEAL_STATUS_WON: "won", crmv1.DealStatus_DEAL_STATUS_LOST: "lost",
	},
	Other: crmv1.DealStatus_DEAL_STATUS_OTHER,
}

var dealStatusWriter, dealRemoteStatusWriter = connector.EnumWriters(dealStates, "state", "status",
	func(d *crmv1.Deal) (crmv1.DealStatus, string) { return d.GetStatus(), d.GetRemoteStatus() })

func opportunityToDeal(o Opportunity) *crmv1.Deal {
	status := dealStates.ToProto(o.State)
	var prob float64
	if o.WinProbability != nil {
		prob = percent(*o.WinProbability)
	}
	return &crmv1.Deal{
		Id:                strconv.FormatInt(o.ID, 10),
		Name:              o.Title,
		Amount:            sandboxapi.MoneyToProto(o.Value),
		Status:            status,
		RemoteStatus:      o.State,
		PipelineId:        strconv.FormatInt(o.PipelineID, 10),
		StageId:           strconv.FormatInt(o.StageID, 10),
		Probability:       prob,
		ExpectedCloseDate: o.ExpectedClose,
		CloseTime:         normalize.TimestampPtr(o.ClosedAt),
		LostReason:        o.LossReason,
		CompanyId:         connector.FormatID(o.OrganizationID),
		ContactIds:        connector.FormatIDs(o.PersonIDs),
		OwnerId:           connector.FormatID(o.OwnerID),
		Source:            o.Source,
		CustomFields:      normalize.Struct(o.Custom),
		CreateTime:        normalize.Timestamp(o.CreatedAt),
		UpdateTime:        normalize.Timestamp(o.UpdatedAt),
	}
}

// percent turns Sandbox CRM's 0..1 probability into a percentage, without
// the float noise of a plain multiplication (0.29*100 = 28.999999999999996).
func percent(p float64) float64 { return math.Round(p*100*1e6) / 1e6 }

var dealWireFields = map[string]string{
	"title": "name", "value": "amount", "state": "status", "pipeline_id": "pipeline_id", "stage_id": "stage_id",
	"win_probability": "probability", "expected_close": "expected_close_date", "loss_reason": "lost_reason",
	"organization_id": "company_id", "person_ids": "contact_ids", "owner_id": "owner_id", "source": "source", "custom": "custom_fields",
}

var dealFields = connector.Fields[*crmv1.Deal]{
	"name": func(d *crmv1.Deal, b map[string]any) error { b["title"] = d.GetName(); return nil },
	"amount": func(d *crmv1.Deal, b map[string]any) error {
		b["value"] = sandboxapi.MoneyFromProto(d.GetAmount())
		if m := d.GetAmount(); m != nil && m.GetCurrencyCode() == "" {
			return connector.BadField("amount.currency_code", "Sandbox CRM needs the currency of an amount")
		}
		return nil
	},
	"status":        dealStatusWriter,
	"remote_status": dealRemoteStatusWriter,
	"pipeline_id": func(d *crmv1.Deal, b map[string]any) error {
		return setIDValue(b, "pipeline_id", "pipeline_id", d.GetPipelineId())
	},
	"stage_id": func(d *crmv1.Deal, b map[string]any) error {
		return setIDValue(b, "stage_id", "stage_id", d.GetStageId())
	},
	"probability": func(d *crmv1.Deal, b map[string]any) error {
		b["win_probability"] = d.GetProbability() / 100
		return nil
	},
	"expected_close_date": func(d *crmv1.Deal, b map[string]any) error {
		b["expected_close"] = d.GetExpectedCloseDate()
		return nil
	},
	"lost_reason": func(d *crmv1.Deal, b map[string]any) error { b["loss_reason"] = d.GetLostReason(); return nil },
	"company_id": func(d *crmv1.Deal, b map[string]any) error {
		return sandboxapi.SetID(b, "organization_id", "company_id", d.GetCompanyId())
	},
	"contact_ids": func(d *crmv1.Deal, b map[string]any) error {
		return sandboxapi.SetIDs(b, "person_ids", "contact_ids", d.GetContactIds())
	},
	"owner_id": func(d *crmv1.Deal, b map[string]any) error {
		return sandboxapi.SetID(b, "owner_id", "owner_id", d.GetOwnerId())
	},
	"source": func(d *crmv1.Deal, b map[string]any) error { b["source"] = d.GetSource(); return nil },
	"custom_fields": func(d *crmv1.Deal, b map[string]any) error {
		b["custom"] = sandboxapi.Custom(d.GetCustomFields())
		return nil
	},
}

func dealObject() connector.Object[*crmv1.Deal] {
	o := sandboxapi.Object(sandboxapi.Mapping[Opportunity, *crmv1.Deal]{
		Path: "/v1/opportunities", Object: "deal", Integration: Slug, Read: opportunityToDeal, Write: dealFields, Wire: dealWireFields,
	})
	create := o.Create
	// Sandbox CRM needs a stage on every opportunity. The unified API asks
	// for none: a deal created without one lands in the default pipeline's
	// (or its given pipeline's) first open stage.
	o.Create = func(ctx context.Context, c *connector.Conn, d *crmv1.Deal) (*crmv1.Deal, error) {
		if d.GetStageId() == "" {
			stage, err := firstOpenStage(ctx, c, d.GetPipelineId())
			if err != nil {
				return nil, err
			}
			d.StageId = stage
		}
		return create(ctx, c, d)
	}
	return o
}

func firstOpenStage(ctx context.Context, c *connector.Conn, pipelineID string) (string, error) {
	items, _, err := sandboxapi.List[Pipeline](ctx, c, "/v1/pipelines", connector.ListParams{PageSize: sandboxapi.MaxLimit}, nil)
	if err != nil {
		return "", err
	}
	var candidates []Pipeline
	for _, it := range items {
		p := it.Rec
		if pipelineID != "" && strconv.FormatInt(p.ID, 10) == pipelineID || pipelineID == "" && p.Active {
			candidates = append(candidates, p)
		}
	}
	if len(candidates) == 0 {
		if pipelineID != "" {
			return "", connector.FieldErrorsOf("deal", Slug, connector.BadField("pipeline_id", "pipeline %s does not exist", pipelineID))
		}
		return "", connector.FieldErrorsOf("deal", Slug, connector.BadField("stage_id", "Sandbox CRM has no active pipeline to put the deal in; set stage_id"))
	}
	sort.Slice(candidates, func(i, j int) bool { return candidates[i].Position < candidates[j].Position })
	stages := append([]Stage(nil), candidates[0].Stages...)
	sort.Slice(stages, func(i, j int) bool { return stages[i].Position < stages[j].Position })
	for _, s := range stages {
		if s.Type == "open" {
			return strconv.FormatInt(s.ID, 10), nil
		}
	}
	return "", connector.FieldErrorsOf("deal", Slug, connector.BadField("stage_id", "pipeline %d has no open stage; set stage_id", candidates[0].ID))
}

// --- leads ------------------------------------------------------------------

// leadStatuses: "nurturing" has no unified value; it reads as OTHER.
var leadStatuses = connector.Enum[crmv1.LeadStatus]{
	Provider: "Sandbox CRM",
	Required: true,
	Read: map[string]crmv1.LeadStatus{
		"new": crmv1.LeadStatus_LEAD_STATUS_NEW, "contacted": crmv1.LeadStatus_LEAD_STATUS_WORKING,
		"qualified": crmv1.LeadStatus_LEAD_STATUS_QUALIFIED, "disqualified": crmv1.LeadStatus_LEAD_STATUS_UNQUALIFIED,
		"converted": crmv1.LeadStatus_LEAD_STATUS_CONVERTED, "nurturing": crmv1.LeadStatus_LEAD_STATUS_OTHER,
	},
	Write: map[crmv1.LeadStatus]string{
		crmv1.LeadStatus_LEAD_STATUS_NEW: "new", crmv1.LeadStatus_LEAD_STATUS_WORKING: "contacted",
		crmv1.LeadStatus_LEAD_STATUS_QUALIFIED: "qualified", crmv1.LeadStatus_LEAD_STATUS_UNQUALIFIED: "disqualified",
		crmv1.LeadStatus_LEAD_STATUS_CONVERTED: "converted",
	},
	Other: crmv1.LeadStatus_LEAD_STATUS_OTHER,
}

var leadStatusWriter, leadRemoteStatusWriter = connector.EnumWriters(leadStatuses, "status", "status",
	func(l *crmv1.Lead) (crmv1.LeadStatus, string) { return l.GetStatus(), l.GetRemoteStatus() })

func leadToLead(l Lead) *crmv1.Lead {
	status := leadStatuses.ToProto(l.Status)
	out := &crmv1.Lead{
		Id:           strconv.FormatInt(l.ID, 10),
		Name:         l.Title,
		FirstName:    l.FirstName,
		LastName:     l.LastName,
		Title:        l.JobTitle,
		CompanyName:  l.Company,
		Status:       status,
		RemoteStatus: l.Status,
		Source:       l.Source,
		OwnerId:      connector.FormatID(l.OwnerID),
		CustomFields: normalize.Struct(l.Custom),
		CreateTime:   normalize.Timestamp(l.CreatedAt),
		UpdateTime:   normalize.Timestamp(l.UpdatedAt),
	}
	if l.Email != "" {
		out.Emails = sandboxapi.EmailsToProto([]sandboxapi.Email{{Address: l.Email, Label: "work"}})
	}
	if l.Phone != "" {
		out.Phones = sandboxapi.PhonesToProto([]sandboxapi.Phone{{Number: l.Phone, Label: "work"}})
	}
	if l.Address != nil {
		out.Addresses = sandboxapi.AddressesToProto([]sandboxapi.Address{*l.Address})
	}
	if cv := l.Converted; cv != nil {
		out.ConvertedContactId = connector.FormatID(cv.PersonID)
		out.ConvertedCompanyId = connector.FormatID(cv.OrganizationID)
		out.ConvertedDealId = connector.FormatID(cv.OpportunityID)
		out.ConvertedTime = normalize.Timestamp(cv.At)
	}
	return out
}

var leadWireFields = map[string]string{
	"title": "name", "first_name": "first_name", "last_name": "last_name", "job_title": "title", "email": "emails",
	"phone": "phones", "company": "company_name", "address": "addresses", "status": "status", "source": "source",
	"owner_id": "owner_id", "custom": "custom_fields",
}

var leadFields = connector.Fields[*crmv1.Lead]{
	"name":       func(l *crmv1.Lead, b map[string]any) error { b["title"] = l.GetName(); return nil },
	"first_name": func(l *crmv1.Lead, b map[string]any) error { b["first_name"] = l.GetFirstName(); return nil },
	"last_name":  func(l *crmv1.Lead, b map[string]any) error { b["last_name"] = l.GetLastName(); return nil },
	"title":      func(l *crmv1.Lead, b map[string]any) error { b["job_title"] = l.GetTitle(); return nil },
	"emails": func(l *crmv1.Lead, b map[string]any) error {
		switch n := len(l.GetEmails()); {
		case n > 1:
			return connector.BadField("emails", "Sandbox CRM keeps one email address per lead")
		case n == 1:
			b["email"] = l.GetEmails()[0].GetAddress()
		default:
			b["email"] = ""
		}
		return nil
	},
	"phones": func(l *crmv1.Lead, b map[string]any) error {
		switch n := len(l.GetPhones()); {
		case n > 1:
			return connector.BadField("phones", "Sandbox CRM keeps one phone number per lead")
		case n == 1:
			b["phone"] = normalize.PhoneForWrite(l.GetPhones()[0])
		default:
			b["phone"] = ""
		}
		return nil
	},
	"addresses": func(l *crmv1.Lead, b map[string]any) error {
		switch n := len(l.GetAddresses()); {
		case n > 1:
			return connector.BadField("addresses", "Sandbox CRM keeps one address per lead")
		case n == 1:
			a := sandboxapi.AddressFromProto(l.GetAddresses()[0])
			b["address"] = &a
		default:
			b["address"] = nil
		}
		return nil
	},
	"company_name":  func(l *crmv1.Lead, b map[string]any) error { b["company"] = l.GetCompanyName(); return nil },
	"status":        leadStatusWriter,
	"remote_status": leadRemoteStatusWriter,
	"source":        func(l *crmv1.Lead, b map[string]any) error { b["source"] = l.GetSource(); return nil },
	"owner_id": func(l *crmv1.Lead, b map[string]any) error {
		return sandboxapi.SetID(b, "owner_id", "owner_id", l.GetOwnerId())
	},
	"custom_fields": func(l *crmv1.Lead, b map[string]any) error {
		b["custom"] = sandboxapi.Custom(l.GetCustomFields())
		return nil
	},
}

// --- activities -------------------------------------------------------------

// activityTypes: "lunch" and "deadline" have no unified kind; they read as OTHER.
var activityTypes = connector.Enum[crmv1.ActivityKind]{
	Provider: "Sandbox CRM",
	Required: true,
	Read: map[string]crmv1.ActivityKind{
		"note": crmv1.ActivityKind_ACTIVITY_KIND_NOTE, "call": crmv1.ActivityKind_ACTIVITY_KIND_CALL,
		"meeting": crmv1.ActivityKind_ACTIVITY_KIND_MEETING, "email": crmv1.ActivityKind_ACTIVITY_KIND_EMAIL,
		"task": crmv1.ActivityKind_ACTIVITY_KIND_TASK, "lunch": crmv1.ActivityKind_ACTIVITY_KIND_OTHER,
		"deadline": crmv1.ActivityKind_ACTIVITY_KIND_OTHER,
	},
	Write: map[crmv1.ActivityKind]string{
		crmv1.ActivityKind_ACTIVITY_KIND_NOTE: "note", crmv1.ActivityKind_ACTIVITY_KIND_CALL: "call",
		crmv1.ActivityKind_ACTIVITY_KIND_MEETING: "meeting", crmv1.ActivityKind_ACTIVITY_KIND_EMAIL: "email",
		crmv1.ActivityKind_ACTIVITY_KIND_TASK: "task",
	},
	Other: crmv1.ActivityKind_ACTIVITY_KIND_OTHER,
}

var activityKindWriter, activityRemoteKindWriter = connector.EnumWriters(activityTypes, "type", "kind",
	func(a *crmv1.Activity) (crmv1.ActivityKind, string) { return a.GetKind(), a.GetRemoteKind() })

var directions = map[string]crmv1.ActivityDirection{
	"in": crmv1.ActivityDirection_ACTIVITY_DIRECTION_INBOUND, "out": crmv1.ActivityDirection_ACTIVITY_DIRECTION_OUTBOUND,
}

func activityToActivity(a Activity) *crmv1.Activity {
	kind := activityTypes.ToProto(a.Type)
	return &crmv1.Activity{
		Id:           strconv.FormatInt(a.ID, 10),
		Kind:         kind,
		RemoteKind:   a.Type,
		Subject:      a.Subject,
		Body:         a.Content,
		StartTime:    normalize.TimestampPtr(a.StartsAt),
		EndTime:      normalize.TimestampPtr(a.EndsAt),
		DueTime:      normalize.TimestampPtr(a.DueAt),
		Done:         a.Completed,
		Direction:    directions[a.Direction],
		ContactIds:   connector.FormatIDs(a.PersonIDs),
		CompanyIds:   connector.FormatIDs(a.OrganizationIDs),
		DealIds:      connector.FormatIDs(a.OpportunityIDs),
		LeadIds:      connector.FormatIDs(a.LeadIDs),
		OwnerId:      connector.FormatID(a.OwnerID),
		CustomFields: normalize.Struct(a.Custom),
		CreateTime:   normalize.Timestamp(a.CreatedAt),
		UpdateTime:   normalize.Timestamp(a.UpdatedAt),
	}
}

var activityWireFields = map[string]string{
	"type": "kind", "subject": "subject", "content": "body", "starts_at": "start_time", "ends_at": "end_time",
	"due_at": "due_time", "completed": "done", "direction": "direction", "person_ids": "contact_ids",
	"organization_ids": "company_ids", "opportunity_ids": "deal_ids", "lead_ids": "lead_ids", "owner_id": "owner_id",
	"custom": "custom_fields",
}

var activityFields = connector.Fields[*crmv1.Activity]{
	"kind":        activityKindWriter,
	"remote_kind": activityRemoteKindWriter,
	"subject":     func(a *crmv1.Activity, b map[string]any) error { b["subject"] = a.GetSubject(); return nil },
	"body":        func(a *crmv1.Activity, b map[string]any) error { b["content"] = a.GetBody(); return nil },
	"start_time": func(a *crmv1.Activity, b map[string]any) error {
		b["starts_at"] = normalize.TimePtr(a.GetStartTime())
		return nil
	},
	"end_time": func(a *crmv1.Activity, b map[string]any) error {
		b["ends_at"] = normalize.TimePtr(a.GetEndTime())
		return nil
	},
	"due_time": func(a *crmv1.Activity, b map[string]any) error {
		b["due_at"] = normalize.TimePtr(a.GetDueTime())
		return nil
	},
	"done": func(a *crmv1.Activity, b map[string]any) error { b["completed"] = a.GetDone(); return nil },
	"direction": func(a *crmv1.Activity, b map[string]any) error {
		b["direction"] = map[crmv1.ActivityDirection]string{
			crmv1.ActivityDirection_ACTIVITY_DIRECTION_INBOUND: "in", crmv1.ActivityDirection_ACTIVITY_DIRECTION_OUTBOUND: "out",
		}[a.GetDirection()]
		return nil
	},
	"contact_ids": func(a *crmv1.Activity, b map[string]any) error {
		return sandboxapi.SetIDs(b, "person_ids", "contact_ids", a.GetContactIds())
	},
	"company_ids": func(a *crmv1.Activity, b map[string]any) error {
		return sandboxapi.SetIDs(b, "organization_ids", "company_ids", a.GetCompanyIds())
	},
	"deal_ids": func(a *crmv1.Activity, b map[string]any) error {
		return sandboxapi.SetIDs(b, "opportunity_ids", "deal_ids", a.GetDealIds())
	},
	"lead_ids": func(a *crmv1.Activity, b map[string]any) error {
		return sandboxapi.SetIDs(b, "lead_ids", "lead_ids", a.GetLeadIds())
	},
	"owner_id": func(a *crmv1.Activity, b map[string]any) error {
		return sandboxapi.SetID(b, "owner_id", "owner_id", a.GetOwnerId())
	},
	"custom_fields": func(a *crmv1.Activity, b map[string]any) error {
		b["custom"] = sandboxapi.Custom(a.GetCustomFields())
		return nil
	},
}

// --- pipelines --------------------------------------------------------------

func pipelineToPipeline(p Pipeline) *crmv1.Pipeline {
	out := &crmv1.Pipeline{
		Id:           strconv.FormatInt(p.ID, 10),
		Name:         p.Name,
		Active:       p.Active,
		DisplayOrder: p.Position,
		CreateTime:   normalize.Timestamp(p.CreatedAt),
		UpdateTime:   normalize.Timestamp(p.UpdatedAt),
	}
	for _, s := range p.Stages {
		out.Stages = append(out.Stages, &crmv1.Stage{
			Id:           strconv.FormatInt(s.ID, 10),
			Name:         s.Name,
			DisplayOrder: s.Position,
			Probability:  percent(s.WinProbability),
			IsClosed:     s.Type != "open",
			IsWon:        s.Type == "won",
		})
	}
	return out
}

var pipelineWireFields = map[string]string{"name": "name", "active": "active", "position": "display_order", "stages": "stages"}

var pipelineFields = connector.Fields[*crmv1.Pipeline]{
	"name":          func(p *crmv1.Pipeline, b map[string]any) error { b["name"] = p.GetName(); return nil },
	"active":        func(p *crmv1.Pipeline, b map[string]any) error { b["active"] = p.GetActive(); return nil },
	"display_order": func(p *crmv1.Pipeline, b map[string]any) error { b["position"] = p.GetDisplayOrder(); return nil },
	"stages": func(p *crmv1.Pipeline, b map[string]any) error {
		stages := make([]Stage, 0, len(p.GetStages()))
		for i, s := range p.GetStages() {
			var id int64
			if s.GetId() != "" {
				n, err := connector.IntID("stages", s.GetId())
				if err != nil {
					return err
				}
				id = *n
			}
			typ := "open"
			switch {
			case s.GetIsWon():
				typ = "won"
			case s.GetIsClosed():
				typ = "lost"
			}
			order := s.GetDisplayOrder()
			if order == 0 {
				order = int32(i)
			}
			stages = append(stages, Stage{ID: id, Name: s.GetName(), Position: order, WinProbability: s.GetProbability() / 100, Type: typ})
		}
		b["stages"] = stages
		return nil
	},
}

func pipelineObject() connector.Object[*crmv1.Pipeline] {
	o := sandboxapi.Object(sandboxapi.Mapping[Pipeline, *crmv1.Pipeline]{
		Path: "/v1/pipelines", Object: "pipeline", Integration: Slug, Read: pipelineToPipeline, Write: pipelineFields, Wire: pipelineWireFields,
	})
	o.Delete = nil // the unified API offers no pipeline deletion
	return o
}

// --- users ------------------------------------------------------------------

func userToUser(u User) *crmv1.User {
	return &crmv1.User{
		Id: strconv.FormatInt(u.ID, 10), Name: u.Name, Email: u.Email, Active: u.Active, Role: u.Role,
		CreateTime: normalize.Timestamp(u.CreatedAt), UpdateTime: normalize.Timestamp(u.UpdatedAt),
	}
}

// --- helpers ----------------------------------------------------------------

// setIDValue writes a reference that cannot be cleared; empty leaves it out.
func setIDValue(b map[string]any, key, field, id string) error {
	if id == "" {
		return nil
	}
	return sandboxapi.SetID(b, key, field, id)
}
