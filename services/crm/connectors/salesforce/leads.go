package salesforce

import (
	"slices"

	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/normalize"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
)

func leadObject(s *state) *object[*crmv1.Lead] {
	fields := append([]string{"FirstName", "LastName", "Name", "Title", "Company", "Email", "Phone", "MobilePhone", "Fax", "Status",
		"LeadSource", "OwnerId", "IsConverted", "ConvertedDate", "ConvertedContactId", "ConvertedAccountId", "ConvertedOpportunityId"},
		addressFields(leadAddresses)...)
	return &object[*crmv1.Lead]{s: s, name: "lead", sources: []*source[*crmv1.Lead]{{
		sobject: "Lead", prefix: prefixLead, fields: fields, read: leadOf, write: leadFields, wire: leadWire,
	}}}
}

// leadStatusValues are the Lead Status values of Salesforce's classic and
// Lightning defaults, by what they read as. An org's own values read as
// OTHER; a write picks, for a unified status, the first of its values the
// org's Status picklist has.
var leadStatusValues = []struct {
	status crmv1.LeadStatus
	values []string
}{
	{crmv1.LeadStatus_LEAD_STATUS_NEW, []string{"Open - Not Contacted", "New", "Open"}},
	{crmv1.LeadStatus_LEAD_STATUS_WORKING, []string{"Working - Contacted", "Working", "Contacted"}},
	{crmv1.LeadStatus_LEAD_STATUS_QUALIFIED, []string{"Qualified"}},
	{crmv1.LeadStatus_LEAD_STATUS_UNQUALIFIED, []string{"Closed - Not Converted", "Unqualified", "Disqualified"}},
	{crmv1.LeadStatus_LEAD_STATUS_CONVERTED, []string{"Closed - Converted", "Converted"}},
}

// leadStatuses is the status enum of one org: its picklist's values.
func leadStatuses(d *describe) connector.Enum[crmv1.LeadStatus] {
	e := connector.Enum[crmv1.LeadStatus]{Provider: "this Salesforce org", Required: true, Other: crmv1.LeadStatus_LEAD_STATUS_OTHER,
		Read: map[string]crmv1.LeadStatus{}, Write: map[crmv1.LeadStatus]string{}}
	org := d.picklist("Status")
	for _, v := range org {
		e.Read[v] = crmv1.LeadStatus_LEAD_STATUS_OTHER
	}
	for _, sv := range leadStatusValues {
		for _, v := range sv.values {
			if _, inOrg := e.Read[v]; inOrg || len(org) == 0 {
				e.Read[v] = sv.status
				// Conversion sets a converted status; a write cannot.
				if _, set := e.Write[sv.status]; !set && sv.status != crmv1.LeadStatus_LEAD_STATUS_CONVERTED && (len(org) == 0 || slices.Contains(org, v)) {
					e.Write[sv.status] = v
				}
			}
		}
	}
	return e
}

func leadOf(r record, x *env) *crmv1.Lead {
	status := leadStatuses(x.d).ToProto(r.str("Status"))
	if r.boolean("IsConverted") {
		status = crmv1.LeadStatus_LEAD_STATUS_CONVERTED
	}
	return &crmv1.Lead{
		Id:                 refOf(r, "Id"),
		Name:               r.str("Name"),
		FirstName:          r.str("FirstName"),
		LastName:           r.str("LastName"),
		Title:              r.str("Title"),
		Emails:             emailsOf(r),
		Phones:             phonesOf(r, leadPhones),
		Addresses:          addressesOf(r, leadAddresses),
		CompanyName:        r.str("Company"),
		Status:             status,
		RemoteStatus:       r.str("Status"),
		Source:             r.str("LeadSource"),
		OwnerId:            refOf(r, "OwnerId"),
		ConvertedContactId: refOf(r, "ConvertedContactId"),
		ConvertedCompanyId: refOf(r, "ConvertedAccountId"),
		ConvertedDealId:    refOf(r, "ConvertedOpportunityId"),
		ConvertedTime:      dateTimestamp(r, "ConvertedDate"),
		CustomFields:       customFieldsOf(r, x),
		CreateTime:         timestampOf(r, "CreatedDate"),
		UpdateTime:         timestampOf(r, "LastModifiedDate"),
	}
}

var leadWire = map[string]string{
	"FirstName": "first_name", "LastName": "last_name", "Name": "name", "Title": "title", "Company": "company_name", "Email": "emails",
	"Phone": "phones", "MobilePhone": "phones", "Fax": "phones", "Status": "status", "LeadSource": "source", "OwnerId": "owner_id",
	"Street": "addresses", "City": "addresses", "State": "addresses", "PostalCode": "addresses", "Country": "addresses", "CountryCode": "addresses",
}

func leadFields(x *env) connector.Fields[*crmv1.Lead] {
	status, remote := connector.EnumWriters(leadStatuses(x.d), "Status", "status",
		func(l *crmv1.Lead) (crmv1.LeadStatus, string) { return l.GetStatus(), l.GetRemoteStatus() })
	return connector.Fields[*crmv1.Lead]{
		"name": func(l *crmv1.Lead, b map[string]any) error {
			if l.GetFirstName() == "" && l.GetLastName() == "" {
				first, last := normalize.FirstLast(l.GetName())
				b["FirstName"], b["LastName"] = text(first), text(last)
			}
			return nil
		},
		"first_name": func(l *crmv1.Lead, b map[string]any) error { b["FirstName"] = text(l.GetFirstName()); return nil },
		"last_name":  func(l *crmv1.Lead, b map[string]any) error { b["LastName"] = text(l.GetLastName()); return nil },
		"title":      func(l *crmv1.Lead, b map[string]any) error { b["Title"] = text(l.GetTitle()); return nil },
		"emails":     func(l *crmv1.Lead, b map[string]any) error { return writeEmail(b, l.GetEmails(), "lead") },
		"phones":     func(l *crmv1.Lead, b map[string]any) error { return writePhones(b, l.GetPhones(), leadPhones, "lead") },
		"addresses": func(l *crmv1.Lead, b map[string]any) error {
			return writeAddresses(x, b, l.GetAddresses(), leadAddresses, "lead")
		},
		"company_name":  func(l *crmv1.Lead, b map[string]any) error { b["Company"] = text(l.GetCompanyName()); return nil },
		"status":        status,
		"remote_status": remote,
		"source":        func(l *crmv1.Lead, b map[string]any) error { b["LeadSource"] = text(l.GetSource()); return nil },
		"owner_id":      func(l *crmv1.Lead, b map[string]any) error { return setOwner(b, l.GetOwnerId(), "lead") },
		"custom_fields": func(l *crmv1.Lead, b map[string]any) error { return writeCustomFields(x, b, l.GetCustomFields()) },
	}
}
