package hubspot

import (
	"fmt"
	"slices"
	"strings"

	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/normalize"
	commonv1 "github.com/unimesh/unimesh/proto/unimesh/common/v1"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
)

// contactProps are the contact properties the mapping reads. lifecyclestage
// has no unified field; it is asked for so that raw carries it.
var contactProps = []string{"firstname", "lastname", "email", "hs_additional_emails", "phone", "mobilephone", "fax",
	"jobtitle", "company", "address", "city", "state", "zip", "country", "hubspot_owner_id", "lifecyclestage",
	"createdate", "lastmodifieddate"}

var contactWire = map[string]string{
	"firstname": "first_name", "lastname": "last_name", "email": "emails", "hs_additional_emails": "emails",
	"phone": "phones", "mobilephone": "phones", "fax": "phones", "jobtitle": "title", "address": "addresses",
	"city": "addresses", "state": "addresses", "zip": "addresses", "country": "addresses", "hubspot_owner_id": "owner_id",
}

// contactPhones are the contact's phone properties and the types they hold.
var contactPhones = []phoneSlot{
	{prop: "phone", typ: commonv1.PhoneType_PHONE_TYPE_WORK},
	{prop: "mobilephone", typ: commonv1.PhoneType_PHONE_TYPE_MOBILE},
	{prop: "fax", typ: commonv1.PhoneType_PHONE_TYPE_FAX},
}

func contactSpec() *spec[*crmv1.Contact] {
	return &spec[*crmv1.Contact]{
		object: "contact", typ: "contacts", modified: "lastmodifieddate",
		props: contactProps, assocs: []string{"companies", "deals"}, currentFields: []string{"company_id", "emails"},
		wire: contactWire, read: contactFrom, fields: contactFields,
	}
}

func contactFrom(rc *readCtx, o *object) *crmv1.Contact {
	first, last := o.prop("firstname"), o.prop("lastname")
	return &crmv1.Contact{
		Id:           o.ID,
		FirstName:    first,
		LastName:     last,
		Name:         normalize.JoinName(first, last),
		Title:        o.prop("jobtitle"),
		Emails:       emailsOf(o.prop("email"), o.prop("hs_additional_emails")),
		Phones:       phonesOf(o, contactPhones),
		Addresses:    addressOf(o, ""),
		CompanyId:    o.primaryLink("companies"),
		OwnerId:      o.prop("hubspot_owner_id"),
		DealIds:      o.linkIDs("deals"),
		CustomFields: customFields(rc.defs, o),
		CreateTime:   recordTime(o.CreatedAt),
		UpdateTime:   recordTime(o.UpdatedAt),
	}
}

func contactFields(wc *writeCtx) connector.Fields[*crmv1.Contact] {
	return connector.Fields[*crmv1.Contact]{
		"first_name": setProp("firstname", (*crmv1.Contact).GetFirstName),
		"last_name":  setProp("lastname", (*crmv1.Contact).GetLastName),
		"name": func(c *crmv1.Contact, b map[string]any) error {
			// HubSpot has no full-name property: the name is made of the
			// parts, and is used only when they are not given.
			if c.GetFirstName() == "" && c.GetLastName() == "" {
				b["firstname"], b["lastname"] = normalize.FirstLast(c.GetName())
			}
			return nil
		},
		"title": setProp("jobtitle", (*crmv1.Contact).GetTitle),
		"emails": func(c *crmv1.Contact, b map[string]any) error {
			return writeEmails(wc, c.GetEmails(), b)
		},
		"phones": func(c *crmv1.Contact, b map[string]any) error {
			return writePhones(wc, "contact", c.GetPhones(), contactPhones, b)
		},
		"addresses": func(c *crmv1.Contact, b map[string]any) error {
			return writeAddress(wc, "contact", c.GetAddresses(), "", b)
		},
		"company_id": func(c *crmv1.Contact, _ map[string]any) error {
			if err := checkID("company_id", c.GetCompanyId()); err != nil {
				return err
			}
			wc.addLink(&link{field: "company_id", toType: "companies", ids: nonEmpty(c.GetCompanyId()),
				typeID: typeContactToPrimaryCompany, primary: true})
			return nil
		},
		"owner_id": ownerWriter((*crmv1.Contact).GetOwnerId),
		"tags": unstorable("tags", "HubSpot contacts have no tags",
			func(c *crmv1.Contact) bool { return len(c.GetTags()) == 0 }),
		"custom_fields": func(c *crmv1.Contact, b map[string]any) error {
			return writeCustom(wc.defs, "contact", c.GetCustomFields(), b)
		},
	}
}

func nonEmpty(id string) []string {
	if id == "" {
		return nil
	}
	return []string{id}
}

// emailsOf reads a contact's primary email and its additional ones
// (hs_additional_emails, ";"-separated). HubSpot gives addresses no type:
// the primary one, a CRM contact's business address, reads WORK, the
// others OTHER.
func emailsOf(primary, additional string) []*commonv1.Email {
	var out []*commonv1.Email
	if primary != "" {
		out = append(out, &commonv1.Email{Address: primary, Type: commonv1.EmailType_EMAIL_TYPE_WORK})
	}
	for _, a := range splitList(additional) {
		if !strings.EqualFold(a, primary) {
			out = append(out, &commonv1.Email{Address: a, Type: commonv1.EmailType_EMAIL_TYPE_OTHER})
		}
	}
	return out
}

// writeEmails writes the primary email. HubSpot's additional addresses are
// read-only through the properties API: a write may only give them back as
// they are.
func writeEmails(wc *writeCtx, emails []*commonv1.Email, b map[string]any) error {
	if len(emails) > 0 {
		switch emails[0].GetType() {
		case commonv1.EmailType_EMAIL_TYPE_UNSPECIFIED, commonv1.EmailType_EMAIL_TYPE_WORK:
		default:
			return connector.BadField("emails[0].type", "HubSpot's email property holds the contact's work address; a %s address has no place",
				strings.ToLower(strings.TrimPrefix(emails[0].GetType().String(), "EMAIL_TYPE_")))
		}
	}
	if len(emails) > 1 {
		var have []string
		if wc.cur != nil {
			have = splitList(wc.cur.prop("hs_additional_emails"))
		}
		for i, e := range emails[1:] {
			if !slices.ContainsFunc(have, func(h string) bool { return strings.EqualFold(h, e.GetAddress()) }) {
				return connector.BadField(fmt.Sprintf("emails[%d]", i+1),
					"HubSpot takes a contact's primary email address through its API; additional addresses (hs_additional_emails) are read-only")
			}
		}
	}
	if len(emails) > 0 {
		b["email"] = emails[0].GetAddress()
	} else {
		b["email"] = ""
	}
	return nil
}

// phoneSlot is a phone property and the unified type it holds.
type phoneSlot struct {
	prop string
	typ  commonv1.PhoneType
}

func phonesOf(o *object, slots []phoneSlot) []*commonv1.Phone {
	var out []*commonv1.Phone
	for _, s := range slots {
		if v := o.prop(s.prop); v != "" {
			out = append(out, normalize.Phone(v, s.typ))
		}
	}
	return out
}

// writePhones puts each phone in the property of its type (an unset,
// WORK or OTHER phone in the first one); HubSpot holds one number per
// property. On update, the properties no phone went to are cleared.
func writePhones(wc *writeCtx, label string, phones []*commonv1.Phone, slots []phoneSlot, b map[string]any) error {
	used := map[string]bool{}
	for i, p := range phones {
		prop := ""
		for _, s := range slots {
			if s.typ == p.GetType() {
				prop = s.prop
			}
		}
		switch p.GetType() {
		case commonv1.PhoneType_PHONE_TYPE_UNSPECIFIED, commonv1.PhoneType_PHONE_TYPE_OTHER, commonv1.PhoneType_PHONE_TYPE_WORK:
			prop = slots[0].prop
		}
		switch {
		case prop == "":
			return connector.BadField(fmt.Sprintf("phones[%d].type", i), "a HubSpot %s has no %s number", label,
				strings.ToLower(strings.TrimPrefix(p.GetType().String(), "PHONE_TYPE_")))
		case used[prop]:
			return connector.BadField(fmt.Sprintf("phones[%d]", i), "HubSpot holds one number in a %s's %s property", label, prop)
		}
		used[prop] = true
		b[prop] = normalize.PhoneForWrite(p)
	}
	if wc.update {
		for _, s := range slots {
			if !used[s.prop] {
				b[s.prop] = ""
			}
		}
	}
	return nil
}

// addressOf reads a record's address properties; street2 is the second
// street line's property ("" when the object has none).
func addressOf(o *object, street2 string) []*commonv1.Address {
	a := &commonv1.Address{Street_1: o.prop("address"), City: o.prop("city"), Region: o.prop("state"),
		PostalCode: o.prop("zip"), CountryCode: normalize.CountryCode(o.prop("country")), Type: commonv1.AddressType_ADDRESS_TYPE_WORK}
	if street2 != "" {
		a.Street_2 = o.prop(street2)
	}
	// A country HubSpot holds as text the connector cannot read as a code
	// stays in raw; an address with nothing else is no address.
	if a.GetStreet_1()+a.GetStreet_2()+a.GetCity()+a.GetRegion()+a.GetPostalCode()+a.GetCountryCode() == "" {
		return nil
	}
	return []*commonv1.Address{a}
}

// writeAddress writes the one address HubSpot keeps on a record: the
// business address (it reads WORK; HubSpot gives it no type), with one
// street line on a contact.
func writeAddress(wc *writeCtx, label string, addrs []*commonv1.Address, street2 string, b map[string]any) error {
	if len(addrs) > 1 {
		return connector.BadField("addresses", "HubSpot keeps one address per %s", label)
	}
	props := []string{"address", "city", "state", "zip", "country"}
	if street2 != "" {
		props = append(props, street2)
	}
	if len(addrs) == 0 {
		if wc.update {
			for _, p := range props {
				b[p] = ""
			}
		}
		return nil
	}
	a := addrs[0]
	switch {
	case a.GetType() != commonv1.AddressType_ADDRESS_TYPE_UNSPECIFIED && a.GetType() != commonv1.AddressType_ADDRESS_TYPE_WORK:
		return connector.BadField("addresses[0].type", "a HubSpot %s has one address, its business (WORK) address", label)
	case street2 == "" && a.GetStreet_2() != "":
		return connector.BadField("addresses[0].street_2", "a HubSpot %s's address has one street line", label)
	}
	b["address"], b["city"], b["state"], b["zip"] = a.GetStreet_1(), a.GetCity(), a.GetRegion(), a.GetPostalCode()
	b["country"] = normalize.CountryName(a.GetCountryCode())
	if street2 != "" {
		b[street2] = a.GetStreet_2()
	}
	return nil
}
