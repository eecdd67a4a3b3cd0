package salesforce

import (
	"github.com/unimesh/unimesh/pkg/connector"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
)

func companyObject(s *state) *object[*crmv1.Company] {
	fields := append([]string{"Name", "Website", "Industry", "NumberOfEmployees", "AnnualRevenue", "Description", "Phone", "Fax", "OwnerId"},
		addressFields(accountAddresses)...)
	return &object[*crmv1.Company]{s: s, name: "company", sources: []*source[*crmv1.Company]{{
		sobject: "Account", prefix: prefixAccount, fields: fields, money: true, read: companyOf, write: companyFields, wire: companyWire,
	}}}
}

func companyOf(r record, x *env) *crmv1.Company {
	c := &crmv1.Company{
		Id:            refOf(r, "Id"),
		Name:          r.str("Name"),
		Industry:      r.str("Industry"),
		AnnualRevenue: moneyOf(r, "AnnualRevenue", x),
		Description:   r.str("Description"),
		Addresses:     addressesOf(r, accountAddresses),
		Phones:        phonesOf(r, accountPhones),
		OwnerId:       refOf(r, "OwnerId"),
		CustomFields:  customFieldsOf(r, x),
		CreateTime:    timestampOf(r, "CreatedDate"),
		UpdateTime:    timestampOf(r, "LastModifiedDate"),
	}
	if w := r.str("Website"); w != "" {
		c.Websites = []string{w}
	}
	if n, ok := numberInt(r.num("NumberOfEmployees")); ok {
		c.EmployeeCount = int32(n)
	}
	return c
}

var companyWire = map[string]string{
	"Name": "name", "Website": "websites", "Industry": "industry", "NumberOfEmployees": "employee_count", "AnnualRevenue": "annual_revenue",
	"Description": "description", "Phone": "phones", "Fax": "phones", "OwnerId": "owner_id",
	"BillingStreet": "addresses", "BillingCity": "addresses", "BillingState": "addresses", "BillingPostalCode": "addresses",
	"BillingCountry": "addresses", "BillingCountryCode": "addresses", "ShippingStreet": "addresses", "ShippingCity": "addresses",
	"ShippingState": "addresses", "ShippingPostalCode": "addresses", "ShippingCountry": "addresses", "ShippingCountryCode": "addresses",
}

func companyFields(x *env) connector.Fields[*crmv1.Company] {
	return connector.Fields[*crmv1.Company]{
		"name": func(c *crmv1.Company, b map[string]any) error { b["Name"] = text(c.GetName()); return nil },
		"websites": func(c *crmv1.Company, b map[string]any) error {
			switch n := len(c.GetWebsites()); {
			case n > 1:
				return connector.BadField("websites", "a Salesforce account has one website; %d were given", n)
			case n == 1:
				b["Website"] = c.GetWebsites()[0]
			default:
				b["Website"] = nil
			}
			return nil
		},
		"industry": func(c *crmv1.Company, b map[string]any) error { b["Industry"] = text(c.GetIndustry()); return nil },
		"employee_count": func(c *crmv1.Company, b map[string]any) error {
			if n := c.GetEmployeeCount(); n != 0 {
				b["NumberOfEmployees"] = n
			} else {
				b["NumberOfEmployees"] = nil // proto3 cannot tell 0 from unset: a masked 0 clears it
			}
			return nil
		},
		"annual_revenue": func(c *crmv1.Company, b map[string]any) error {
			return writeMoney(x, b, "AnnualRevenue", "annual_revenue", c.GetAnnualRevenue())
		},
		"description": func(c *crmv1.Company, b map[string]any) error {
			b["Description"] = text(c.GetDescription())
			return nil
		},
		"addresses": func(c *crmv1.Company, b map[string]any) error {
			return writeAddresses(x, b, c.GetAddresses(), accountAddresses, "account")
		},
		"phones": func(c *crmv1.Company, b map[string]any) error {
			return writePhones(b, c.GetPhones(), accountPhones, "account")
		},
		"owner_id":      func(c *crmv1.Company, b map[string]any) error { return setOwner(b, c.GetOwnerId(), "account") },
		"custom_fields": func(c *crmv1.Company, b map[string]any) error { return writeCustomFields(x, b, c.GetCustomFields()) },
	}
}
