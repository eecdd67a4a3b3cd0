package pipedrive

import (
	"github.com/unimesh/unimesh/pkg/connector"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
)

// Companies are Pipedrive organizations (API v2 /api/v2/organizations).
//
// Not mapped, for Pipedrive has no such organization fields in its API:
// domains, websites, industry, employee_count, annual_revenue, description
// and phones (accounts often keep them in custom fields, which are mapped).
func companiesObject(fc *fieldsCache) connector.Object[*crmv1.Company] {
	return v2Entity[organization, *crmv1.Company]{
		path: "/api/v2/organizations", object: "company", fields: "organization", wire: companyWire,
		read:    organizationToCompany,
		deleted: func(o organization) bool { return bool(o.IsDeleted) },
		write:   companyFields,
		custom:  (*crmv1.Company).GetCustomFields,
	}.build(fc)
}

func organizationToCompany(o organization, fs *fieldSet) *crmv1.Company {
	out := &crmv1.Company{
		Id:           o.ID.id(),
		Name:         o.Name,
		OwnerId:      o.OwnerID.id(),
		Tags:         fs.readTags(o.LabelIDs),
		CustomFields: customStruct(fs.readV2(o.CustomFields)),
		CreateTime:   ts(o.AddTime),
		UpdateTime:   ts(o.UpdateTime),
	}
	if a := addressToProto(o.Address); a != nil {
		out.Addresses = append(out.Addresses, a)
	}
	return out
}

var companyWire = wireMap{
	"name": "name", "address": "addresses", "owner_id": "owner_id", "label_ids": "tags", "custom_fields": "custom_fields",
}

func companyFields(fs *fieldSet) connector.Fields[*crmv1.Company] {
	return connector.Fields[*crmv1.Company]{
		"name": func(c *crmv1.Company, b map[string]any) error { b["name"] = c.GetName(); return nil },
		"addresses": func(c *crmv1.Company, b map[string]any) error {
			v, err := addressFromProto("addresses", c.GetAddresses())
			b["address"] = v
			return err
		},
		"owner_id": func(c *crmv1.Company, b map[string]any) error {
			return setRequiredRef(b, "owner_id", "owner_id", c.GetOwnerId(), "an owner")
		},
		"tags": func(c *crmv1.Company, b map[string]any) error {
			ids, err := fs.writeTags("tags", c.GetTags())
			b["label_ids"] = ids
			return err
		},
		"custom_fields": func(c *crmv1.Company, b map[string]any) error {
			return writeCustom(fs, c.GetCustomFields(), b)
		},
	}
}
