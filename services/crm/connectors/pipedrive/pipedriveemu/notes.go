package pipedriveemu

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/unimesh/unimesh/pkg/emulator"
)

func (e *Emulator) presentNote(n Note) Note {
	if n.OrgID != nil {
		if o, _, ok := e.Organizations.Get(strconv.FormatInt(*n.OrgID, 10)); ok {
			n.Organization = &NameRef{Name: o.Name}
		}
	}
	if n.PersonID != nil {
		if p, _, ok := e.Persons.Get(strconv.FormatInt(*n.PersonID, 10)); ok {
			n.Person = &NameRef{Name: p.Name}
		}
	}
	if n.DealID != nil {
		if d, _, ok := e.Deals.Get(strconv.FormatInt(*n.DealID, 10)); ok {
			n.Deal = &TitleRef{Title: d.Title}
		}
	}
	if u, _, ok := e.Users.Get(strconv.FormatInt(n.UserID, 10)); ok {
		n.User = &NoteUser{Email: u.Email, Name: u.Name, IconURL: u.IconURL, IsYou: u.ID == e.me()}
	}
	return n
}

func (e *Emulator) listNotes(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := &validation{}
	start, limit := v1Paging(q, v)
	since := isoSince(q, v)
	user, deal, person, org := queryInt(q, "user_id", v), queryInt(q, "deal_id", v), queryInt(q, "person_id", v), queryInt(q, "org_id", v)
	lead := q.Get("lead_id")
	if !v.ok() {
		v.write(w)
		return
	}
	items, _, total, _ := e.Notes.List(emulator.Query[Note]{Offset: start, Limit: limit, UpdatedSince: since, Match: func(n *Note) bool {
		return (user == nil || n.UserID == *user) && eqPtr(n.DealID, deal) && eqPtr(n.PersonID, person) && eqPtr(n.OrgID, org) &&
			(lead == "" || n.LeadID != nil && *n.LeadID == lead)
	}})
	out := make([]Note, 0, len(items))
	for _, n := range items {
		out = append(out, e.presentNote(n))
	}
	writeV1List(w, out, start, limit, total)
}

func (e *Emulator) getNote(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		writeError(w, http.StatusBadRequest, "Validation failed: id: must be a positive integer")
		return
	}
	n, _, found := e.Notes.Get(strconv.FormatInt(id, 10))
	if !found {
		writeError(w, http.StatusNotFound, "Note not found")
		return
	}
	writeOne(w, http.StatusOK, e.presentNote(n))
}

func (e *Emulator) applyNote(n *Note, b *body, create bool) {
	if create {
		n.ActiveFlag, n.UserID = true, e.me()
	}
	if b.str("content", &n.Content) || create {
		if strings.TrimSpace(n.Content) == "" {
			b.add("content", "is required")
		}
	}
	e.ref(b, "deal_id", &n.DealID, e.dealExists, "deal")
	e.ref(b, "person_id", &n.PersonID, e.personExists, "person")
	e.ref(b, "org_id", &n.OrgID, e.orgExists, "organization")
	var lead *string
	if b.optStr("lead_id", &lead) {
		if lead != nil && (!uuidRE.MatchString(*lead) || !e.leadExists(*lead)) {
			b.add("lead_id", fmt.Sprintf("lead %s does not exist", *lead))
		} else {
			n.LeadID = lead
		}
	}
	var project *int64
	if b.integer("project_id", &project) && project != nil {
		b.add("project_id", "the company has no projects")
	}
	if n.DealID == nil && n.PersonID == nil && n.OrgID == nil && n.LeadID == nil {
		b.add("deal_id", "a note must be attached to a deal, person, organization, lead or project")
	}
	var user *int64
	if b.integer("user_id", &user) {
		if user == nil || !e.userExists(*user) {
			b.add("user_id", "must be the id of a user")
		} else {
			n.UserID = *user
		}
	}
	var at string
	if b.str("add_time", &at) && at != "" {
		if _, err := time.Parse(v1Time, at); err != nil {
			b.add("add_time", "must be in the format YYYY-MM-DD HH:MM:SS")
		}
	}
	b.boolean("pinned_to_deal_flag", &n.PinnedToDealFlag)
	b.boolean("pinned_to_person_flag", &n.PinnedToPersonFlag)
	b.boolean("pinned_to_organization_flag", &n.PinnedToOrganizationFlag)
	b.boolean("pinned_to_lead_flag", &n.PinnedToLeadFlag)
	b.boolean("pinned_to_project_flag", &n.PinnedToProjectFlag)
	me := e.me()
	n.LastUpdateUserID = &me
	n.Organization, n.Person, n.Deal, n.User = nil, nil, nil, nil
}

func (e *Emulator) createNote(w http.ResponseWriter, r *http.Request) {
	b, v := readBody(r, true)
	if b == nil {
		v.write(w)
		return
	}
	var n Note
	e.applyNote(&n, b, true)
	if !b.ok() {
		b.validation.write(w)
		return
	}
	release := e.claim("note", "")
	n = e.Notes.Insert(n)
	release()
	writeOne(w, http.StatusCreated, e.presentNote(n))
}

func (e *Emulator) updateNote(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		writeError(w, http.StatusBadRequest, "Validation failed: id: must be a positive integer")
		return
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeError(w, http.StatusBadRequest, "Validation failed: body: could not be read")
		return
	}
	release := e.claim("note", strconv.FormatInt(id, 10))
	defer release()
	n, err := e.Notes.Update(strconv.FormatInt(id, 10), func(n *Note) error {
		b, v := parseBody(raw, true)
		if b == nil {
			return badRequest{v}
		}
		e.applyNote(n, b, false)
		if !b.ok() {
			return badRequest{b.validation}
		}
		return nil
	})
	if writeUpdateError(w, err, "Note not found") {
		return
	}
	writeOne(w, http.StatusOK, e.presentNote(n))
}

func (e *Emulator) deleteNote(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		writeError(w, http.StatusBadRequest, "Validation failed: id: must be a positive integer")
		return
	}
	if !e.Notes.Delete(strconv.FormatInt(id, 10)) {
		writeError(w, http.StatusNotFound, "Note not found")
		return
	}
	// A deletion runs no setMeta: the feed is told here.
	e.feed.Remove("note", strconv.FormatInt(id, 10), e.Store.Now(), apiSource)
	writeOne(w, http.StatusOK, true)
}
