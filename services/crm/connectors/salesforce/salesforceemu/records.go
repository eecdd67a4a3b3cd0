package salesforceemu

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/unimesh/unimesh/pkg/emulator"
)

// sfErrors is a refused write: the errors the answer lists.
type sfErrors []sfError

func (e sfErrors) Error() string { return e[0].ErrorCode + ": " + e[0].Message }

func (e *Emulator) coll(o *sobject) *emulator.Collection[Record] {
	return e.data[strings.ToLower(o.Name)]
}

// find returns a live record by id, of whatever object.
func (e *Emulator) find(id string) (*sobject, Record, bool) {
	cid, ok := canonicalID(id)
	if !ok {
		return nil, nil, false
	}
	o := e.byKey[cid[:3]]
	if o == nil {
		return nil, nil, false
	}
	rec, _, ok := e.coll(o).Get(cid)
	return o, rec, ok
}

func (e *Emulator) isDeleted(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, ok := e.deleted[id]
	return ok
}

func recordURL(o *sobject, id string) string { return dataPath + "/sobjects/" + o.Name + "/" + id }

func attributes(o *sobject, id string) json.RawMessage {
	return mustJSON(map[string]string{"type": o.Name, "url": recordURL(o, id)})
}

// recordID checks the id of a record URL. Salesforce reads a path segment
// that is not an id of the object as an external id value, and answers so.
func (e *Emulator) recordID(w http.ResponseWriter, o *sobject, raw string) (string, bool) {
	id, ok := canonicalID(raw)
	if !ok || id[:3] != o.KeyPrefix {
		writeErrors(w, http.StatusNotFound, sfError{ErrorCode: "NOT_FOUND", Message: "Provided external ID field does not exist or is not accessible: " + raw})
		return "", false
	}
	return id, true
}

func (e *Emulator) get(w http.ResponseWriter, r *http.Request, o *sobject, raw string) {
	id, ok := e.recordID(w, o, raw)
	if !ok {
		return
	}
	rec, _, found := e.coll(o).Get(id)
	if !found {
		writeErrors(w, http.StatusNotFound, sfError{ErrorCode: "NOT_FOUND", Message: "The requested resource does not exist"})
		return
	}
	var refs []fieldRef
	if fs := r.URL.Query().Get("fields"); fs != "" {
		hasID := false
		for _, name := range strings.Split(fs, ",") {
			name = strings.TrimSpace(name)
			f := o.field(name)
			if f == nil {
				writeErrors(w, http.StatusBadRequest, sfError{ErrorCode: "INVALID_FIELD", Message: noSuchColumn(o, name)})
				return
			}
			hasID = hasID || f.Name == "Id"
			refs = append(refs, fieldRef{path: []string{f.Name}, f: f})
		}
		if !hasID {
			refs = append(refs, fieldRef{path: []string{"Id"}, f: o.field("Id")})
		}
	} else {
		for _, f := range o.Fields {
			refs = append(refs, fieldRef{path: []string{f.Name}, f: f})
		}
	}
	writeRaw(w, http.StatusOK, e.renderRecord(o, rec, refs))
}

func noSuchColumn(o *sobject, name string) string {
	return fmt.Sprintf("No such column '%s' on entity '%s'. If you are attempting to use a custom field, be sure to append the '__c' "+
		"after the custom field name. Please reference your WSDL or the describe call for the appropriate names.", name, o.Name)
}

// decodeBody reads a JSON object, keeping numbers as their text.
func decodeBody(r *http.Request) (map[string]any, *sfError) {
	var body map[string]any
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil || body == nil {
		msg := "Unexpected end-of-input: expected close marker for OBJECT at [line:1, column:1]"
		var se *json.SyntaxError
		if errors.As(err, &se) {
			msg = fmt.Sprintf("Unexpected character: was expecting a valid JSON value at [line:1, column:%d]", se.Offset)
		} else if err == nil {
			msg = "Cannot deserialize instance of sObject from VALUE_NULL value null"
		}
		return nil, &sfError{ErrorCode: "JSON_PARSER_ERROR", Message: msg}
	}
	return body, nil
}

func (e *Emulator) create(w http.ResponseWriter, r *http.Request, o *sobject) {
	if !o.Createable {
		writeErrors(w, http.StatusBadRequest, sfError{ErrorCode: "INVALID_TYPE_FOR_OPERATION", Message: "entity type cannot be inserted: " + o.Label})
		return
	}
	body, perr := decodeBody(r)
	if perr != nil {
		writeErrors(w, http.StatusBadRequest, *perr)
		return
	}
	rec := Record{}
	if errs := e.apply(o, nil, rec, body); len(errs) > 0 {
		writeErrors(w, http.StatusBadRequest, errs...)
		return
	}
	e.defaults(o, rec, body)
	if errs := e.derive(o, nil, rec, body); len(errs) > 0 {
		writeErrors(w, http.StatusBadRequest, errs...)
		return
	}
	stored := e.coll(o).Insert(rec)
	writeRaw(w, http.StatusCreated, map[string]any{"id": stored["Id"], "success": true, "errors": []any{}})
}

func (e *Emulator) update(w http.ResponseWriter, r *http.Request, o *sobject, raw string) {
	id, ok := e.recordID(w, o, raw)
	if !ok {
		return
	}
	if !o.Updateable {
		writeErrors(w, http.StatusBadRequest, sfError{ErrorCode: "INVALID_TYPE_FOR_OPERATION", Message: "entity type cannot be updated: " + o.Label})
		return
	}
	if e.isDeleted(id) {
		writeErrors(w, http.StatusNotFound, sfError{ErrorCode: "ENTITY_IS_DELETED", Message: "entity is deleted", Fields: []string{}})
		return
	}
	body, perr := decodeBody(r)
	if perr != nil {
		writeErrors(w, http.StatusBadRequest, *perr)
		return
	}
	_, err := e.coll(o).Update(id, func(rec *Record) error {
		old := Record{}
		for k, v := range *rec {
			old[k] = v
		}
		if o.Name == "Lead" && old["IsConverted"] == true {
			return sfErrors{{ErrorCode: "CANNOT_UPDATE_CONVERTED_LEAD", Message: "cannot reference converted lead", Fields: []string{}}}
		}
		if errs := e.apply(o, old, *rec, body); len(errs) > 0 {
			return errs
		}
		if errs := e.derive(o, old, *rec, body); len(errs) > 0 {
			return errs
		}
		return nil
	})
	var se sfErrors
	switch {
	case errors.Is(err, emulator.ErrNotFound):
		writeErrors(w, http.StatusNotFound, sfError{ErrorCode: "NOT_FOUND", Message: "The requested resource does not exist"})
	case errors.As(err, &se):
		writeErrors(w, http.StatusBadRequest, se...)
	case err != nil:
		writeErrors(w, http.StatusInternalServerError, sfError{ErrorCode: "UNKNOWN_EXCEPTION", Message: "An unexpected error occurred."})
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

func (e *Emulator) delete(w http.ResponseWriter, o *sobject, raw string) {
	id, ok := e.recordID(w, o, raw)
	if !ok {
		return
	}
	if !o.Deletable {
		writeErrors(w, http.StatusBadRequest, sfError{ErrorCode: "INVALID_TYPE_FOR_OPERATION", Message: "entity type cannot be deleted: " + o.Label})
		return
	}
	if e.isDeleted(id) {
		writeErrors(w, http.StatusNotFound, sfError{ErrorCode: "ENTITY_IS_DELETED", Message: "entity is deleted", Fields: []string{}})
		return
	}
	if !e.coll(o).Exists(id) {
		writeErrors(w, http.StatusNotFound, sfError{ErrorCode: "NOT_FOUND", Message: "The requested resource does not exist"})
		return
	}
	e.remove(o, id)
	w.WriteHeader(http.StatusNoContent)
}

// remove moves a record to the recycle bin with what Salesforce deletes
// along with it: an Account's Contacts and Opportunities, and every
// record's Tasks and Events.
func (e *Emulator) remove(o *sobject, id string) {
	if !e.coll(o).Delete(id) {
		return
	}
	e.mu.Lock()
	e.deleted[id] = o.Name
	e.mu.Unlock()
	var cascade []struct {
		o  *sobject
		id string
	}
	collect := func(object string, match func(Record) bool) {
		child := e.objects[strings.ToLower(object)]
		e.coll(child).Each(func(r *Record) bool {
			if match(*r) {
				cascade = append(cascade, struct {
					o  *sobject
					id string
				}{child, (*r)["Id"].(string)})
			}
			return true
		})
	}
	if o.Name == "Account" {
		for _, child := range []string{"Contact", "Opportunity"} {
			collect(child, func(r Record) bool { return r["AccountId"] == id })
		}
	}
	for _, child := range []string{"Task", "Event"} {
		collect(child, func(r Record) bool { return r["WhoId"] == id || r["WhatId"] == id })
	}
	for _, c := range cascade {
		e.remove(c.o, c.id)
	}
}

// apply writes a body's fields into rec, checking each; old is nil on create.
func (e *Emulator) apply(o *sobject, old, rec Record, body map[string]any) sfErrors {
	keys := make([]string, 0, len(body))
	for k := range body {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var errs sfErrors
	var readOnly []string
	for _, k := range keys {
		if k == "attributes" {
			continue
		}
		f := o.field(k)
		if f == nil {
			return sfErrors{{ErrorCode: "INVALID_FIELD", Message: fmt.Sprintf("No such column '%s' on sobject of type %s", k, o.Name)}}
		}
		if old == nil && !f.Createable || old != nil && !f.Updateable {
			readOnly = append(readOnly, f.Name)
			continue
		}
		v, cerr := convert(f, body[k])
		if cerr != nil {
			errs = append(errs, *cerr)
			continue
		}
		if f.Type == tReference && v != nil {
			id, rerr := e.checkRef(o, f, v.(string))
			if rerr != nil {
				errs = append(errs, *rerr)
				continue
			}
			v = id
		}
		rec[f.Name] = v
	}
	if len(readOnly) > 0 {
		errs = append(sfErrors{{ErrorCode: "INVALID_FIELD_FOR_INSERT_UPDATE", Fields: readOnly,
			Message: "Unable to create/update fields: " + strings.Join(readOnly, ", ") +
				". Please check the security settings of this field and verify that it is read/write for your profile or permission set."}}, errs...)
	}
	return errs
}

// checkRef checks a lookup's value.
func (e *Emulator) checkRef(o *sobject, f *field, s string) (string, *sfError) {
	id, ok := canonicalID(s)
	if !ok {
		err := fieldError("MALFORMED_ID", f, "%s: id value of incorrect type: %s", f.Label, s)
		return "", &err
	}
	target := e.byKey[id[:3]]
	allowed := false
	for _, t := range f.ReferenceTo {
		allowed = allowed || target != nil && target.Name == t
	}
	if !allowed {
		err := fieldError("FIELD_INTEGRITY_EXCEPTION", f, "%s: id value of incorrect type: %s", f.Label, s)
		return "", &err
	}
	if e.isDeleted(id) {
		err := fieldError("ENTITY_IS_DELETED", f, "entity is deleted")
		return "", &err
	}
	rec, _, found := e.coll(target).Get(id)
	if !found {
		err := fieldError("INVALID_CROSS_REFERENCE_KEY", f, "invalid cross reference id")
		return "", &err
	}
	if f.Name == "OwnerId" && rec["IsActive"] != true {
		err := fieldError("INACTIVE_OWNER_OR_USER", f, "operation performed with inactive user [%s] as owner of %s", id, strings.ToLower(o.Label))
		return "", &err
	}
	return id, nil
}

// defaults fills what Salesforce fills on create.
func (e *Emulator) defaults(o *sobject, rec Record, body map[string]any) {
	for _, f := range o.Fields {
		if _, set := rec[f.Name]; set {
			continue
		}
		switch {
		case f.Name == "OwnerId":
			rec[f.Name] = e.apiUser
		case f.Type == tBoolean && !f.Calculated:
			rec[f.Name] = false
		case f.AutoNumber:
			e.mu.Lock()
			e.autoNum[o.Name+"."+f.Name]++
			n := e.autoNum[o.Name+"."+f.Name]
			e.mu.Unlock()
			rec[f.Name] = fmt.Sprintf("CUST-%05d", n)
		case f.Type == tPicklist && f.Defaulted:
			for _, p := range f.Picklist {
				if p.Default {
					rec[f.Name] = p.Value
				}
			}
		}
	}
}

func has(body map[string]any, name string) bool {
	for k := range body {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

func str(r Record, k string) string { s, _ := r[k].(string); return s }

// derive computes the fields Salesforce derives, runs the object's rules
// and checks required fields; old is nil on create.
func (e *Emulator) derive(o *sobject, old, rec Record, body map[string]any) sfErrors {
	var errs sfErrors
	switch o.Name {
	case "Contact", "Lead":
		if name := strings.TrimSpace(str(rec, "FirstName") + " " + str(rec, "LastName")); name != "" {
			rec["Name"] = name
		}
		if o.Name == "Lead" && has(body, "Status") {
			for _, s := range leadStatuses {
				if s.Converted && s.Value == rec["Status"] {
					f := o.field("Status")
					errs = append(errs, fieldError("FIELD_INTEGRITY_EXCEPTION", f, "%s: a lead gets a converted status only when it is converted", f.Label))
				}
			}
		}
	case "Opportunity":
		if st, ok := e.stageByName(str(rec, "StageName")); ok {
			rec["IsClosed"], rec["IsWon"], rec["ForecastCategoryName"] = st["IsClosed"], st["IsWon"], st["ForecastCategoryName"]
			if has(body, "StageName") && !has(body, "Probability") {
				rec["Probability"] = st["DefaultProbability"]
			}
		}
		if amt := str(rec, "Amount"); strings.HasPrefix(amt, "-") {
			errs = append(errs, sfError{ErrorCode: "FIELD_CUSTOM_VALIDATION_EXCEPTION", Message: "Amount cannot be negative.", Fields: []string{"Amount"}})
		}
	case "Task":
		closed := rec["Status"] == "Completed"
		if closed && rec["IsClosed"] != true {
			rec["CompletedDateTime"] = formatTime(e.store.Now())
		}
		if !closed {
			rec["CompletedDateTime"] = nil
		}
		rec["IsClosed"] = closed
		e.activityAccount(rec)
	case "Event":
		errs = append(errs, e.eventTimes(o, rec, body)...)
		e.activityAccount(rec)
	}
	var missing []string
	for _, f := range o.Fields {
		if f.required() && rec[f.Name] == nil {
			missing = append(missing, f.Name)
		}
	}
	if o.Name == "Event" {
		if rec["StartDateTime"] == nil && rec["IsAllDayEvent"] != true {
			missing = append(missing, "StartDateTime")
		}
		if rec["EndDateTime"] == nil && rec["IsAllDayEvent"] != true {
			missing = append(missing, "EndDateTime")
		}
	}
	if len(missing) > 0 {
		errs = append(sfErrors{{ErrorCode: "REQUIRED_FIELD_MISSING", Message: "Required fields are missing: [" + strings.Join(missing, ", ") + "]",
			Fields: missing}}, errs...)
	}
	return errs
}

// activityAccount derives a Task's or Event's AccountId from what it is
// related to: the account itself, an opportunity's account, or the
// contact's account.
func (e *Emulator) activityAccount(rec Record) {
	rec["AccountId"] = nil
	what, who := str(rec, "WhatId"), str(rec, "WhoId")
	switch {
	case strings.HasPrefix(what, "001"):
		rec["AccountId"] = what
	case strings.HasPrefix(what, "006"):
		if _, opp, ok := e.find(what); ok {
			rec["AccountId"] = opp["AccountId"]
		}
	case strings.HasPrefix(who, "003"):
		if _, c, ok := e.find(who); ok {
			rec["AccountId"] = c["AccountId"]
		}
	}
}

// eventTimes keeps an Event's start, end and duration consistent, as
// Salesforce does: StartDateTime and ActivityDateTime are one time,
// EndDateTime and DurationInMinutes follow each other.
func (e *Emulator) eventTimes(o *sobject, rec Record, body map[string]any) sfErrors {
	if rec["IsAllDayEvent"] == true {
		return nil
	}
	switch {
	case has(body, "StartDateTime"):
		rec["ActivityDateTime"] = rec["StartDateTime"]
	case has(body, "ActivityDateTime"):
		rec["StartDateTime"] = rec["ActivityDateTime"]
	}
	start, ok := parseTime(str(rec, "StartDateTime"))
	if !ok {
		return nil
	}
	rec["ActivityDate"] = start.Format("2006-01-02")
	end, hasEnd := parseTime(str(rec, "EndDateTime"))
	dur, durErr := strconv.Atoi(str(rec, "DurationInMinutes"))
	switch {
	case has(body, "EndDateTime") && hasEnd:
		rec["DurationInMinutes"] = strconv.Itoa(int(end.Sub(start) / time.Minute))
	case has(body, "DurationInMinutes") && durErr == nil:
		end, hasEnd = start.Add(time.Duration(dur)*time.Minute), true
		rec["EndDateTime"] = formatTime(end)
	case durErr == nil:
		end, hasEnd = start.Add(time.Duration(dur)*time.Minute), true
		rec["EndDateTime"] = formatTime(end)
	}
	if hasEnd && end.Before(start) {
		f := o.field("EndDateTime")
		return sfErrors{fieldError("FIELD_INTEGRITY_EXCEPTION", f, "%s: End time can't be before start time.", f.Label)}
	}
	return nil
}

// stageByName finds an active OpportunityStage by its API name or label.
func (e *Emulator) stageByName(name string) (Record, bool) {
	var out Record
	e.coll(e.objects["opportunitystage"]).Each(func(r *Record) bool {
		if strings.EqualFold(str(*r, "ApiName"), name) || strings.EqualFold(str(*r, "MasterLabel"), name) {
			out = *r
			return false
		}
		return true
	})
	return out, out != nil
}

// renderRecord writes a record with the given fields, lookups walked.
func (e *Emulator) renderRecord(o *sobject, rec Record, refs []fieldRef) *object {
	out := &object{}
	out.set("attributes", attributes(o, str(rec, "Id")))
	nested := map[string]*nestedRel{}
	for _, ref := range refs {
		if len(ref.path) == 1 {
			f := o.field(ref.path[0])
			out.set(f.Name, e.renderValue(o, f, rec))
			continue
		}
		rel := o.relationship(ref.path[0])
		key := strings.ToLower(rel.RelationshipName)
		n, ok := nested[key]
		if !ok {
			n = &nestedRel{name: rel.RelationshipName}
			nested[key] = n
			out.set(rel.RelationshipName, nil)
			n.slot = len(out.vals) - 1
		}
		n.refs = append(n.refs, fieldRef{path: ref.path[1:]})
		n.from = rel
	}
	for _, n := range nested {
		tid := str(rec, n.from.Name)
		to, target, ok := e.find(tid)
		if tid == "" || !ok {
			out.vals[n.slot] = json.RawMessage("null")
			continue
		}
		var refs []fieldRef
		for _, r := range n.refs {
			if len(r.path) > 1 || to.field(r.path[0]) != nil {
				refs = append(refs, r)
			}
		}
		b, _ := e.renderRecord(to, target, refs).MarshalJSON()
		out.vals[n.slot] = b
	}
	return out
}

type nestedRel struct {
	name string
	from *field
	refs []fieldRef
	slot int
}

// renderValue writes one field of rec, a compound address included.
func (e *Emulator) renderValue(o *sobject, f *field, rec Record) json.RawMessage {
	if f.Type != tAddress {
		return render(f, rec[f.Name])
	}
	p := f.Compound
	street := p + "Street"
	parts := map[string]any{"street": rec[street], "city": rec[p+"City"], "state": rec[p+"State"],
		"postalCode": rec[p+"PostalCode"], "country": rec[p+"Country"]}
	empty := true
	for _, v := range parts {
		empty = empty && v == nil
	}
	if empty {
		return json.RawMessage("null")
	}
	parts["geocodeAccuracy"], parts["latitude"], parts["longitude"] = nil, nil, nil
	return mustJSON(parts)
}

// --- describe -----------------------------------------------------------------

var soapTypes = map[fieldType]string{tID: "tns:ID", tReference: "tns:ID", tBoolean: "xsd:boolean", tDate: "xsd:date", tDatetime: "xsd:dateTime",
	tCurrency: "xsd:double", tPercent: "xsd:double", tDouble: "xsd:double", tInt: "xsd:int", tAddress: "urn:address"}

func (e *Emulator) describe(w http.ResponseWriter, o *sobject) {
	fields := make([]map[string]any, 0, len(o.Fields))
	for _, f := range o.Fields {
		soap := soapTypes[f.Type]
		if soap == "" {
			soap = "xsd:string"
		}
		pick := []map[string]any{}
		for _, p := range f.Picklist {
			pick = append(pick, map[string]any{"active": p.Active, "defaultValue": p.Default, "label": p.Value, "validFor": nil, "value": p.Value})
		}
		var rel, compound any
		if f.RelationshipName != "" {
			rel = f.RelationshipName
		}
		if f.CompoundName != "" {
			compound = f.CompoundName
		}
		refTo := f.ReferenceTo
		if refTo == nil {
			refTo = []string{}
		}
		fields = append(fields, map[string]any{
			"name": f.Name, "label": f.Label, "type": string(f.Type), "soapType": soap, "length": f.Length, "byteLength": f.Length * 3,
			"precision": f.Precision, "scale": f.Scale, "digits": 0, "custom": f.Custom, "createable": f.Createable, "updateable": f.Updateable,
			"nillable": f.Nillable, "defaultedOnCreate": f.Defaulted || f.Type == tBoolean || f.Name == "Id", "calculated": f.Calculated,
			"autoNumber": f.AutoNumber, "externalId": false, "unique": false, "filterable": f.Type != tTextarea && f.Type != tAddress,
			"sortable": f.Type != tTextarea && f.Type != tAddress, "idLookup": f.Name == "Id", "nameField": f.Name == "Name",
			"referenceTo": refTo, "relationshipName": rel, "picklistValues": pick, "restrictedPicklist": f.Restricted,
			"compoundFieldName": compound,
		})
	}
	writeRaw(w, http.StatusOK, map[string]any{
		"name": o.Name, "label": o.Label, "labelPlural": o.Plural, "keyPrefix": o.KeyPrefix, "custom": false,
		"createable": o.Createable, "updateable": o.Updateable, "deletable": o.Deletable, "queryable": true, "retrieveable": true,
		"searchable": true, "undeletable": o.Deletable, "fields": fields, "urls": objectURLs(o),
	})
}

func objectURLs(o *sobject) map[string]string {
	base := dataPath + "/sobjects/" + o.Name
	return map[string]string{"sobject": base, "describe": base + "/describe", "rowTemplate": base + "/{ID}"}
}

func (e *Emulator) describeGlobal(w http.ResponseWriter) {
	var out []map[string]any
	for _, o := range sortedNames(e.objects) {
		out = append(out, map[string]any{"name": o.Name, "label": o.Label, "labelPlural": o.Plural, "keyPrefix": o.KeyPrefix,
			"custom": false, "createable": o.Createable, "updateable": o.Updateable, "deletable": o.Deletable, "queryable": true,
			"urls": objectURLs(o)})
	}
	writeRaw(w, http.StatusOK, map[string]any{"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": out})
}

func (e *Emulator) basicInfo(w http.ResponseWriter, o *sobject) {
	writeRaw(w, http.StatusOK, map[string]any{
		"objectDescribe": map[string]any{"name": o.Name, "label": o.Label, "labelPlural": o.Plural, "keyPrefix": o.KeyPrefix,
			"createable": o.Createable, "updateable": o.Updateable, "deletable": o.Deletable, "queryable": true, "urls": objectURLs(o)},
		"recentItems": []any{},
	})
}
