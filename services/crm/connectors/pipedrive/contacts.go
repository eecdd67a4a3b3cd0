package pipedrive

import (
	"context"
	"net/http"

	"google.golang.org/protobuf/types/known/structpb"

	"github.com/unimesh/unimesh/pkg/connector"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
)

// Contacts are Pipedrive persons (API v2 /api/v2/persons).
//
// Not mapped: addresses (a person's postal address exists only with
// contact sync and is not writable through the API); title reads the
// contact-sync job_title when the account has it and is not writable;
// deal_ids stay empty (a person's deals are another list call per person).
func contactsObject(fc *fieldsCache) connector.Object[*crmv1.Contact] {
	return v2Entity[person, *crmv1.Contact]{
		path: "/api/v2/persons", object: "contact", fields: "person", wire: contactWire,
		read:    personToContact,
		deleted: func(p person) bool { return bool(p.IsDeleted) },
		write:   contactFields,
		custom:  (*crmv1.Contact).GetCustomFields,
		prepare: completeName,
		prepareCreate: func(body map[string]any) {
			// Pipedrive takes a new person's name as name, or as both
			// parts; one part alone is sent with the other empty.
			_, hasFirst := body["first_name"]
			_, hasLast := body["last_name"]
			if hasFirst != hasLast {
				body["first_name"], body["last_name"] = strOf(body["first_name"]), strOf(body["last_name"])
			}
		},
	}.build(fc)
}

func personToContact(p person, fs *fieldSet) *crmv1.Contact {
	return &crmv1.Contact{
		Id:           p.ID.id(),
		FirstName:    p.FirstName,
		LastName:     p.LastName,
		Name:         p.Name,
		Title:        p.JobTitle,
		Emails:       emailsToProto(p.Emails),
		Phones:       phonesToProto(p.Phones),
		CompanyId:    p.OrgID.id(),
		OwnerId:      p.OwnerID.id(),
		Tags:         fs.readTags(p.LabelIDs),
		CustomFields: customStruct(fs.readV2(p.CustomFields)),
		CreateTime:   ts(p.AddTime),
		UpdateTime:   ts(p.UpdateTime),
	}
}

var contactWire = wireMap{
	"name": "name", "first_name": "first_name", "last_name": "last_name", "emails": "emails", "phones": "phones",
	"org_id": "company_id", "owner_id": "owner_id", "label_ids": "tags", "custom_fields": "custom_fields",
}

func contactFields(fs *fieldSet) connector.Fields[*crmv1.Contact] {
	return connector.Fields[*crmv1.Contact]{
		"first_name": func(c *crmv1.Contact, b map[string]any) error { b["first_name"] = c.GetFirstName(); return nil },
		"last_name":  func(c *crmv1.Contact, b map[string]any) error { b["last_name"] = c.GetLastName(); return nil },
		"name": func(c *crmv1.Contact, b map[string]any) error {
			// The full name is used only when the parts are not given;
			// Pipedrive splits it into first and last name itself.
			if c.GetFirstName() == "" && c.GetLastName() == "" {
				b["name"] = c.GetName()
			}
			return nil
		},
		"emails": func(c *crmv1.Contact, b map[string]any) error {
			v, err := emailsFromProto("emails", c.GetEmails())
			b["emails"] = v
			return err
		},
		"phones": func(c *crmv1.Contact, b map[string]any) error {
			v, err := phonesFromProto("phones", c.GetPhones())
			b["phones"] = v
			return err
		},
		"company_id": func(c *crmv1.Contact, b map[string]any) error {
			return setRef(b, "org_id", "company_id", c.GetCompanyId())
		},
		"owner_id": func(c *crmv1.Contact, b map[string]any) error {
			return setRequiredRef(b, "owner_id", "owner_id", c.GetOwnerId(), "an owner")
		},
		"tags": func(c *crmv1.Contact, b map[string]any) error {
			ids, err := fs.writeTags("tags", c.GetTags())
			b["label_ids"] = ids
			return err
		},
		"custom_fields": func(c *crmv1.Contact, b map[string]any) error {
			return writeCustom(fs, c.GetCustomFields(), b)
		},
	}
}

// writeCustom writes custom_fields into an API v2 body.
func writeCustom(fs *fieldSet, in *structpb.Struct, b map[string]any) error {
	v, err := fs.write(in, false)
	if err != nil {
		return err
	}
	b["custom_fields"] = v
	return nil
}

func strOf(v any) string { s, _ := v.(string); return s }

// completeName sends both name parts when an update changes one of them:
// Pipedrive takes a name change as name, or first_name and last_name
// together. The part the mask leaves alone is the person's current one.
func completeName(ctx context.Context, c *connector.Conn, id string, body map[string]any) error {
	_, hasFirst := body["first_name"]
	_, hasLast := body["last_name"]
	if hasFirst == hasLast {
		return nil
	}
	cur, err := one[person](ctx, c, http.MethodGet, "/api/v2/persons/"+id, nil)
	if err != nil {
		return err
	}
	if !hasFirst {
		body["first_name"] = cur.rec.FirstName
	} else {
		body["last_name"] = cur.rec.LastName
	}
	return nil
}
