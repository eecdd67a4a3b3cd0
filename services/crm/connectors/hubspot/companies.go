package hubspot

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/unimesh/unimesh/pkg/connector"
	commonv1 "github.com/unimesh/unimesh/proto/unimesh/common/v1"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
)

var companyProps = []string{"name", "domain", "hs_additional_domains", "website", "industry", "numberofemployees",
	"annualrevenue", "description", "phone", "address", "address2", "city", "state", "zip", "country",
	"hubspot_owner_id", "createdate", "hs_lastmodifieddate"}

var companyWire = map[string]string{
	"name": "name", "domain": "domains", "hs_additional_domains": "domains", "website": "websites", "industry": "industry",
	"numberofemployees": "employee_count", "annualrevenue": "annual_revenue", "description": "description",
	"phone": "phones", "address": "addresses", "address2": "addresses", "city": "addresses", "state": "addresses",
	"zip": "addresses", "country": "addresses", "hubspot_owner_id": "owner_id",
}

// companyPhones: a company has one phone number.
var companyPhones = []phoneSlot{{prop: "phone", typ: commonv1.PhoneType_PHONE_TYPE_WORK}}

func companySpec() *spec[*crmv1.Company] {
	return &spec[*crmv1.Company]{
		object: "company", typ: "companies", modified: "hs_lastmodifieddate",
		props: companyProps, currentFields: []string{"domains"}, wire: companyWire, account: true,
		read: companyFrom, fields: companyFields,
	}
}

func companyFrom(rc *readCtx, o *object) *crmv1.Company {
	var domains []string
	if d := o.prop("domain"); d != "" {
		domains = append(domains, d)
	}
	domains = append(domains, splitList(o.prop("hs_additional_domains"))...)
	var websites []string
	if w := o.prop("website"); w != "" {
		websites = []string{w}
	}
	var employees int32
	if f, err := strconv.ParseFloat(o.prop("numberofemployees"), 64); err == nil && f >= 0 && f <= math.MaxInt32 {
		employees = int32(f)
	}
	var revenue *commonv1.Money
	if v := o.prop("annualrevenue"); v != "" {
		// annualrevenue is in the account's currency: HubSpot keeps no
		// currency per company.
		revenue = &commonv1.Money{Units: v, CurrencyCode: rc.currency}
	}
	return &crmv1.Company{
		Id:            o.ID,
		Name:          o.prop("name"),
		Domains:       domains,
		Websites:      websites,
		Industry:      o.prop("industry"),
		EmployeeCount: employees,
		AnnualRevenue: revenue,
		Description:   o.prop("description"),
		Addresses:     addressOf(o, "address2"),
		Phones:        phonesOf(o, companyPhones),
		OwnerId:       o.prop("hubspot_owner_id"),
		CustomFields:  customFields(rc.defs, o),
		CreateTime:    recordTime(o.CreatedAt),
		UpdateTime:    recordTime(o.UpdatedAt),
	}
}

func companyFields(wc *writeCtx) connector.Fields[*crmv1.Company] {
	return connector.Fields[*crmv1.Company]{
		"name": setProp("name", (*crmv1.Company).GetName),
		"domains": func(c *crmv1.Company, b map[string]any) error {
			ds := c.GetDomains()
			if len(ds) > 1 {
				// hs_additional_domains is read-only: the extra domains may
				// only come back as they are.
				var have []string
				if wc.cur != nil {
					have = splitList(wc.cur.prop("hs_additional_domains"))
				}
				for _, d := range ds[1:] {
					if !slices.ContainsFunc(have, func(h string) bool { return strings.EqualFold(h, d) }) {
						return connector.BadField("domains", "HubSpot takes a company's primary domain through its API; additional domains (hs_additional_domains) are read-only")
					}
				}
			}
			b["domain"] = ""
			if len(ds) > 0 {
				b["domain"] = ds[0]
			}
			return nil
		},
		"websites": func(c *crmv1.Company, b map[string]any) error {
			switch ws := c.GetWebsites(); len(ws) {
			case 0:
				b["website"] = ""
			case 1:
				b["website"] = ws[0]
			default:
				return connector.BadField("websites", "HubSpot keeps one website per company")
			}
			return nil
		},
		"industry": setProp("industry", (*crmv1.Company).GetIndustry),
		"employee_count": func(c *crmv1.Company, b map[string]any) error {
			// 0 reads as unset: writing it clears the property.
			b["numberofemployees"] = ""
			if n := c.GetEmployeeCount(); n > 0 {
				b["numberofemployees"] = strconv.Itoa(int(n))
			}
			return nil
		},
		"annual_revenue": func(c *crmv1.Company, b map[string]any) error {
			m := c.GetAnnualRevenue()
			if m == nil {
				b["annualrevenue"] = ""
				return nil
			}
			if cur := m.GetCurrencyCode(); cur != "" && cur != wc.currency {
				return connector.BadField("annual_revenue.currency_code",
					"HubSpot keeps a company's annual revenue in the account's currency, %s", wc.currency)
			}
			if !isDecimal(m.GetUnits()) {
				return connector.BadField("annual_revenue.units", "%q is not a decimal number", m.GetUnits())
			}
			b["annualrevenue"] = m.GetUnits()
			return nil
		},
		"description": setProp("description", (*crmv1.Company).GetDescription),
		"addresses": func(c *crmv1.Company, b map[string]any) error {
			return writeAddress(wc, "company", c.GetAddresses(), "address2", b)
		},
		"phones": func(c *crmv1.Company, b map[string]any) error {
			return writePhones(wc, "company", c.GetPhones(), companyPhones, b)
		},
		"owner_id": ownerWriter((*crmv1.Company).GetOwnerId),
		"tags": unstorable("tags", "HubSpot companies have no tags",
			func(c *crmv1.Company) bool { return len(c.GetTags()) == 0 }),
		"custom_fields": func(c *crmv1.Company, b map[string]any) error {
			return writeCustom(wc.defs, "company", c.GetCustomFields(), b)
		},
	}
}
