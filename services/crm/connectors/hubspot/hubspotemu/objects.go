package hubspotemu

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/unimesh/unimesh/pkg/emulator"
)

// wireObject is a record as v3 writes it.
type wireObject struct {
	ID           string                       `json:"id"`
	Properties   map[string]*string           `json:"properties"`
	CreatedAt    string                       `json:"createdAt"`
	UpdatedAt    string                       `json:"updatedAt"`
	Archived     bool                         `json:"archived"`
	ArchivedAt   string                       `json:"archivedAt,omitempty"`
	Associations map[string]v3AssocCollection `json:"associations,omitempty"`
}

// present writes a record with the properties asked for (nil: the type's
// defaults; all: every property with a value, as a write's answer has),
// plus the system properties HubSpot always returns. A defined property
// without a value reads null; an undefined one is left out. defs are the
// type's definitions, read once per request.
func (e *Emulator) present(t *objectType, defs map[string]Property, o Object, props []string, all bool) wireObject {
	out := wireObject{ID: o.ID, Properties: map[string]*string{}, CreatedAt: formatTime(o.CreatedAt),
		UpdatedAt: formatTime(o.UpdatedAt), Archived: o.Archived}
	if o.ArchivedAt != nil {
		out.ArchivedAt = formatTime(*o.ArchivedAt)
	}
	set := func(name string) {
		if v, ok := o.Properties[name]; ok && v != "" {
			out.Properties[name] = &v
		} else {
			out.Properties[name] = nil
		}
	}
	switch {
	case all:
		for k, v := range o.Properties {
			if v != "" {
				out.Properties[k] = &v
			}
		}
	case len(props) == 0:
		for _, p := range t.Defaults {
			set(p)
		}
	default:
		for _, p := range props {
			if _, ok := defs[p]; ok {
				set(p)
			}
		}
	}
	for _, p := range []string{"hs_object_id", t.CreateProp, t.ModifiedProp} {
		set(p)
	}
	return out
}

// listParam reads a list query parameter, given either comma-separated or
// repeated, as HubSpot accepts both.
func listParam(q url.Values, name string) []string {
	var out []string
	for _, v := range q[name] {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

func (e *Emulator) objectType(w http.ResponseWriter, r *http.Request) *objectType {
	t := lookupType(r.PathValue("type"))
	if t == nil {
		e.badRequest(w, fmt.Sprintf("Unable to infer object type from: %s", r.PathValue("type")))
	}
	return t
}

var numericIDRe = regexp.MustCompile(`^[0-9]{1,20}$`)

// record returns a live (or, when archived is asked for, archived) record,
// answering HubSpot's 404 otherwise.
func (e *Emulator) record(w http.ResponseWriter, t *objectType, id string, archived bool) (Object, bool) {
	if !numericIDRe.MatchString(id) {
		e.notFound(w, "Object not found.  objectId are usually numeric.", id)
		return Object{}, false
	}
	o, ok := e.Object(t.Name, id)
	if !ok || o.Archived != archived {
		e.notFound(w, "resource not found", id)
		return Object{}, false
	}
	return o, true
}

// listObjects answers GET /crm/v3/objects/{type}.
func (e *Emulator) listObjects(w http.ResponseWriter, r *http.Request) {
	t := e.objectType(w, r)
	if t == nil {
		return
	}
	q := r.URL.Query()
	limit := 10
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxListLimit {
			e.badRequest(w, fmt.Sprintf("limit must be between 1 and %d, was %s", MaxListLimit, s))
			return
		}
		limit = n
	}
	archived := q.Get("archived") == "true"
	items, next, _, err := e.objects[t.Name].List(emulator.Query[Object]{After: q.Get("after"), Limit: limit,
		Match: func(o *Object) bool { return o.Archived == archived }})
	if errors.Is(err, emulator.ErrBadCursor) {
		e.badRequest(w, fmt.Sprintf("Invalid paging cursor: %s", q.Get("after")))
		return
	}
	props, assocs := listParam(q, "properties"), listParam(q, "associations")
	defs := e.propertyDefs(t.Name)
	results := make([]wireObject, 0, len(items))
	for _, o := range items {
		wo := e.present(t, defs, o, props, false)
		wo.Associations = e.v3Associations(t, o.ID, assocs)
		results = append(results, wo)
	}
	body := map[string]any{"results": results}
	if next != "" {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("after", next)
		body["paging"] = map[string]any{"next": map[string]string{"after": next,
			"link": "https://api.hubapi.com" + r.URL.Path + "?" + nq.Encode()}}
	}
	emulator.WriteJSON(w, http.StatusOK, body)
}

// getObject answers GET /crm/v3/objects/{type}/{id}.
func (e *Emulator) getObject(w http.ResponseWriter, r *http.Request) {
	t := e.objectType(w, r)
	if t == nil {
		return
	}
	q := r.URL.Query()
	if p := q.Get("idProperty"); p != "" && p != "hs_object_id" {
		e.badRequest(w, "the emulator looks records up by id only")
		return
	}
	o, ok := e.record(w, t, r.PathValue("id"), q.Get("archived") == "true")
	if !ok {
		return
	}
	wo := e.present(t, e.propertyDefs(t.Name), o, listParam(q, "properties"), false)
	wo.Associations = e.v3Associations(t, o.ID, listParam(q, "associations"))
	emulator.WriteJSON(w, http.StatusOK, wo)
}

// batchRead answers POST /crm/v3/objects/{type}/batch/read: 200, or 207
// listing the ids it could not read.
func (e *Emulator) batchRead(w http.ResponseWriter, r *http.Request) {
	t := e.objectType(w, r)
	if t == nil {
		return
	}
	var in struct {
		Properties []string `json:"properties"`
		Inputs     []struct {
			ID any `json:"id"`
		} `json:"inputs"`
	}
	if !e.decodeBody(w, r, &in) {
		return
	}
	if len(in.Inputs) > 100 {
		e.badRequest(w, "Batch read is limited to 100 inputs")
		return
	}
	results := []wireObject{}
	defs := e.propertyDefs(t.Name)
	var missing []string
	for _, input := range in.Inputs {
		id, _ := stringValue(input.ID)
		o, ok := e.Object(t.Name, id)
		if !ok || o.Archived {
			missing = append(missing, id)
			continue
		}
		results = append(results, e.present(t, defs, o, in.Properties, false))
	}
	now := formatTime(e.Store.Now())
	body := map[string]any{"status": "COMPLETE", "results": results, "startedAt": now, "completedAt": now}
	status := http.StatusOK
	if len(missing) > 0 {
		status = http.StatusMultiStatus
		body["numErrors"] = 1
		body["errors"] = []apiError{{Status: "error", Category: "OBJECT_NOT_FOUND", CorrelationID: e.correlationID(),
			Message: fmt.Sprintf("Could not get some %s objects, they may be deleted or not exist. Check that ids are valid.", t.Upper),
			Context: map[string][]string{"ids": missing}}}
	}
	emulator.WriteJSON(w, status, body)
}

// objectInput is the body of a create or an update.
type objectInput struct {
	Properties   map[string]any `json:"properties"`
	Associations []assocInput   `json:"associations"`
}

// createObject answers POST /crm/v3/objects/{type}: 201 with the record.
func (e *Emulator) createObject(w http.ResponseWriter, r *http.Request) {
	t := e.objectType(w, r)
	if t == nil {
		return
	}
	var in objectInput
	if !e.decodeBody(w, r, &in) {
		return
	}
	props, errs := e.normalizeProperties(t, in.Properties)
	for k, v := range props {
		if v == "" {
			delete(props, k)
		}
	}
	errs = append(errs, e.applyRules(t, nil, props, true)...)
	if len(errs) > 0 {
		e.writePropertyErrors(w, errs)
		return
	}
	pending, assocErrs := e.checkAssociations(t, in.Associations)
	if len(assocErrs) > 0 {
		e.badRequest(w, "One or more associations are invalid", assocErrs...)
		return
	}
	if t.Name == "leads" && !hasContact(pending) {
		e.badRequest(w, "A lead must be associated with an existing contact: include an association of type 578 (lead to primary contact).",
			errorDetail{Message: "missing association to a contact", Code: "MISSING_REQUIRED_ASSOCIATION",
				Context: map[string][]string{"toObjectType": {"contacts"}}})
		return
	}
	if id, dup := e.duplicateEmail(t, "", props["email"]); dup {
		e.writeError(w, http.StatusConflict, apiError{Category: "CONFLICT",
			Message: "Contact already exists. Existing ID: " + id})
		return
	}
	release := e.claim(r, t.Name, "")
	o := e.objects[t.Name].Insert(Object{Properties: props})
	release()
	for _, a := range pending {
		e.addAssociation(t.Name, o.ID, a.toType, a.toID, a.types)
	}
	emulator.WriteJSON(w, http.StatusCreated, e.present(t, nil, o, nil, true))
}

func hasContact(as []pendingAssoc) bool {
	for _, a := range as {
		if a.toType == "contacts" {
			return true
		}
	}
	return false
}

// duplicateEmail finds another live contact with the same email.
func (e *Emulator) duplicateEmail(t *objectType, selfID, email string) (string, bool) {
	if t.Name != "contacts" || email == "" {
		return "", false
	}
	var found string
	e.objects["contacts"].Each(func(o *Object) bool {
		if !o.Archived && o.ID != selfID && strings.EqualFold(o.Properties["email"], email) {
			found = o.ID
			return false
		}
		return true
	})
	return found, found != ""
}

type writeRefused struct {
	status int
	body   apiError
	props  []propertyError
}

func (writeRefused) Error() string { return "write refused" }

// updateObject answers PATCH /crm/v3/objects/{type}/{id}: the given
// properties are overwritten, "" clears one.
func (e *Emulator) updateObject(w http.ResponseWriter, r *http.Request) {
	t := e.objectType(w, r)
	if t == nil {
		return
	}
	if _, ok := e.record(w, t, r.PathValue("id"), false); !ok {
		return
	}
	var in objectInput
	if !e.decodeBody(w, r, &in) {
		return
	}
	props, errs := e.normalizeProperties(t, in.Properties)
	if len(errs) > 0 {
		e.writePropertyErrors(w, errs)
		return
	}
	id := r.PathValue("id")
	release := e.claim(r, t.Name, id)
	defer release()
	o, err := e.objects[t.Name].Update(id, func(o *Object) error {
		if o.Archived {
			return emulator.ErrNotFound
		}
		merged := map[string]string{}
		for k, v := range o.Properties {
			merged[k] = v
		}
		for k, v := range props {
			if v == "" {
				delete(merged, k)
			} else {
				merged[k] = v
			}
		}
		if errs := e.applyRules(t, o.Properties, merged, false); len(errs) > 0 {
			return writeRefused{props: errs}
		}
		if other, dup := e.duplicateEmail(t, id, merged["email"]); dup {
			return writeRefused{status: http.StatusConflict, body: apiError{Category: "CONFLICT",
				Message: "A contact with the email '" + merged["email"] + "' already exists. Existing ID: " + other}}
		}
		o.Properties = merged
		return nil
	})
	var refused writeRefused
	switch {
	case errors.As(err, &refused) && refused.props != nil:
		e.writePropertyErrors(w, refused.props)
		return
	case errors.As(err, &refused):
		e.writeError(w, refused.status, refused.body)
		return
	case errors.Is(err, emulator.ErrNotFound):
		e.notFound(w, "resource not found", id)
		return
	case err != nil:
		e.writeError(w, http.StatusInternalServerError, apiError{Category: "INTERNAL_ERROR", Message: err.Error()})
		return
	}
	emulator.WriteJSON(w, http.StatusOK, e.present(t, nil, o, nil, true))
}

// archiveObject answers DELETE /crm/v3/objects/{type}/{id}: the record
// moves to the recycling bin (archived), and the call answers 204 even for
// a record that is already gone.
func (e *Emulator) archiveObject(w http.ResponseWriter, r *http.Request) {
	t := e.objectType(w, r)
	if t == nil {
		return
	}
	now := e.Store.Now().Truncate(time.Millisecond)
	release := e.claim(r, t.Name, r.PathValue("id"))
	defer release()
	_, _ = e.objects[t.Name].Update(r.PathValue("id"), func(o *Object) error {
		if o.Archived {
			return emulator.ErrNotFound
		}
		o.Archived, o.ArchivedAt = true, &now
		return nil
	})
	w.WriteHeader(http.StatusNoContent)
}

// applyRules applies what HubSpot computes or requires of an object type,
// on the record's properties after the write (old is nil on create).
func (e *Emulator) applyRules(t *objectType, old, props map[string]string, create bool) []propertyError {
	switch t.Name {
	case "deals":
		return e.dealRules(old, props, create)
	case "leads":
		return e.leadRules(props, create)
	case "notes", "calls", "meetings", "emails", "tasks":
		return e.engagementRules(t, old, props)
	}
	return nil
}

func required(name string) propertyError {
	return propertyError{Name: name, Code: "REQUIRED", Message: fmt.Sprintf("%s is required", name)}
}

// dealRules: dealstage is required; the pipeline defaults to the default
// one; the stage must belong to the pipeline; probability and the closed
// flags follow the stage; entering a closed stage sets an empty closedate.
func (e *Emulator) dealRules(old, props map[string]string, create bool) []propertyError {
	if props["dealstage"] == "" {
		return []propertyError{required("dealstage")}
	}
	if props["pipeline"] == "" {
		props["pipeline"] = "default"
	}
	p, ok := e.livePipeline("deals", props["pipeline"])
	if !ok {
		return []propertyError{{Name: "pipeline", Code: "INVALID_OPTION",
			Message: fmt.Sprintf("%s was not one of the allowed options: pipeline ids of this account", props["pipeline"])}}
	}
	st, ok := stageOf(p, props["dealstage"])
	if !ok {
		return []propertyError{{Name: "dealstage", Code: "INVALID_OPTION",
			Message: fmt.Sprintf("%s is not a valid stage of pipeline %s", props["dealstage"], p.ID)}}
	}
	closed := st.Metadata["isClosed"] == "true"
	prob, _ := canonicalDecimal(st.Metadata["probability"])
	props["hs_deal_stage_probability"] = prob
	props["hs_is_closed"] = strconv.FormatBool(closed)
	props["hs_is_closed_won"] = strconv.FormatBool(closed && prob == "1")
	if create && props["hs_analytics_source"] == "" {
		props["hs_analytics_source"] = "OFFLINE"
	}
	wasClosed := old != nil && old["hs_is_closed"] == "true"
	if closed && !wasClosed && props["closedate"] == "" {
		props["closedate"] = formatTime(e.Store.Now())
	}
	if c := props["deal_currency_code"]; c != "" && c != CompanyCurrency && c != "EUR" && c != "GBP" {
		return []propertyError{{Name: "deal_currency_code", Code: "INVALID_OPTION", Message: c + " is not a currency of this account"}}
	}
	return nil
}

// leadRules: a lead needs a name; it starts in the lead pipeline's New stage.
func (e *Emulator) leadRules(props map[string]string, create bool) []propertyError {
	if props["hs_lead_name"] == "" {
		return []propertyError{required("hs_lead_name")}
	}
	if props["hs_pipeline"] == "" {
		props["hs_pipeline"] = "lead-pipeline-id"
	}
	p, ok := e.livePipeline("leads", props["hs_pipeline"])
	if !ok {
		return []propertyError{{Name: "hs_pipeline", Code: "INVALID_OPTION", Message: props["hs_pipeline"] + " is not a lead pipeline"}}
	}
	if props["hs_pipeline_stage"] == "" {
		props["hs_pipeline_stage"] = "new-stage-id"
	}
	if _, ok := stageOf(p, props["hs_pipeline_stage"]); !ok {
		return []propertyError{{Name: "hs_pipeline_stage", Code: "INVALID_OPTION",
			Message: fmt.Sprintf("%s is not a stage of lead pipeline %s", props["hs_pipeline_stage"], p.ID)}}
	}
	return nil
}

// engagementRules: hs_timestamp is required (a meeting's defaults to its
// start); a task starts NOT_STARTED and records when it is completed.
func (e *Emulator) engagementRules(t *objectType, old, props map[string]string) []propertyError {
	if t.Name == "meetings" && props["hs_timestamp"] == "" {
		props["hs_timestamp"] = props["hs_meeting_start_time"]
	}
	if props["hs_timestamp"] == "" {
		return []propertyError{required("hs_timestamp")}
	}
	if t.Name == "meetings" {
		s, _ := parseTimeValue(props["hs_meeting_start_time"])
		end, _ := parseTimeValue(props["hs_meeting_end_time"])
		if !s.IsZero() && !end.IsZero() && end.Before(s) {
			return []propertyError{{Name: "hs_meeting_end_time", Code: "INVALID_DATETIME", Message: "hs_meeting_end_time is before hs_meeting_start_time"}}
		}
	}
	if t.Name == "tasks" {
		if props["hs_task_status"] == "" {
			props["hs_task_status"] = "NOT_STARTED"
		}
		switch wasDone := old != nil && old["hs_task_status"] == "COMPLETED"; {
		case props["hs_task_status"] == "COMPLETED" && !wasDone:
			props["hs_task_completion_date"] = formatTime(e.Store.Now())
		case props["hs_task_status"] != "COMPLETED":
			delete(props, "hs_task_completion_date")
		}
	}
	return nil
}

func (e *Emulator) livePipeline(objectType, id string) (Pipeline, bool) {
	p, _, ok := e.pipelines[objectType].Get(id)
	return p, ok && !p.Archived
}

func stageOf(p Pipeline, id string) (Stage, bool) {
	for _, s := range p.Stages {
		if s.ID == id && !s.Archived {
			return s, true
		}
	}
	return Stage{}, false
}
