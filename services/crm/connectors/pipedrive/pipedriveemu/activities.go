package pipedriveemu

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// activityTypes are the account's activity types: Pipedrive's six
// defaults and one custom type the demo company added.
var activityTypes = []string{"call", "meeting", "task", "deadline", "email", "lunch", "demo"}

func (e *Emulator) leadExists(id string) bool { return e.Leads.Exists(id) }

func (e *Emulator) activitiesAPI() *v2API[Activity] {
	a := &v2API[Activity]{
		e: e, coll: e.Activities, notFound: "Activity not found", entity: "activity",
		id:      func(x *Activity) int64 { return x.ID },
		deleted: func(x *Activity) bool { return x.IsDeleted },
		remove:  func(x *Activity, _ *validation) { x.IsDeleted = true },
		present: func(x Activity) any { return x },
	}
	a.filter = func(q url.Values, v *validation) func(*Activity) bool {
		deal, person, org, owner := queryInt(q, "deal_id", v), queryInt(q, "person_id", v), queryInt(q, "org_id", v), queryInt(q, "owner_id", v)
		lead := q.Get("lead_id")
		done := q.Get("done")
		if done != "" && done != "true" && done != "false" {
			v.add("done", "must be true or false")
		}
		return a.live(func(x *Activity) bool {
			return eqPtr(x.DealID, deal) && eqPtr(x.PersonID, person) && eqPtr(x.OrgID, org) &&
				(owner == nil || x.OwnerID == *owner) && (lead == "" || x.LeadID != nil && *x.LeadID == lead) &&
				(done == "" || strconv.FormatBool(x.Done) == done)
		})
	}
	a.apply = func(x *Activity, b *body, old *Activity) {
		create := old == nil
		now := e.Store.Now().Format(v2Time)
		if create {
			x.Type, x.CreatorUserID, x.Participants = "task", e.me(), []Participant{}
		}
		var typ string
		if b.str("type", &typ) {
			if !slices.Contains(activityTypes, typ) {
				b.add("type", "must be one of the account's activity types: "+strings.Join(activityTypes, ", "))
			} else {
				x.Type = typ
			}
		}
		b.str("subject", &x.Subject)
		if create && strings.TrimSpace(x.Subject) == "" {
			// Pipedrive names an activity without a subject after its type.
			x.Subject = strings.ToUpper(x.Type[:1]) + x.Type[1:]
		}
		e.owner(b, &x.OwnerID, create)
		e.ref(b, "deal_id", &x.DealID, e.dealExists, "deal")
		e.ref(b, "org_id", &x.OrgID, e.orgExists, "organization")
		var lead *string
		if b.optStr("lead_id", &lead) {
			if lead != nil && (!uuidRE.MatchString(*lead) || !e.leadExists(*lead)) {
				b.add("lead_id", fmt.Sprintf("lead %s does not exist", *lead))
			} else {
				x.LeadID = lead
			}
		}
		var project *int64
		if b.integer("project_id", &project) && project != nil {
			b.add("project_id", "the company has no projects")
		}
		if b.has("person_id") {
			b.add("person_id", "is read-only: set it with a primary participant")
		}
		e.participants(b, x)
		b.date("due_date", &x.DueDate)
		b.hourMinute("due_time", &x.DueTime)
		b.hourMinute("duration", &x.Duration)
		if x.DueTime != nil && x.DueDate == nil {
			b.add("due_time", "needs a due_date")
		}
		b.boolean("busy", &x.Busy)
		wasDone := !create && old.Done
		if b.boolean("done", &x.Done) && x.Done != wasDone {
			if x.Done {
				x.MarkedAsDoneTime = &now
			} else {
				x.MarkedAsDoneTime = nil
			}
		}
		b.address("location", &x.Location)
		b.optStr("public_description", &x.PublicDescription)
		b.integer("priority", &x.Priority)
		b.optStr("note", &x.Note)
		b.boolean("private", &x.Private)
		b.has("attendees") // calendar attendees are not emulated
	}
	return a
}

// participants reads an activity's participants: persons, at most one
// primary (the first when none is); the primary is the activity's person_id.
func (e *Emulator) participants(b *body, x *Activity) {
	raw, ok := b.raw["participants"]
	if !ok {
		return
	}
	b.used["participants"] = true
	var in []struct {
		PersonID *int64 `json:"person_id"`
		Primary  bool   `json:"primary"`
	}
	if !isNull(raw) {
		if err := json.Unmarshal(raw, &in); err != nil {
			b.add("participants", "must be an array of {person_id, primary}")
			return
		}
	}
	out := []Participant{}
	primary := -1
	seen := map[int64]bool{}
	for i, p := range in {
		switch {
		case p.PersonID == nil:
			b.add(fmt.Sprintf("participants[%d].person_id", i), "is required")
			continue
		case !e.personExists(*p.PersonID):
			b.add(fmt.Sprintf("participants[%d].person_id", i), fmt.Sprintf("person %d does not exist", *p.PersonID))
			continue
		case seen[*p.PersonID]:
			b.add(fmt.Sprintf("participants[%d].person_id", i), "is listed twice")
			continue
		}
		seen[*p.PersonID] = true
		if p.Primary {
			if primary >= 0 {
				b.add("participants", "at most one participant can be primary")
			}
			primary = len(out)
		}
		out = append(out, Participant{PersonID: *p.PersonID, Primary: p.Primary})
	}
	if primary < 0 && len(out) > 0 {
		primary = 0
		out[0].Primary = true
	}
	x.Participants, x.PersonID = out, nil
	if primary >= 0 {
		id := out[primary].PersonID
		x.PersonID = &id
	}
}
