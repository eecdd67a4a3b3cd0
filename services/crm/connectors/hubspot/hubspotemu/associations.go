package hubspotemu

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"

	"github.com/unimesh/unimesh/pkg/emulator"
)

// assocType is one HubSpot-defined association type: a direction between
// two object types, unlabeled or with a label such as Primary.
type assocType struct {
	ID        int
	From, To  string
	Name      string // as v3 reads name it: "contact_to_company"
	Label     string // "" for unlabeled types
	Inverse   int    // the type written the other way; 0 when none
	Primary   bool   // a record has at most one association of this type
	Implies   int    // the unlabeled type a labeled one comes with
	Unlabeled bool
}

// assocTypes are the HubSpot-defined association type ids of the
// association guide's tables, for the objects the emulator serves.
var assocTypes = func() map[int]*assocType {
	list := []*assocType{
		{ID: 279, From: "contacts", To: "companies", Name: "contact_to_company_unlabeled", Inverse: 280, Unlabeled: true},
		{ID: 280, From: "companies", To: "contacts", Name: "company_to_contact_unlabeled", Inverse: 279, Unlabeled: true},
		{ID: 1, From: "contacts", To: "companies", Name: "contact_to_company", Label: "Primary", Primary: true, Implies: 279},
		{ID: 2, From: "companies", To: "contacts", Name: "company_to_contact", Label: "Primary", Primary: true, Implies: 280},
		{ID: 4, From: "contacts", To: "deals", Name: "contact_to_deal", Inverse: 3, Unlabeled: true},
		{ID: 3, From: "deals", To: "contacts", Name: "deal_to_contact", Inverse: 4, Unlabeled: true},
		{ID: 341, From: "deals", To: "companies", Name: "deal_to_company_unlabeled", Inverse: 342, Unlabeled: true},
		{ID: 342, From: "companies", To: "deals", Name: "company_to_deal_unlabeled", Inverse: 341, Unlabeled: true},
		{ID: 5, From: "deals", To: "companies", Name: "deal_to_company", Label: "Primary", Primary: true, Implies: 341, Inverse: 6},
		{ID: 6, From: "companies", To: "deals", Name: "company_to_deal", Label: "Primary", Implies: 342, Inverse: 5},
		{ID: 608, From: "leads", To: "contacts", Name: "lead_to_contact", Inverse: 609, Unlabeled: true},
		{ID: 609, From: "contacts", To: "leads", Name: "contact_to_lead", Inverse: 608, Unlabeled: true},
		{ID: 578, From: "leads", To: "contacts", Name: "lead_to_primary_contact", Label: "Primary", Primary: true, Implies: 608, Inverse: 579},
		{ID: 579, From: "contacts", To: "leads", Name: "primary_contact_to_lead", Label: "Primary", Implies: 609, Inverse: 578},
		{ID: 610, From: "leads", To: "companies", Name: "lead_to_company", Inverse: 611, Unlabeled: true},
		{ID: 611, From: "companies", To: "leads", Name: "company_to_lead", Inverse: 610, Unlabeled: true},
		{ID: 580, From: "leads", To: "companies", Name: "lead_to_primary_company", Label: "Primary", Primary: true, Implies: 610, Inverse: 581},
		{ID: 581, From: "companies", To: "leads", Name: "primary_company_to_lead", Label: "Primary", Implies: 611, Inverse: 580},
		{ID: 1037, From: "leads", To: "deals", Name: "lead_to_deal", Inverse: 1038, Unlabeled: true},
		{ID: 1038, From: "deals", To: "leads", Name: "deal_to_lead", Inverse: 1037, Unlabeled: true},
		{ID: 582, From: "leads", To: "deals", Name: "lead_to_primary_deal", Label: "Primary", Primary: true, Implies: 1037, Inverse: 583},
		{ID: 583, From: "deals", To: "leads", Name: "primary_deal_to_lead", Label: "Primary", Implies: 1038, Inverse: 582},
	}
	// Engagements: unlabeled, to contacts, companies, deals and (but for
	// emails) leads, with the inverse types of the guide's tables.
	for _, a := range []struct {
		from                                     string
		contact, company, deal, lead             int
		invContact, invCompany, invDeal, invLead int
	}{
		{"notes", 202, 190, 214, 855, 201, 189, 213, 854},
		{"calls", 194, 182, 206, 597, 193, 181, 205, 596},
		{"emails", 198, 186, 210, 0, 197, 185, 209, 0},
		{"meetings", 200, 188, 212, 601, 199, 187, 211, 600},
		{"tasks", 204, 192, 216, 647, 203, 191, 215, 646},
	} {
		one := lookupType(a.from).Singular
		add := func(id, inv int, to string) {
			if id == 0 {
				return
			}
			toOne := lookupType(to).Singular
			list = append(list,
				&assocType{ID: id, From: a.from, To: to, Name: one + "_to_" + toOne, Inverse: inv, Unlabeled: true},
				&assocType{ID: inv, From: to, To: a.from, Name: toOne + "_to_" + one, Inverse: id, Unlabeled: true})
		}
		add(a.contact, a.invContact, "contacts")
		add(a.company, a.invCompany, "companies")
		add(a.deal, a.invDeal, "deals")
		add(a.lead, a.invLead, "leads")
	}
	out := map[int]*assocType{}
	for _, t := range list {
		out[t.ID] = t
	}
	return out
}()

// defaultAssocType is the unlabeled type between two object types; 0 when
// they cannot be associated.
func defaultAssocType(from, to string) int {
	for _, t := range assocTypes {
		if t.From == from && t.To == to && t.Unlabeled {
			return t.ID
		}
	}
	return 0
}

// edgeView is one association seen from one side.
type edgeView struct {
	ToType, ToID string
	Types        []int
}

// associationsOf lists the records of toType associated with a record,
// leaving out archived ones, in a stable order.
func (e *Emulator) associationsOf(fromType, fromID, toType string) []edgeView {
	var out []edgeView
	e.edges.Each(func(ed *Edge) bool {
		switch {
		case ed.AType == fromType && ed.AID == fromID && ed.BType == toType && len(ed.AToB) > 0:
			out = append(out, edgeView{ToType: toType, ToID: ed.BID, Types: slices.Clone(ed.AToB)})
		case ed.BType == fromType && ed.BID == fromID && ed.AType == toType && len(ed.BToA) > 0:
			out = append(out, edgeView{ToType: toType, ToID: ed.AID, Types: slices.Clone(ed.BToA)})
		}
		return true
	})
	live := out[:0]
	for _, v := range out {
		if o, ok := e.Object(toType, v.ToID); ok && !o.Archived {
			live = append(live, v)
		}
	}
	sort.Slice(live, func(i, j int) bool { return idLess(live[i].ToID, live[j].ToID) })
	return live
}

func idLess(a, b string) bool {
	x, errA := strconv.ParseInt(a, 10, 64)
	y, errB := strconv.ParseInt(b, 10, 64)
	if errA == nil && errB == nil {
		return x < y
	}
	return a < b
}

// edgeKey identifies an edge whichever way round its records are given.
func edgeKey(aType, aID, bType, bID string) string {
	if aType+"/"+aID > bType+"/"+bID {
		aType, aID, bType, bID = bType, bID, aType, aID
	}
	return aType + "/" + aID + "|" + bType + "/" + bID
}

// edgeID finds the edge between two records. Edges number a few hundred in
// the emulator: a scan keeps Save/Load trivially right, with no index to
// rebuild.
func (e *Emulator) edgeID(aType, aID, bType, bID string) (string, bool) {
	key := edgeKey(aType, aID, bType, bID)
	var id string
	e.edges.Each(func(ed *Edge) bool {
		if edgeKey(ed.AType, ed.AID, ed.BType, ed.BID) == key {
			id = ed.ID
			return false
		}
		return true
	})
	return id, id != ""
}

// addAssociation associates two records with the given types (from the
// first record's side), adding the unlabeled types labeled ones imply and
// the inverse types on the other side. A primary type moves: the record's
// previous association of that type loses it.
func (e *Emulator) addAssociation(fromType, fromID, toType, toID string, types []int) {
	// One writer at a time: finding an edge and inserting it must not race
	// with another request doing the same.
	e.assocMu.Lock()
	defer e.assocMu.Unlock()
	var all []int
	for _, id := range types {
		all = append(all, id)
		if t := assocTypes[id]; t != nil && t.Implies != 0 {
			all = append(all, t.Implies)
		}
	}
	for _, id := range all {
		if t := assocTypes[id]; t != nil && t.Primary {
			for _, other := range e.associationsOf(fromType, fromID, toType) {
				if other.ToID != toID && slices.Contains(other.Types, id) {
					e.removeTypes(fromType, fromID, toType, other.ToID, []int{id})
				}
			}
		}
	}
	var inverse []int
	for _, id := range all {
		if t := assocTypes[id]; t != nil && t.Inverse != 0 {
			inverse = append(inverse, t.Inverse)
		}
	}
	if id, ok := e.edgeID(fromType, fromID, toType, toID); ok {
		_, _ = e.edges.Update(id, func(ed *Edge) error {
			if ed.AType == fromType && ed.AID == fromID {
				ed.AToB, ed.BToA = union(ed.AToB, all), union(ed.BToA, inverse)
			} else {
				ed.BToA, ed.AToB = union(ed.BToA, all), union(ed.AToB, inverse)
			}
			return nil
		})
		return
	}
	e.edges.Insert(Edge{AType: fromType, AID: fromID, BType: toType, BID: toID, AToB: union(nil, all), BToA: union(nil, inverse)})
}

// removeTypes drops association types from an edge (and their inverses);
// the caller holds assocMu.
func (e *Emulator) removeTypes(fromType, fromID, toType, toID string, types []int) {
	id, ok := e.edgeID(fromType, fromID, toType, toID)
	if !ok {
		return
	}
	inverse := []int{}
	for _, t := range types {
		if at := assocTypes[t]; at != nil && at.Inverse != 0 {
			inverse = append(inverse, at.Inverse)
		}
	}
	_, _ = e.edges.Update(id, func(ed *Edge) error {
		if ed.AType == fromType && ed.AID == fromID {
			ed.AToB, ed.BToA = minus(ed.AToB, types), minus(ed.BToA, inverse)
		} else {
			ed.BToA, ed.AToB = minus(ed.BToA, types), minus(ed.AToB, inverse)
		}
		return nil
	})
}

// removeAssociation removes every association between two records.
func (e *Emulator) removeAssociation(aType, aID, bType, bID string) bool {
	e.assocMu.Lock()
	defer e.assocMu.Unlock()
	id, ok := e.edgeID(aType, aID, bType, bID)
	if !ok {
		return false
	}
	return e.edges.Delete(id)
}

func union(a, b []int) []int {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	sort.Ints(out)
	return out
}

func minus(a, b []int) []int {
	var out []int
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// --- v3: associations on object reads ----------------------------------------

type v3AssocResult struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

type v3AssocCollection struct {
	Results []v3AssocResult `json:"results"`
}

// v3Associations renders the associations a read asked for, keyed by the
// plural object name, as v3 does; types without associations are left out.
func (e *Emulator) v3Associations(t *objectType, id string, wanted []string) map[string]v3AssocCollection {
	out := map[string]v3AssocCollection{}
	for _, w := range wanted {
		to := lookupType(w)
		if to == nil {
			continue // HubSpot ignores associations it does not know
		}
		var res []v3AssocResult
		for _, v := range e.associationsOf(t.Name, id, to.Name) {
			for _, tid := range v.Types {
				name := fmt.Sprintf("%s_to_%s", t.Singular, to.Singular)
				if at := assocTypes[tid]; at != nil {
					name = at.Name
				}
				res = append(res, v3AssocResult{ID: v.ToID, Type: name})
			}
		}
		if len(res) > 0 {
			out[to.Name] = v3AssocCollection{Results: res}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// assocInput is one association of a create: {to: {id}, types: [...]}.
type assocInput struct {
	To struct {
		ID any `json:"id"`
	} `json:"to"`
	Types []assocSpec `json:"types"`
}

type assocSpec struct {
	AssociationCategory string `json:"associationCategory"`
	AssociationTypeID   int    `json:"associationTypeId"`
}

type pendingAssoc struct {
	toType, toID string
	types        []int
}

// checkAssociations validates the associations of a create: known type ids
// from this object type, to records that exist.
func (e *Emulator) checkAssociations(t *objectType, in []assocInput) ([]pendingAssoc, []errorDetail) {
	var out []pendingAssoc
	var errs []errorDetail
	for _, a := range in {
		toID, _ := stringValue(a.To.ID)
		if len(a.Types) == 0 {
			errs = append(errs, errorDetail{Message: fmt.Sprintf("association to %s has no types", toID), Code: "INVALID_ASSOCIATION"})
			continue
		}
		var toType string
		var types []int
		for _, s := range a.Types {
			at := assocTypes[s.AssociationTypeID]
			if at == nil || at.From != t.Name || s.AssociationCategory != "HUBSPOT_DEFINED" {
				errs = append(errs, errorDetail{Message: fmt.Sprintf("%s %d is not a valid association type from %s",
					s.AssociationCategory, s.AssociationTypeID, t.Name), Code: "INVALID_ASSOCIATION_TYPE",
					Context: map[string][]string{"associationTypeId": {strconv.Itoa(s.AssociationTypeID)}}})
				continue
			}
			toType = at.To
			types = append(types, at.ID)
		}
		if toType == "" {
			continue
		}
		if o, ok := e.Object(toType, toID); !ok || o.Archived {
			errs = append(errs, errorDetail{Message: fmt.Sprintf("No %s with id %s exists", lookupType(toType).Singular, toID),
				Code: "INVALID_ASSOCIATION", Context: map[string][]string{"toObjectType": {toType}, "toObjectId": {toID}}})
			continue
		}
		out = append(out, pendingAssoc{toType: toType, toID: toID, types: types})
	}
	return out, errs
}

// --- v4 endpoints ------------------------------------------------------------

// assocEnds resolves the two records of a v4 association path.
func (e *Emulator) assocEnds(w http.ResponseWriter, r *http.Request) (from *objectType, fromID string, to *objectType, toID string, ok bool) {
	from, to = lookupType(r.PathValue("from")), lookupType(r.PathValue("to"))
	fromID, toID = r.PathValue("id"), r.PathValue("toId")
	if from == nil || to == nil {
		e.badRequest(w, fmt.Sprintf("Unable to infer object type from: %s", firstUnknown(r.PathValue("from"), r.PathValue("to"))))
		return nil, "", nil, "", false
	}
	if o, found := e.Object(from.Name, fromID); !found || o.Archived {
		e.notFound(w, fmt.Sprintf("No %s with id %s exists", from.Singular, fromID), fromID)
		return nil, "", nil, "", false
	}
	if toID != "" {
		if o, found := e.Object(to.Name, toID); !found || o.Archived {
			e.badRequest(w, fmt.Sprintf("No %s with id %s exists", to.Singular, toID), errorDetail{
				Message: fmt.Sprintf("No %s with id %s exists", to.Singular, toID), Code: "INVALID_ASSOCIATION",
				Context: map[string][]string{"toObjectType": {to.Name}, "toObjectId": {toID}}})
			return nil, "", nil, "", false
		}
	}
	return from, fromID, to, toID, true
}

func firstUnknown(names ...string) string {
	for _, n := range names {
		if lookupType(n) == nil {
			return n
		}
	}
	return ""
}

func numericID(id string) any {
	if n, err := strconv.ParseInt(id, 10, 64); err == nil {
		return n
	}
	return id
}

// associateDefault answers PUT .../associations/default/{to}/{toId}: the
// unlabeled association, in both directions.
func (e *Emulator) associateDefault(w http.ResponseWriter, r *http.Request) {
	from, fromID, to, toID, ok := e.assocEnds(w, r)
	if !ok {
		return
	}
	typ := defaultAssocType(from.Name, to.Name)
	if typ == 0 {
		e.badRequest(w, fmt.Sprintf("%s cannot be associated with %s", from.Name, to.Name))
		return
	}
	e.addAssociation(from.Name, fromID, to.Name, toID, []int{typ})
	now := formatTime(e.Store.Now())
	result := func(a, b string, id int) map[string]any {
		return map[string]any{"from": map[string]string{"id": a}, "to": map[string]string{"id": b},
			"associationSpec": assocSpec{AssociationCategory: "HUBSPOT_DEFINED", AssociationTypeID: id}}
	}
	emulator.WriteJSON(w, http.StatusOK, map[string]any{"status": "COMPLETE", "results": []any{
		result(fromID, toID, typ), result(toID, fromID, assocTypes[typ].Inverse)}, "startedAt": now, "completedAt": now})
}

// associateLabeled answers PUT .../associations/{to}/{toId} with a list of
// association types.
func (e *Emulator) associateLabeled(w http.ResponseWriter, r *http.Request) {
	from, fromID, to, toID, ok := e.assocEnds(w, r)
	if !ok {
		return
	}
	var specs []assocSpec
	if !e.decodeBody(w, r, &specs) {
		return
	}
	var types []int
	var labels []string
	for _, s := range specs {
		at := assocTypes[s.AssociationTypeID]
		if at == nil || at.From != from.Name || at.To != to.Name {
			e.badRequest(w, fmt.Sprintf("%s %d is not a valid association type from %s to %s",
				s.AssociationCategory, s.AssociationTypeID, from.Name, to.Name))
			return
		}
		types = append(types, at.ID)
		if at.Label != "" {
			labels = append(labels, at.Label)
		}
	}
	if len(types) == 0 {
		e.badRequest(w, "at least one association type is required")
		return
	}
	e.addAssociation(from.Name, fromID, to.Name, toID, types)
	if labels == nil {
		labels = []string{}
	}
	emulator.WriteJSON(w, http.StatusCreated, map[string]any{"fromObjectTypeId": from.TypeID, "fromObjectId": numericID(fromID),
		"toObjectTypeId": to.TypeID, "toObjectId": numericID(toID), "labels": labels})
}

// dissociate answers DELETE .../associations/{to}/{toId}: every association
// between the two records goes.
func (e *Emulator) dissociate(w http.ResponseWriter, r *http.Request) {
	from, fromID, to, toID, ok := e.assocEnds(w, r)
	if !ok {
		return
	}
	e.removeAssociation(from.Name, fromID, to.Name, toID)
	w.WriteHeader(http.StatusNoContent)
}

type v4AssocType struct {
	Category string  `json:"category"`
	TypeID   int     `json:"typeId"`
	Label    *string `json:"label"`
}

type v4Associated struct {
	ToObjectID       any           `json:"toObjectId"`
	AssociationTypes []v4AssocType `json:"associationTypes"`
}

func v4View(v edgeView) v4Associated {
	out := v4Associated{ToObjectID: numericID(v.ToID)}
	for _, id := range v.Types {
		at := v4AssocType{Category: "HUBSPOT_DEFINED", TypeID: id}
		if t := assocTypes[id]; t != nil && t.Label != "" {
			label := t.Label
			at.Label = &label
		}
		out.AssociationTypes = append(out.AssociationTypes, at)
	}
	return out
}

// listAssociations answers GET /crm/v4/objects/{from}/{id}/associations/{to}.
func (e *Emulator) listAssociations(w http.ResponseWriter, r *http.Request) {
	from, fromID, to, _, ok := e.assocEnds(w, r)
	if !ok {
		return
	}
	results := []v4Associated{}
	for _, v := range e.associationsOf(from.Name, fromID, to.Name) {
		results = append(results, v4View(v))
	}
	emulator.WriteJSON(w, http.StatusOK, map[string]any{"results": results})
}

// batchReadAssociations answers POST /crm/v4/associations/{from}/{to}/batch/read:
// 200 when every input has associations, else 207 with an error per input
// that has none.
func (e *Emulator) batchReadAssociations(w http.ResponseWriter, r *http.Request) {
	from, to := lookupType(r.PathValue("from")), lookupType(r.PathValue("to"))
	if from == nil || to == nil {
		e.badRequest(w, fmt.Sprintf("Unable to infer object type from: %s", firstUnknown(r.PathValue("from"), r.PathValue("to"))))
		return
	}
	var in struct {
		Inputs []struct {
			ID any `json:"id"`
		} `json:"inputs"`
	}
	if !e.decodeBody(w, r, &in) {
		return
	}
	if len(in.Inputs) > 1000 {
		e.badRequest(w, "Batch read is limited to 1000 inputs")
		return
	}
	now := formatTime(e.Store.Now())
	results := []any{}
	var errs []apiError
	for _, input := range in.Inputs {
		id, _ := stringValue(input.ID)
		views := e.associationsOf(from.Name, id, to.Name)
		if len(views) == 0 {
			errs = append(errs, apiError{Status: "error", Category: "OBJECT_NOT_FOUND", SubCategory: "crm.associations.NO_ASSOCIATIONS_FOUND",
				Context: map[string][]string{"fromObjectId": {id}}, Message: fmt.Sprintf("No %s is associated with object %s", to.Name, id)})
			continue
		}
		tos := make([]v4Associated, 0, len(views))
		for _, v := range views {
			tos = append(tos, v4View(v))
		}
		results = append(results, map[string]any{"from": map[string]string{"id": id}, "to": tos})
	}
	body := map[string]any{"status": "COMPLETE", "results": results, "startedAt": now, "completedAt": now}
	status := http.StatusOK
	if len(errs) > 0 {
		for i := range errs {
			errs[i].CorrelationID = e.correlationID()
		}
		body["errors"], body["numErrors"], status = errs, len(errs), http.StatusMultiStatus
	}
	emulator.WriteJSON(w, status, body)
}
