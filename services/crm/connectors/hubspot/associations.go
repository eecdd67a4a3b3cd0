package hubspot

import (
	"context"
	"slices"

	"github.com/unimesh/unimesh/pkg/connector"
)

// HubSpot-defined association type ids (associations v4 guide), from the
// first object to the second. Labeled types (Primary) come with the
// unlabeled one.
const (
	typeContactToCompany        = 279
	typeContactToPrimaryCompany = 1
	typeDealToContact           = 3
	typeDealToCompany           = 341
	typeDealToPrimaryCompany    = 5
	typeLeadToPrimaryContact    = 578
	typeLeadToPrimaryCompany    = 580
)

// primaryTypeIDs are the Primary labels among the types the connector reads.
var primaryTypeIDs = map[int]bool{
	typeContactToPrimaryCompany: true, typeDealToPrimaryCompany: true, typeLeadToPrimaryContact: true,
	typeLeadToPrimaryCompany: true, 582: true,
}

// primaryTypeNames are the v3 names of those labels, as reads with
// `associations=` write them ("contact_to_company" is the primary company,
// "contact_to_company_unlabeled" any associated one).
var primaryTypeNames = map[string]bool{
	"contact_to_company": true, "deal_to_company": true, "lead_to_primary_contact": true,
	"lead_to_primary_company": true, "lead_to_primary_deal": true,
}

// engagementTypeIDs are the association types from each engagement to
// contacts, companies, deals and leads (0: not associable; emails have no
// association to leads).
var engagementTypeIDs = map[string]map[string]int{
	"notes":    {"contacts": 202, "companies": 190, "deals": 214, "leads": 855},
	"calls":    {"contacts": 194, "companies": 182, "deals": 206, "leads": 597},
	"meetings": {"contacts": 200, "companies": 188, "deals": 212, "leads": 601},
	"emails":   {"contacts": 198, "companies": 186, "deals": 210},
	"tasks":    {"contacts": 204, "companies": 192, "deals": 216, "leads": 647},
}

// assocLink is one associated record; Primary when it carries a Primary label.
type assocLink struct {
	ID      string
	Primary bool
}

func mergeLink(links []assocLink, l assocLink) []assocLink {
	for i := range links {
		if links[i].ID == l.ID {
			links[i].Primary = links[i].Primary || l.Primary
			return links
		}
	}
	return append(links, l)
}

// v3Links groups v3's association results (one per type) by record.
func v3Links(in map[string]v3AssociationResults) map[string][]assocLink {
	if len(in) == 0 {
		return nil
	}
	out := map[string][]assocLink{}
	for typ, res := range in {
		for _, a := range res.Results {
			out[typ] = mergeLink(out[typ], assocLink{ID: string(a.ID), Primary: primaryTypeNames[a.Type]})
		}
	}
	return out
}

// linkIDs lists the ids of a record's associations to typ.
func (o *object) linkIDs(typ string) []string {
	ids := make([]string, 0, len(o.links[typ]))
	for _, l := range o.links[typ] {
		ids = append(ids, l.ID)
	}
	return ids
}

// primaryLink is the record's primary association to typ: the one with a
// Primary label, else the first one.
func (o *object) primaryLink(typ string) string {
	for _, l := range o.links[typ] {
		if l.Primary {
			return l.ID
		}
	}
	if ls := o.links[typ]; len(ls) > 0 {
		return ls[0].ID
	}
	return ""
}

// hydrateLinks reads with v4 the associations of records that came from a
// search, which returns none.
func hydrateLinks(ctx context.Context, c *connector.Conn, from string, objs []object, types []string) error {
	if len(objs) == 0 || len(types) == 0 {
		return nil
	}
	ids := make([]string, 0, len(objs))
	for _, o := range objs {
		ids = append(ids, o.ID)
	}
	for _, to := range types {
		byID, err := batchReadAssociations(ctx, c, from, to, ids)
		if err != nil {
			return err
		}
		for i := range objs {
			if objs[i].links == nil {
				objs[i].links = map[string][]assocLink{}
			}
			objs[i].links[to] = byID[objs[i].ID]
		}
	}
	return nil
}

// link is the associations a write asks for, to one object type.
type link struct {
	field  string // the unified field, for errors: "company_id"
	toType string // "companies"
	ids    []string
	// typeID is the association type written on create, and on update for
	// a primary link; multi links use the default type on update.
	typeID int
	// primary links are single: the record's primary association of the
	// type. Changing it sets the Primary label on the new record (the old
	// one stays associated, unlabeled, as in HubSpot); clearing it removes
	// the association.
	primary bool
}

// createInputs turns links into a create's associations.
func createInputs(links []*link) []assocInput {
	var out []assocInput
	for _, l := range links {
		for _, id := range l.ids {
			out = append(out, assocInput{To: assocTo{ID: id},
				Types: []assocSpec{{AssociationCategory: "HUBSPOT_DEFINED", AssociationTypeID: l.typeID}}})
		}
	}
	return out
}

// applyLinks changes a record's associations from what cur holds to what
// links ask for, with the v4 endpoints.
func applyLinks(ctx context.Context, c *connector.Conn, from, id string, cur *object, links []*link) error {
	for _, l := range links {
		if l.primary {
			want, have := "", cur.primaryLink(l.toType)
			if len(l.ids) > 0 {
				want = l.ids[0]
			}
			switch {
			case want == have && (want == "" || isPrimary(cur, l.toType, want)):
			case want == "":
				if err := dissociate(ctx, c, from, id, l.toType, have); err != nil {
					return err
				}
			default:
				if err := associate(ctx, c, from, id, l.toType, want, l.typeID); err != nil {
					return err
				}
			}
			continue
		}
		have := cur.linkIDs(l.toType)
		for _, want := range l.ids {
			if !slices.Contains(have, want) {
				if err := associateDefault(ctx, c, from, id, l.toType, want); err != nil {
					return err
				}
			}
		}
		for _, h := range have {
			if !slices.Contains(l.ids, h) {
				if err := dissociate(ctx, c, from, id, l.toType, h); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func isPrimary(o *object, typ, id string) bool {
	for _, l := range o.links[typ] {
		if l.ID == id {
			return l.Primary
		}
	}
	return false
}
