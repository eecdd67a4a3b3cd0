package salesforce

import (
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/normalize"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
)

func contactObject(s *state) *object[*crmv1.Contact] {
	fields := append([]string{"FirstName", "LastName", "Name", "Title", "Email", "Phone", "MobilePhone", "HomePhone", "OtherPhone", "Fax",
		"AccountId", "OwnerId"}, addressFields(contactAddresses)...)
	return &object[*crmv1.Contact]{s: s, name: "contact", sources: []*source[*crmv1.Contact]{{
		sobject: "Contact", prefix: prefixContact, fields: fields, read: contactOf, write: contactFields, wire: contactWire,
	}}}
}

func contactOf(r record, x *env) *crmv1.Contact {
	return &crmv1.Contact{
		Id:           refOf(r, "Id"),
		FirstName:    r.str("FirstName"),
		LastName:     r.str("LastName"),
		Name:         r.str("Name"),
		Title:        r.str("Title"),
		Emails:       emailsOf(r),
		Phones:       phonesOf(r, contactPhones),
		Addresses:    addressesOf(r, contactAddresses),
		CompanyId:    refOf(r, "AccountId"),
		OwnerId:      refOf(r, "OwnerId"),
		CustomFields: customFieldsOf(r, x),
		CreateTime:   timestampOf(r, "CreatedDate"),
		UpdateTime:   timestampOf(r, "LastModifiedDate"),
	}
}

var contactWire = map[string]string{
	"FirstName": "first_name", "LastName": "last_name", "Name": "name", "Title": "title", "Email": "emails", "Phone": "phones",
	"MobilePhone": "phones", "HomePhone": "phones", "OtherPhone": "phones", "Fax": "phones", "AccountId": "company_id", "OwnerId": "owner_id",
	"MailingStreet": "addresses", "MailingCity": "addresses", "MailingState": "addresses", "MailingPostalCode": "addresses",
	"MailingCountry": "addresses", "MailingCountryCode": "addresses", "OtherStreet": "addresses", "OtherCity": "addresses",
	"OtherState": "addresses", "OtherPostalCode": "addresses", "OtherCountry": "addresses", "OtherCountryCode": "addresses",
}

func contactFields(x *env) connector.Fields[*crmv1.Contact] {
	return connector.Fields[*crmv1.Contact]{
		"first_name": func(c *crmv1.Contact, b map[string]any) error { b["FirstName"] = text(c.GetFirstName()); return nil },
		"last_name":  func(c *crmv1.Contact, b map[string]any) error { b["LastName"] = text(c.GetLastName()); return nil },
		"name": func(c *crmv1.Contact, b map[string]any) error {
			// Name is Salesforce's own, made of the parts; it is used only
			// when the parts are not given.
			if c.GetFirstName() == "" && c.GetLastName() == "" {
				first, last := normalize.FirstLast(c.GetName())
				b["FirstName"], b["LastName"] = text(first), text(last)
			}
			return nil
		},
		"title":  func(c *crmv1.Contact, b map[string]any) error { b["Title"] = text(c.GetTitle()); return nil },
		"emails": func(c *crmv1.Contact, b map[string]any) error { return writeEmail(b, c.GetEmails(), "contact") },
		"phones": func(c *crmv1.Contact, b map[string]any) error {
			return writePhones(b, c.GetPhones(), contactPhones, "contact")
		},
		"addresses": func(c *crmv1.Contact, b map[string]any) error {
			return writeAddresses(x, b, c.GetAddresses(), contactAddresses, "contact")
		},
		"company_id": func(c *crmv1.Contact, b map[string]any) error {
			return setRef(b, "AccountId", "company_id", c.GetCompanyId(), prefixAccount)
		},
		"owner_id":      func(c *crmv1.Contact, b map[string]any) error { return setOwner(b, c.GetOwnerId(), "contact") },
		"custom_fields": func(c *crmv1.Contact, b map[string]any) error { return writeCustomFields(x, b, c.GetCustomFields()) },
	}
}
