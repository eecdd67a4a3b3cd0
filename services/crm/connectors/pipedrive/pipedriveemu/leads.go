package pipedriveemu

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/unimesh/unimesh/pkg/emulator"
)

// v1Paging reads start (default 0) and limit (default 100, at most 500).
func v1Paging(q url.Values, v *validation) (start, limit int) {
	if s := q.Get("start"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			v.add("start", "must be a non-negative integer")
		}
		start = n
	}
	return start, listLimit(q, 500, v)
}

func writeV1List[T any](w http.ResponseWriter, items []T, start, limit, total int) {
	p := Pagination{Start: start, Limit: limit, MoreItemsInCollection: start+len(items) < total}
	if p.MoreItemsInCollection {
		next := start + len(items)
		p.NextStart = &next
	}
	data := any(items)
	if items == nil {
		data = []T{}
	}
	emulator.WriteJSON(w, http.StatusOK, v1List{Success: true, Data: data, AdditionalData: v1AdditionalData{Pagination: p}})
}

// isoSince reads updated_since as ISO 8601 / RFC 3339, also taking the v1
// form "YYYY-MM-DD HH:MM:SS" (UTC).
func isoSince(q url.Values, v *validation) time.Time {
	s := q.Get("updated_since")
	if s == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339, v1Time} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	v.add("updated_since", "must be a date and time in ISO 8601 format, e.g. 2025-01-01T10:20:00Z")
	return time.Time{}
}

// presentLead is a lead as API v1 answers it: its deal custom fields at the
// top level, only those set.
func (e *Emulator) presentLead(l Lead) map[string]any {
	b, _ := json.Marshal(leadJSON(l))
	out := map[string]any{}
	_ = json.Unmarshal(b, &out)
	for k, v := range e.customV1(l.Custom) {
		out[k] = v
	}
	return out
}

func (e *Emulator) listLeads(archived bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		v := &validation{}
		start, limit := v1Paging(q, v)
		var since time.Time
		if !archived {
			since = isoSince(q, v)
		}
		owner, person, org := queryInt(q, "owner_id", v), queryInt(q, "person_id", v), queryInt(q, "organization_id", v)
		if !v.ok() {
			v.write(w)
			return
		}
		// Leads come oldest first, as Pipedrive sorts them by creation.
		items, _, total, _ := e.Leads.List(emulator.Query[Lead]{Offset: start, Limit: limit, UpdatedSince: since, Match: func(l *Lead) bool {
			return l.IsArchived == archived && (owner == nil || l.OwnerID == *owner) && eqPtr(l.PersonID, person) && eqPtr(l.OrganizationID, org)
		}})
		out := make([]map[string]any, 0, len(items))
		for _, l := range items {
			out = append(out, e.presentLead(l))
		}
		writeV1List(w, out, start, limit, total)
	}
}

func leadID(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.PathValue("id")
	if !uuidRE.MatchString(id) {
		writeError(w, http.StatusBadRequest, "Validation failed: id: must be a UUID")
		return "", false
	}
	return id, true
}

func (e *Emulator) getLead(w http.ResponseWriter, r *http.Request) {
	id, ok := leadID(w, r)
	if !ok {
		return
	}
	l, _, found := e.Leads.Get(id)
	if !found {
		writeError(w, http.StatusNotFound, "Lead not found")
		return
	}
	writeOne(w, http.StatusOK, e.presentLead(l))
}

// applyLead writes a v1 lead body into l; create is a POST.
func (e *Emulator) applyLead(l *Lead, b *body, create bool) {
	if create {
		l.SourceName, l.Origin, l.VisibleTo, l.LabelIDs = "API", "API", "3", []string{}
		l.CreatorID = e.me()
	}
	var title string
	if b.str("title", &title) || create {
		if strings.TrimSpace(title) == "" {
			b.add("title", "is required")
		}
		l.Title = strings.TrimSpace(title)
	}
	e.owner(b, &l.OwnerID, create)
	e.ref(b, "person_id", &l.PersonID, e.personExists, "person")
	e.ref(b, "organization_id", &l.OrganizationID, e.orgExists, "organization")
	if l.PersonID == nil && l.OrganizationID == nil {
		b.add("person_id", "a lead must be linked to a person or an organization or both")
	}
	if raw, ok := b.raw["label_ids"]; ok {
		b.used["label_ids"] = true
		var ids []string
		if json.Unmarshal(raw, &ids) != nil {
			b.add("label_ids", "must be an array of lead label ids")
		} else if len(ids) > 0 {
			b.add("label_ids", fmt.Sprintf("lead label %s does not exist", ids[0]))
		}
	}
	if raw, ok := b.raw["value"]; ok {
		b.used["value"] = true
		if isNull(raw) {
			l.Value = nil
		} else {
			var in struct {
				Amount   json.RawMessage `json:"amount"`
				Currency string          `json:"currency"`
			}
			n, numOK := json.Number(""), false
			if json.Unmarshal(raw, &in) == nil {
				n, numOK = b.parseNumber(in.Amount)
			}
			if !numOK || !currencyRE.MatchString(in.Currency) {
				b.add("value", "must be an object with a numeric amount and a 3-letter currency")
			} else {
				l.Value = &LeadValue{Amount: n, Currency: in.Currency}
			}
		}
	}
	b.date("expected_close_date", &l.ExpectedCloseDate)
	var vis string
	if b.str("visible_to", &vis) {
		if vis != "1" && vis != "3" && vis != "5" && vis != "7" {
			b.add("visible_to", "must be one of \"1\", \"3\", \"5\", \"7\"")
		} else {
			l.VisibleTo = vis
		}
	}
	b.boolean("was_seen", &l.WasSeen)
	if !create {
		b.boolean("is_archived", &l.IsArchived)
	}
	b.optStr("origin_id", &l.OriginID)
	b.integer("channel", &l.Channel)
	b.optStr("channel_id", &l.ChannelID)
	l.Custom = e.applyCustomV1(b, l.Custom)
}

func (e *Emulator) createLead(w http.ResponseWriter, r *http.Request) {
	b, v := readBody(r, true)
	if b == nil {
		v.write(w)
		return
	}
	var l Lead
	e.applyLead(&l, b, true)
	if !b.ok() {
		b.validation.write(w)
		return
	}
	release := e.claim("lead", "")
	l = e.Leads.Insert(l)
	release()
	writeOne(w, http.StatusCreated, e.presentLead(l))
}

func (e *Emulator) updateLead(w http.ResponseWriter, r *http.Request) {
	id, ok := leadID(w, r)
	if !ok {
		return
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeError(w, http.StatusBadRequest, "Validation failed: body: could not be read")
		return
	}
	release := e.claim("lead", id)
	defer release()
	l, err := e.Leads.Update(id, func(l *Lead) error {
		b, v := parseBody(raw, true)
		if b == nil {
			return badRequest{v}
		}
		e.applyLead(l, b, false)
		if !b.ok() {
			return badRequest{b.validation}
		}
		return nil
	})
	if writeUpdateError(w, err, "Lead not found") {
		return
	}
	writeOne(w, http.StatusOK, e.presentLead(l))
}

func (e *Emulator) deleteLead(w http.ResponseWriter, r *http.Request) {
	id, ok := leadID(w, r)
	if !ok {
		return
	}
	if !e.Leads.Delete(id) {
		writeError(w, http.StatusNotFound, "Lead not found")
		return
	}
	// A deletion runs no setMeta: the feed is told here.
	e.feed.Remove("lead", id, e.Store.Now(), apiSource)
	writeOne(w, http.StatusOK, map[string]string{"id": id})
}
