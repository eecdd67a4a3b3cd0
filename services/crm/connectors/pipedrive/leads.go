package pipedrive

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/unimesh/unimesh/pkg/connector"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
)

// Leads are Pipedrive leads (API v1 /api/v1/leads: UUID ids, PATCH to
// update). Pipedrive lists active leads and archived ones apart; a unified
// list pages through both.
//
// A Pipedrive lead holds a title and links to a person and/or an
// organization: the unified lead's first_name, last_name, emails, phones
// (and read-only title, the job title) are its person's, company_name its
// organization's name. Creating a lead with those creates the person and
// organization first (and deletes them again if the lead is refused);
// updating them updates the linked person or organization, which are
// contacts and companies in their own right. A lead needs one or the other.
//
// Status: Pipedrive leads have none, only "seen" and "archived" flags.
// remote_status is derived from them: "unseen" (NEW), "seen" (WORKING),
// "archived" (UNQUALIFIED); other unified statuses are refused (a lead is
// converted into a deal in Pipedrive itself). source is Pipedrive's
// source_name (read-only). Custom fields are the deal custom fields, at
// the lead's top level. A lead's value and expected close date have no
// unified field (they are in raw).
func leadsObject(fc *fieldsCache) connector.Object[*crmv1.Lead] {
	fields := func(ctx context.Context, c *connector.Conn, rec *crmv1.Lead) (*fieldSet, error) {
		if len(rec.GetCustomFields().GetFields()) > 0 {
			return fc.forWrite(ctx, c, "deal", rec.GetCustomFields())
		}
		return fc.get(ctx, c, "deal", false)
	}
	return connector.Object[*crmv1.Lead]{
		List: func(ctx context.Context, c *connector.Conn, p connector.ListParams) (connector.Page[*crmv1.Lead], error) {
			fs, err := fc.get(ctx, c, "deal", false)
			if err != nil {
				return connector.Page[*crmv1.Lead]{}, err
			}
			return listLeads(ctx, c, fs, p)
		},
		Get: func(ctx context.Context, c *connector.Conn, id string, p connector.GetParams) (*crmv1.Lead, error) {
			if err := leadID("id", id); err != nil {
				return nil, err
			}
			fs, err := fc.get(ctx, c, "deal", false)
			if err != nil {
				return nil, err
			}
			return readLead(ctx, c, fs, id, p.IncludeRaw)
		},
		Create: func(ctx context.Context, c *connector.Conn, rec *crmv1.Lead) (*crmv1.Lead, error) {
			fs, err := fields(ctx, c, rec)
			if err != nil {
				return nil, err
			}
			return createLead(ctx, c, fs, rec)
		},
		Update: func(ctx context.Context, c *connector.Conn, rec *crmv1.Lead, mask []string) (*crmv1.Lead, error) {
			if err := leadID("lead.id", rec.GetId()); err != nil {
				return nil, err
			}
			fs, err := fields(ctx, c, rec)
			if err != nil {
				return nil, err
			}
			return updateLead(ctx, c, fs, rec, mask)
		},
		Delete: func(ctx context.Context, c *connector.Conn, id string) error {
			if err := leadID("id", id); err != nil {
				return err
			}
			return remove(ctx, c, "/api/v1/leads/"+id)
		},
	}
}

// leadStatuses are derived from a lead's flags (see leadRemoteStatus).
var leadStatuses = connector.Enum[crmv1.LeadStatus]{
	Provider: "Pipedrive",
	Required: true,
	Read: map[string]crmv1.LeadStatus{
		"unseen": crmv1.LeadStatus_LEAD_STATUS_NEW, "seen": crmv1.LeadStatus_LEAD_STATUS_WORKING,
		"archived": crmv1.LeadStatus_LEAD_STATUS_UNQUALIFIED,
	},
	Write: map[crmv1.LeadStatus]string{
		crmv1.LeadStatus_LEAD_STATUS_NEW: "unseen", crmv1.LeadStatus_LEAD_STATUS_WORKING: "seen",
		crmv1.LeadStatus_LEAD_STATUS_UNQUALIFIED: "archived",
	},
	Other: crmv1.LeadStatus_LEAD_STATUS_OTHER,
}

var leadStatusWriter, leadRemoteStatusWriter = connector.EnumWriters(leadStatuses, "status", "status",
	func(l *crmv1.Lead) (crmv1.LeadStatus, string) { return l.GetStatus(), l.GetRemoteStatus() })

func leadRemoteStatus(l lead) string {
	switch {
	case bool(l.IsArchived):
		return "archived"
	case bool(l.WasSeen):
		return "seen"
	}
	return "unseen"
}

func leadToLead(it item[lead], p *person, o *organization, fs *fieldSet) *crmv1.Lead {
	l := it.rec
	remote := leadRemoteStatus(l)
	out := &crmv1.Lead{
		Id:           l.ID,
		Name:         l.Title,
		Status:       leadStatuses.ToProto(remote),
		RemoteStatus: remote,
		Source:       l.SourceName,
		OwnerId:      l.OwnerID.id(),
		CustomFields: customStruct(fs.readV1(it.raw)),
		CreateTime:   ts(l.AddTime),
		UpdateTime:   ts(l.UpdateTime),
	}
	if p != nil {
		out.FirstName, out.LastName, out.Title = p.FirstName, p.LastName, p.JobTitle
		out.Emails, out.Phones = emailsToProto(p.Emails), phonesToProto(p.Phones)
	}
	if o != nil {
		out.CompanyName = o.Name
	}
	return out
}

// parties fetches the persons and organizations leads link to, a hundred
// at a time (API v2 lists take up to 100 ids).
func parties(ctx context.Context, c *connector.Conn, leads []item[lead]) (map[ref]*person, map[ref]*organization, error) {
	var pids, oids []string
	seenP, seenO := map[ref]bool{}, map[ref]bool{}
	for _, l := range leads {
		if id := l.rec.PersonID; id != 0 && !seenP[id] {
			seenP[id] = true
			pids = append(pids, id.id())
		}
		if id := l.rec.OrganizationID; id != 0 && !seenO[id] {
			seenO[id] = true
			oids = append(oids, id.id())
		}
	}
	persons, orgs := map[ref]*person{}, map[ref]*organization{}
	for i := 0; i < len(pids); i += 100 {
		items, _, err := listV2[person](ctx, c, "/api/v2/persons", url.Values{"ids": {strings.Join(pids[i:min(i+100, len(pids))], ",")}}, 100, "", time.Time{})
		if err != nil {
			return nil, nil, err
		}
		for _, it := range items {
			persons[it.rec.ID] = &it.rec
		}
	}
	for i := 0; i < len(oids); i += 100 {
		items, _, err := listV2[organization](ctx, c, "/api/v2/organizations", url.Values{"ids": {strings.Join(oids[i:min(i+100, len(oids))], ",")}}, 100, "", time.Time{})
		if err != nil {
			return nil, nil, err
		}
		for _, it := range items {
			orgs[it.rec.ID] = &it.rec
		}
	}
	return persons, orgs, nil
}

func convertLeads(ctx context.Context, c *connector.Conn, fs *fieldSet, items []item[lead], raw bool) ([]*crmv1.Lead, error) {
	persons, orgs, err := parties(ctx, c, items)
	if err != nil {
		return nil, err
	}
	out := make([]*crmv1.Lead, 0, len(items))
	for _, it := range items {
		out = append(out, withRaw(leadToLead(it, persons[it.rec.PersonID], orgs[it.rec.OrganizationID], fs), it.raw, raw))
	}
	return out, nil
}

func listLeads(ctx context.Context, c *connector.Conn, fs *fieldSet, p connector.ListParams) (connector.Page[*crmv1.Lead], error) {
	active := func(ctx context.Context, pos string, limit int) ([]*crmv1.Lead, string, error) {
		start, err := offsetPos(pos)
		if err != nil {
			return nil, "", err
		}
		q := url.Values{}
		if !p.ModifiedSince.IsZero() {
			q.Set("updated_since", since(p.ModifiedSince))
		}
		items, next, err := listV1[lead](ctx, c, "/api/v1/leads", q, start, limit)
		if err != nil {
			return nil, "", err
		}
		out, err := convertLeads(ctx, c, fs, items, p.IncludeRaw)
		return out, offsetNext(next), err
	}
	archived := func(ctx context.Context, pos string, limit int) ([]*crmv1.Lead, string, error) {
		start, err := offsetPos(pos)
		if err != nil {
			return nil, "", err
		}
		items, next, err := listV1[lead](ctx, c, "/api/v1/leads/archived", nil, start, limit)
		if err != nil {
			return nil, "", err
		}
		// The archived list takes no updated_since: filter here.
		kept := items[:0]
		for _, it := range items {
			if p.ModifiedSince.IsZero() || !parseTime(it.rec.UpdateTime).Before(p.ModifiedSince) {
				kept = append(kept, it)
			}
		}
		out, err := convertLeads(ctx, c, fs, kept, p.IncludeRaw)
		return out, offsetNext(next), err
	}
	return pageStreams(ctx, []stream[*crmv1.Lead]{active, archived}, p.Cursor, min(p.PageSize, maxLimit))
}

// optional reads a record that may be gone: nil when Pipedrive answers 404
// or has it deleted.
func optional[T any](ctx context.Context, c *connector.Conn, path string, deleted func(T) bool) (*T, error) {
	it, err := one[T](ctx, c, http.MethodGet, path, nil)
	if status.Code(err) == codes.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if deleted(it.rec) {
		return nil, nil
	}
	return &it.rec, nil
}

func readLead(ctx context.Context, c *connector.Conn, fs *fieldSet, id string, raw bool) (*crmv1.Lead, error) {
	it, err := one[lead](ctx, c, http.MethodGet, "/api/v1/leads/"+id, nil)
	if err != nil {
		return nil, err
	}
	var p *person
	var o *organization
	if it.rec.PersonID != 0 {
		if p, err = optional(ctx, c, "/api/v2/persons/"+it.rec.PersonID.id(), func(p person) bool { return bool(p.IsDeleted) }); err != nil {
			return nil, err
		}
	}
	if it.rec.OrganizationID != 0 {
		if o, err = optional(ctx, c, "/api/v2/organizations/"+it.rec.OrganizationID.id(), func(o organization) bool { return bool(o.IsDeleted) }); err != nil {
			return nil, err
		}
	}
	return withRaw(leadToLead(it, p, o, fs), it.raw, raw), nil
}

// Lead writes fill one body with the lead's keys, its person's under
// "person." and its organization's name under "org.name"; splitLead sorts
// them out.
func leadFields(fs *fieldSet) connector.Fields[*crmv1.Lead] {
	return connector.Fields[*crmv1.Lead]{
		"name": func(l *crmv1.Lead, b map[string]any) error {
			if strings.TrimSpace(l.GetName()) == "" {
				return connector.BadField("name", "a Pipedrive lead always has a title")
			}
			b["title"] = l.GetName()
			return nil
		},
		"first_name": func(l *crmv1.Lead, b map[string]any) error { b["person.first_name"] = l.GetFirstName(); return nil },
		"last_name":  func(l *crmv1.Lead, b map[string]any) error { b["person.last_name"] = l.GetLastName(); return nil },
		"emails": func(l *crmv1.Lead, b map[string]any) error {
			v, err := emailsFromProto("emails", l.GetEmails())
			b["person.emails"] = v
			return err
		},
		"phones": func(l *crmv1.Lead, b map[string]any) error {
			v, err := phonesFromProto("phones", l.GetPhones())
			b["person.phones"] = v
			return err
		},
		"company_name": func(l *crmv1.Lead, b map[string]any) error {
			b["org.name"] = strings.TrimSpace(l.GetCompanyName())
			return nil
		},
		"status":        leadStatusWriter,
		"remote_status": leadRemoteStatusWriter,
		"owner_id": func(l *crmv1.Lead, b map[string]any) error {
			return setRequiredRef(b, "owner_id", "owner_id", l.GetOwnerId(), "an owner for a lead")
		},
		"custom_fields": func(l *crmv1.Lead, b map[string]any) error {
			v, err := fs.write(l.GetCustomFields(), true)
			for k, x := range v {
				b[k] = x
			}
			return err
		},
	}
}

// leadParts is a lead write sorted out.
type leadParts struct {
	lead    map[string]any
	person  map[string]any
	orgName *string
	// archive: the lead is to be archived (API v1 creates leads active).
	archive bool
}

func splitLead(body map[string]any, create bool) leadParts {
	lp := leadParts{lead: map[string]any{}, person: map[string]any{}}
	for k, v := range body {
		switch {
		case strings.HasPrefix(k, "person."):
			lp.person[strings.TrimPrefix(k, "person.")] = v
		case k == "org.name":
			s, _ := v.(string)
			lp.orgName = &s
		case k == "status":
			switch v {
			case "unseen":
				lp.lead["was_seen"] = false
				if !create {
					lp.lead["is_archived"] = false
				}
			case "seen":
				lp.lead["was_seen"] = true
				if !create {
					lp.lead["is_archived"] = false
				}
			case "archived":
				if create {
					lp.archive = true
				} else {
					lp.lead["is_archived"] = true
				}
			}
		default:
			lp.lead[k] = v
		}
	}
	return lp
}

var (
	leadWire = wireMap{
		"title": "name", "owner_id": "owner_id", "person_id": "last_name", "organization_id": "company_name",
		"was_seen": "status", "is_archived": "status",
	}
	leadPersonWire = wireMap{
		"name": "last_name", "first_name": "first_name", "last_name": "last_name", "emails": "emails", "phones": "phones",
		"org_id": "company_name", "owner_id": "owner_id",
	}
	leadOrgWire = wireMap{"name": "company_name", "owner_id": "owner_id"}
)

// personName completes a person body's name: both parts, or a name made
// of the first email or phone when the lead gives neither part.
func personName(pb map[string]any) {
	first, hasFirst := pb["first_name"].(string)
	last, hasLast := pb["last_name"].(string)
	if strings.TrimSpace(first+last) != "" {
		pb["first_name"], pb["last_name"] = first, last
		return
	}
	if !hasFirst && !hasLast {
		delete(pb, "first_name")
		delete(pb, "last_name")
	}
	for _, key := range []string{"emails", "phones"} {
		if vs, ok := pb[key].([]map[string]any); ok && len(vs) > 0 {
			delete(pb, "first_name")
			delete(pb, "last_name")
			pb["name"] = vs[0]["value"]
			return
		}
	}
}

func createLead(ctx context.Context, c *connector.Conn, fs *fieldSet, rec *crmv1.Lead) (*crmv1.Lead, error) {
	body, err := leadFields(fs).Body(rec, nil, "lead", Slug)
	if err != nil {
		return nil, err
	}
	lp := splitLead(body, true)
	if len(lp.person) == 0 && (lp.orgName == nil || *lp.orgName == "") {
		return nil, connector.FieldErrorsOf("lead", Slug, connector.BadField("last_name",
			"Pipedrive links every lead to a person or an organization: set the lead's name, emails or phones, or company_name"))
	}
	// What this create made, deleted again if the lead is refused.
	var made []string
	undo := func() {
		for i := len(made) - 1; i >= 0; i-- {
			_ = remove(context.WithoutCancel(ctx), c, made[i])
		}
	}
	owner, hasOwner := lp.lead["owner_id"]
	if lp.orgName != nil && *lp.orgName != "" {
		ob := map[string]any{"name": *lp.orgName}
		if hasOwner {
			ob["owner_id"] = owner
		}
		o, err := one[organization](ctx, c, http.MethodPost, "/api/v2/organizations", ob)
		if err != nil {
			return nil, rejected(err, "lead", leadOrgWire, nil)
		}
		made = append(made, "/api/v2/organizations/"+o.rec.ID.id())
		lp.lead["organization_id"] = int64(o.rec.ID)
	}
	if len(lp.person) > 0 {
		personName(lp.person)
		if id, ok := lp.lead["organization_id"]; ok {
			lp.person["org_id"] = id
		}
		if hasOwner {
			lp.person["owner_id"] = owner
		}
		p, err := one[person](ctx, c, http.MethodPost, "/api/v2/persons", lp.person)
		if err != nil {
			undo()
			return nil, rejected(err, "lead", leadPersonWire, nil)
		}
		made = append(made, "/api/v2/persons/"+p.rec.ID.id())
		lp.lead["person_id"] = int64(p.rec.ID)
		if _, ok := lp.lead["title"]; !ok {
			lp.lead["title"] = p.rec.Name
		}
	}
	if _, ok := lp.lead["title"]; !ok {
		lp.lead["title"] = *lp.orgName
	}
	l, err := one[lead](ctx, c, http.MethodPost, "/api/v1/leads", lp.lead)
	if err != nil {
		undo()
		return nil, rejected(err, "lead", leadWire, fs.name)
	}
	if lp.archive {
		if _, err := one[lead](ctx, c, http.MethodPatch, "/api/v1/leads/"+l.rec.ID, map[string]any{"is_archived": true}); err != nil {
			return nil, rejected(err, "lead", leadWire, fs.name)
		}
	}
	return readLead(ctx, c, fs, l.rec.ID, false)
}

func updateLead(ctx context.Context, c *connector.Conn, fs *fieldSet, rec *crmv1.Lead, mask []string) (*crmv1.Lead, error) {
	id := rec.GetId()
	body, err := leadFields(fs).Body(rec, mask, "lead", Slug)
	if err != nil {
		return nil, err
	}
	lp := splitLead(body, false)
	if len(lp.person) > 0 || lp.orgName != nil {
		cur, err := one[lead](ctx, c, http.MethodGet, "/api/v1/leads/"+id, nil)
		if err != nil {
			return nil, err
		}
		if err := updateLeadParty(ctx, c, cur.rec, &lp); err != nil {
			return nil, err
		}
	}
	if len(lp.lead) > 0 {
		if _, err := one[lead](ctx, c, http.MethodPatch, "/api/v1/leads/"+id, lp.lead); err != nil {
			return nil, rejected(err, "lead", leadWire, fs.name)
		}
	}
	return readLead(ctx, c, fs, id, false)
}

// updateLeadParty writes a lead update's person and organization parts:
// to the linked records, or to new ones linked to the lead.
func updateLeadParty(ctx context.Context, c *connector.Conn, cur lead, lp *leadParts) error {
	orgID := cur.OrganizationID
	if lp.orgName != nil {
		switch {
		case *lp.orgName == "" && orgID != 0:
			if cur.PersonID == 0 && len(lp.person) == 0 {
				return connector.FieldErrorsOf("lead", Slug, connector.BadField("company_name",
					"the lead has no person: Pipedrive keeps its organization (a lead needs one or the other)"))
			}
			lp.lead["organization_id"], orgID = nil, 0
		case *lp.orgName != "" && orgID != 0:
			if _, err := one[organization](ctx, c, http.MethodPatch, "/api/v2/organizations/"+orgID.id(), map[string]any{"name": *lp.orgName}); err != nil {
				return rejected(err, "lead", leadOrgWire, nil)
			}
		case *lp.orgName != "":
			o, err := one[organization](ctx, c, http.MethodPost, "/api/v2/organizations", map[string]any{"name": *lp.orgName})
			if err != nil {
				return rejected(err, "lead", leadOrgWire, nil)
			}
			orgID = o.rec.ID
			lp.lead["organization_id"] = int64(orgID)
		}
	}
	if len(lp.person) == 0 {
		return nil
	}
	if cur.PersonID == 0 {
		personName(lp.person)
		if orgID != 0 {
			lp.person["org_id"] = int64(orgID)
		}
		p, err := one[person](ctx, c, http.MethodPost, "/api/v2/persons", lp.person)
		if err != nil {
			return rejected(err, "lead", leadPersonWire, nil)
		}
		lp.lead["person_id"] = int64(p.rec.ID)
		return nil
	}
	path := "/api/v2/persons/" + cur.PersonID.id()
	if err := completeName(ctx, c, cur.PersonID.id(), lp.person); err != nil {
		return err
	}
	if _, err := one[person](ctx, c, http.MethodPatch, path, lp.person); err != nil {
		return rejected(err, "lead", leadPersonWire, nil)
	}
	return nil
}
