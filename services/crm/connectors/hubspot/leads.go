package hubspot

import (
	"context"

	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/normalize"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
)

// HubSpot's leads (/crm/v3/objects/leads) are prospects worked in a lead
// pipeline, each on an existing contact: HubSpot requires the association
// to a contact (578, lead to primary contact) on create. The lead itself
// holds a name, its stage, type, label and owner; the person (names, email,
// phones, title, address, company name) is the contact's, read with a
// batch read of the page's contacts and written to the contact.

var leadProps = []string{"hs_lead_name", "hs_pipeline", "hs_pipeline_stage", "hs_lead_type", "hs_lead_label",
	"hubspot_owner_id", "hs_createdate", "hs_lastmodifieddate"}

// personProps are the contact properties a lead's person is read from.
var personProps = []string{"firstname", "lastname", "email", "hs_additional_emails", "phone", "mobilephone", "fax",
	"jobtitle", "company", "address", "city", "state", "zip", "country"}

var leadWire = map[string]string{"hs_lead_name": "name", "hs_pipeline_stage": "status", "hubspot_owner_id": "owner_id"}

// personWire maps the contact's properties to the lead's fields.
var personWire = map[string]string{
	"firstname": "first_name", "lastname": "last_name", "email": "emails", "phone": "phones", "mobilephone": "phones",
	"fax": "phones", "jobtitle": "title", "company": "company_name", "address": "addresses", "city": "addresses",
	"state": "addresses", "zip": "addresses", "country": "addresses",
}

// leadStages reads the default lead pipeline's stages as statuses; stages
// of an account's own lead pipelines read as OTHER, with the stage id in
// remote_status. Connected is a later working stage than Attempting.
var leadStages = connector.Enum[crmv1.LeadStatus]{
	Provider: "HubSpot",
	Required: true,
	Read: map[string]crmv1.LeadStatus{
		"new-stage-id": crmv1.LeadStatus_LEAD_STATUS_NEW, "attempting-stage-id": crmv1.LeadStatus_LEAD_STATUS_WORKING,
		"connected-stage-id": crmv1.LeadStatus_LEAD_STATUS_WORKING, "qualified-stage-id": crmv1.LeadStatus_LEAD_STATUS_QUALIFIED,
		"unqualified-stage-id": crmv1.LeadStatus_LEAD_STATUS_UNQUALIFIED,
	},
	Write: map[crmv1.LeadStatus]string{
		crmv1.LeadStatus_LEAD_STATUS_NEW: "new-stage-id", crmv1.LeadStatus_LEAD_STATUS_WORKING: "attempting-stage-id",
		crmv1.LeadStatus_LEAD_STATUS_QUALIFIED: "qualified-stage-id", crmv1.LeadStatus_LEAD_STATUS_UNQUALIFIED: "unqualified-stage-id",
	},
	Other: crmv1.LeadStatus_LEAD_STATUS_OTHER,
}

var leadStatusWriter, leadRemoteStatusWriter = connector.EnumWriters(leadStages, "hs_pipeline_stage", "status",
	func(l *crmv1.Lead) (crmv1.LeadStatus, string) { return l.GetStatus(), l.GetRemoteStatus() })

func leadSpec() *spec[*crmv1.Lead] {
	return &spec[*crmv1.Lead]{
		object: "lead", typ: "leads", modified: "hs_lastmodifieddate",
		props: leadProps, assocs: []string{"contacts", "deals"}, wire: leadWire,
		read: leadFrom, prepare: prepareLeads, fields: leadFields,
	}
}

// prepareLeads reads the page's primary contacts in one batch.
func prepareLeads(ctx context.Context, c *connector.Conn, rc *readCtx, objs []object) error {
	var ids []string
	for i := range objs {
		if id := objs[i].primaryLink("contacts"); id != "" {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	contacts, err := batchReadObjects(ctx, c, "contacts", ids, personProps)
	if err != nil {
		return err
	}
	rc.contacts = contacts
	return nil
}

func leadFrom(rc *readCtx, o *object) *crmv1.Lead {
	stageID := o.prop("hs_pipeline_stage")
	l := &crmv1.Lead{
		Id:           o.ID,
		Name:         o.prop("hs_lead_name"),
		Status:       leadStages.ToProto(stageID),
		RemoteStatus: stageID,
		OwnerId:      o.prop("hubspot_owner_id"),
		// A qualified lead's deal is associated with it as its primary deal.
		ConvertedDealId: o.primaryLink("deals"),
		CustomFields:    customFields(rc.defs, o),
		CreateTime:      recordTime(o.CreatedAt),
		UpdateTime:      recordTime(o.UpdatedAt),
	}
	if p, ok := rc.contacts[o.primaryLink("contacts")]; ok {
		l.FirstName, l.LastName, l.Title = p.prop("firstname"), p.prop("lastname"), p.prop("jobtitle")
		l.Emails = emailsOf(p.prop("email"), p.prop("hs_additional_emails"))
		l.Phones = phonesOf(&p, contactPhones)
		l.Addresses = addressOf(&p, "")
		l.CompanyName = p.prop("company")
	}
	return l
}

// leadFields write the lead's own properties into the body and its
// person's into wc.contact.
func leadFields(wc *writeCtx) connector.Fields[*crmv1.Lead] {
	person := func(prop string, get func(*crmv1.Lead) string) func(*crmv1.Lead, map[string]any) error {
		return func(l *crmv1.Lead, _ map[string]any) error { wc.contact[prop] = get(l); return nil }
	}
	return connector.Fields[*crmv1.Lead]{
		"name": func(l *crmv1.Lead, b map[string]any) error {
			if l.GetName() == "" {
				return connector.BadField("name", "HubSpot leads always have a name")
			}
			b["hs_lead_name"] = l.GetName()
			return nil
		},
		"first_name":   person("firstname", (*crmv1.Lead).GetFirstName),
		"last_name":    person("lastname", (*crmv1.Lead).GetLastName),
		"title":        person("jobtitle", (*crmv1.Lead).GetTitle),
		"company_name": person("company", (*crmv1.Lead).GetCompanyName),
		"emails": func(l *crmv1.Lead, _ map[string]any) error {
			return writeEmails(wc, l.GetEmails(), wc.contact)
		},
		"phones": func(l *crmv1.Lead, _ map[string]any) error {
			return writePhones(wc, "contact", l.GetPhones(), contactPhones, wc.contact)
		},
		"addresses": func(l *crmv1.Lead, _ map[string]any) error {
			return writeAddress(wc, "contact", l.GetAddresses(), "", wc.contact)
		},
		"status":        leadStatusWriter,
		"remote_status": leadRemoteStatusWriter,
		"source": unstorable("source", "HubSpot leads have no source property",
			func(l *crmv1.Lead) bool { return l.GetSource() == "" }),
		"owner_id": ownerWriter((*crmv1.Lead).GetOwnerId),
		"custom_fields": func(l *crmv1.Lead, b map[string]any) error {
			return writeCustom(wc.defs, "lead", l.GetCustomFields(), b)
		},
	}
}

func leadObject(h *hub) connector.Object[*crmv1.Lead] {
	s := leadSpec()
	o := newObject(h, s)
	o.Create = func(ctx context.Context, c *connector.Conn, l *crmv1.Lead) (*crmv1.Lead, error) {
		return createLead(ctx, c, h, s, l)
	}
	o.Update = func(ctx context.Context, c *connector.Conn, l *crmv1.Lead, mask []string) (*crmv1.Lead, error) {
		return updateLead(ctx, c, h, s, l, mask)
	}
	return o
}

// createLead creates the lead's contact (or finds it, when HubSpot already
// has a contact with the email: HubSpot answers 409 naming it, and that
// contact is left as it is), then the lead on it. A contact the call
// created is archived again when the lead cannot be created.
func createLead(ctx context.Context, c *connector.Conn, h *hub, s *spec[*crmv1.Lead], l *crmv1.Lead) (*crmv1.Lead, error) {
	wc, err := h.writeCtx(ctx, c, s.typ, false)
	if err != nil {
		return nil, err
	}
	wc.contact = map[string]any{}
	props, err := buildWrite(wc, s, l, nil)
	if err != nil {
		return nil, err
	}
	person := stringProps(wc.contact)
	if person["firstname"] == "" && person["lastname"] == "" && l.GetName() != "" {
		person["firstname"], person["lastname"] = normalize.FirstLast(l.GetName())
	}
	if props["hs_lead_name"] == "" {
		props["hs_lead_name"] = normalize.JoinName(person["firstname"], person["lastname"])
		if props["hs_lead_name"] == "" {
			props["hs_lead_name"] = person["email"]
		}
	}
	if props["hs_lead_name"] == "" {
		return nil, connector.FieldErrorsOf("lead", Slug,
			connector.BadField("name", "HubSpot creates every lead on a contact: give the lead's name or email address"))
	}
	dropEmpty(person)
	contactID, created := "", false
	o, err := createObject(ctx, c, "contacts", person, nil)
	switch pe, body := errorOf(err); {
	case err == nil:
		contactID, created = o.ID, true
	case pe != nil && body != nil && body.Category == "CONFLICT" && existingID(body.Message) != "":
		contactID = existingID(body.Message)
	default:
		return nil, writeError(err, "lead", personWire, nil, nil)
	}
	lead, err := createObject(ctx, c, s.typ, props, []assocInput{{To: assocTo{ID: contactID},
		Types: []assocSpec{{AssociationCategory: "HUBSPOT_DEFINED", AssociationTypeID: typeLeadToPrimaryContact}}}})
	if err != nil {
		if created {
			// Best effort: the contact existed only for this lead.
			_ = archiveObject(context.WithoutCancel(ctx), c, "contacts", contactID)
		}
		return nil, writeError(err, "lead", leadWire, wc.defs, nil)
	}
	return getRecord(ctx, c, h, s, lead.ID, false)
}

// updateLead patches the lead's properties, and its person's on its
// primary contact.
func updateLead(ctx context.Context, c *connector.Conn, h *hub, s *spec[*crmv1.Lead], l *crmv1.Lead, mask []string) (*crmv1.Lead, error) {
	id := l.GetId()
	if err := checkRecordID("lead", id); err != nil {
		return nil, err
	}
	wc, err := h.writeCtx(ctx, c, s.typ, false)
	if err != nil {
		return nil, err
	}
	wc.update, wc.contact = true, map[string]any{}
	props, err := buildWrite(wc, s, l, mask)
	if err != nil {
		return nil, err
	}
	if len(wc.contact) > 0 {
		cur, err := getObject(ctx, c, s.typ, id, []string{"hs_lead_name"}, []string{"contacts"})
		if err != nil {
			return nil, err
		}
		contactID := cur.primaryLink("contacts")
		if contactID == "" {
			return nil, connector.FieldErrorsOf("lead", Slug, connector.BadField("emails", "HubSpot lead %s has no contact to hold its person", id))
		}
		if err := patchObject(ctx, c, "contacts", contactID, stringProps(wc.contact)); err != nil {
			return nil, writeError(err, "lead", personWire, nil, nil)
		}
	}
	if len(props) > 0 {
		if err := patchObject(ctx, c, s.typ, id, props); err != nil {
			return nil, writeError(err, "lead", leadWire, wc.defs, nil)
		}
	}
	return getRecord(ctx, c, h, s, id, false)
}

func dropEmpty(m map[string]string) {
	for k, v := range m {
		if v == "" {
			delete(m, k)
		}
	}
}
