package pipedrive

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/pkg/connector"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
)

// Activities are Pipedrive's activities (API v2 /api/v2/activities) and
// notes (API v1 /api/v1/notes, kind NOTE): two lists in Pipedrive, one in
// the unified API. A list pages through activities, then notes. Note ids
// carry the prefix "note-" so that Get, Update and Delete reach the right
// one; activity ids are Pipedrive's as they are.
//
// An activity has one time in Pipedrive: due_date and due_time (UTC, to
// the minute), with a duration. It reads as due_time, and, when it has a
// duration, as start_time with end_time = start + duration. start_time and
// due_time both write it (they cannot differ); end_time writes the
// duration. Activities have no direction and no custom fields in the API;
// their participants are the contacts (the first the primary one, whose
// id is Pipedrive's person_id), and one organization, deal and lead each.
//
// A note has a body (HTML), one contact, company, deal and lead, and an
// author (owner_id); no subject, times, done or direction.
func activitiesObject() connector.Object[*crmv1.Activity] {
	return connector.Object[*crmv1.Activity]{
		List:   listActivities,
		Get:    getActivity,
		Create: createActivity,
		Update: updateActivity,
		Delete: deleteActivity,
	}
}

const notePrefix = "note-"

// activityID splits a unified activity id: a note's ("note-12") or an
// activity's ("12").
func activityID(field, id string) (n int64, noteID bool, err error) {
	if rest, ok := strings.CutPrefix(id, notePrefix); ok {
		n, err = numericID(field, rest)
		if err != nil {
			return 0, true, badID(field, id, "an activity id such as 42, or a note id such as note-42")
		}
		return n, true, nil
	}
	n, err = numericID(field, id)
	if err != nil {
		return 0, false, badID(field, id, "an activity id such as 42, or a note id such as note-42")
	}
	return n, false, nil
}

// activityKinds: Pipedrive's default activity types. A deadline is a task
// with a due date; a lunch is a meeting. Types an account adds read as
// OTHER with their key in remote_kind.
var activityKinds = connector.Enum[crmv1.ActivityKind]{
	Provider: "Pipedrive",
	Required: true,
	Read: map[string]crmv1.ActivityKind{
		"call": crmv1.ActivityKind_ACTIVITY_KIND_CALL, "meeting": crmv1.ActivityKind_ACTIVITY_KIND_MEETING,
		"lunch": crmv1.ActivityKind_ACTIVITY_KIND_MEETING, "task": crmv1.ActivityKind_ACTIVITY_KIND_TASK,
		"deadline": crmv1.ActivityKind_ACTIVITY_KIND_TASK, "email": crmv1.ActivityKind_ACTIVITY_KIND_EMAIL,
	},
	Write: map[crmv1.ActivityKind]string{
		crmv1.ActivityKind_ACTIVITY_KIND_CALL: "call", crmv1.ActivityKind_ACTIVITY_KIND_MEETING: "meeting",
		crmv1.ActivityKind_ACTIVITY_KIND_TASK: "task", crmv1.ActivityKind_ACTIVITY_KIND_EMAIL: "email",
	},
	Other: crmv1.ActivityKind_ACTIVITY_KIND_OTHER,
}

var activityKindWriter, activityRemoteKindWriter = connector.EnumWriters(activityKinds, "type", "kind",
	func(a *crmv1.Activity) (crmv1.ActivityKind, string) { return a.GetKind(), a.GetRemoteKind() })

// isNote says whether a record to create is a note.
func isNote(a *crmv1.Activity) bool {
	k := a.GetKind()
	return k == crmv1.ActivityKind_ACTIVITY_KIND_NOTE ||
		(k == crmv1.ActivityKind_ACTIVITY_KIND_UNSPECIFIED || k == crmv1.ActivityKind_ACTIVITY_KIND_OTHER) && a.GetRemoteKind() == "note"
}

// dueTime reads due_date and due_time (UTC; a date alone is midnight).
func dueTime(date, hm string) time.Time {
	if date == "" {
		return time.Time{}
	}
	if hm == "" {
		hm = "00:00"
	}
	t, err := time.Parse("2006-01-02 15:04", date+" "+strings.TrimSpace(hm)[:min(5, len(strings.TrimSpace(hm)))])
	if err != nil {
		return parseTime(date)
	}
	return t
}

// duration reads "HH:MM".
func duration(s string) time.Duration {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute
}

func activityToActivity(a activity) *crmv1.Activity {
	out := &crmv1.Activity{
		Id:         a.ID.id(),
		Kind:       activityKinds.ToProto(a.Type),
		RemoteKind: a.Type,
		Subject:    a.Subject,
		Body:       a.Note,
		Done:       bool(a.Done),
		ContactIds: participantIDs(a),
		CompanyIds: refList(a.OrgID),
		DealIds:    refList(a.DealID),
		LeadIds:    nonEmpty(a.LeadID),
		OwnerId:    a.OwnerID.id(),
		CreateTime: ts(a.AddTime),
		UpdateTime: ts(a.UpdateTime),
	}
	if due := dueTime(a.DueDate, a.DueTime); !due.IsZero() {
		out.DueTime = timestamppb.New(due)
		if d := duration(a.Duration); d > 0 {
			out.StartTime, out.EndTime = timestamppb.New(due), timestamppb.New(due.Add(d))
		}
	}
	return out
}

// participantIDs are an activity's persons, the primary one first.
func participantIDs(a activity) []string {
	var primary, others []string
	for _, p := range a.Participants {
		if p.PersonID == 0 {
			continue
		}
		if p.Primary || p.PrimaryFlag {
			primary = append(primary, p.PersonID.id())
		} else {
			others = append(others, p.PersonID.id())
		}
	}
	if len(primary)+len(others) == 0 {
		return refList(a.PersonID)
	}
	return append(primary, others...)
}

func noteToActivity(n note) *crmv1.Activity {
	return &crmv1.Activity{
		Id:         notePrefix + n.ID.id(),
		Kind:       crmv1.ActivityKind_ACTIVITY_KIND_NOTE,
		RemoteKind: "note",
		Body:       n.Content,
		ContactIds: refList(n.PersonID),
		CompanyIds: refList(n.OrgID),
		DealIds:    refList(n.DealID),
		LeadIds:    nonEmpty(n.LeadID),
		OwnerId:    n.UserID.id(),
		CreateTime: ts(n.AddTime),
		UpdateTime: ts(n.UpdateTime),
	}
}

var activityWire = wireMap{
	"type": "kind", "subject": "subject", "note": "body", "due_date": "due_time", "due_time": "due_time",
	"duration": "end_time", "done": "done", "participants": "contact_ids", "org_id": "company_ids",
	"deal_id": "deal_ids", "lead_id": "lead_ids", "owner_id": "owner_id",
}

var noteWire = wireMap{
	"content": "body", "person_id": "contact_ids", "org_id": "company_ids", "deal_id": "deal_ids",
	"lead_id": "lead_ids", "user_id": "owner_id",
}

// setDue writes an activity's one time; nil clears it.
func setDue(b map[string]any, t *timestamppb.Timestamp) {
	if t == nil {
		b["due_date"], b["due_time"] = nil, nil
		return
	}
	u := t.AsTime().UTC()
	b["due_date"], b["due_time"] = u.Format(dateLayout), u.Format("15:04")
}

// scheduled is the time an activity record gives: its start, else its due time.
func scheduled(a *crmv1.Activity) *timestamppb.Timestamp {
	if a.GetStartTime() != nil {
		return a.GetStartTime()
	}
	return a.GetDueTime()
}

func sameTime(a, b *timestamppb.Timestamp) bool {
	return a == nil || b == nil || a.AsTime().Truncate(time.Minute).Equal(b.AsTime().Truncate(time.Minute))
}

var activityFields = connector.Fields[*crmv1.Activity]{
	"kind":        activityKindWriter,
	"remote_kind": activityRemoteKindWriter,
	"subject":     func(a *crmv1.Activity, b map[string]any) error { b["subject"] = a.GetSubject(); return nil },
	"body":        func(a *crmv1.Activity, b map[string]any) error { b["note"] = a.GetBody(); return nil },
	"start_time": func(a *crmv1.Activity, b map[string]any) error {
		if !sameTime(a.GetStartTime(), a.GetDueTime()) {
			return connector.BadField("start_time", "Pipedrive keeps one time per activity: start_time and due_time must be the same")
		}
		setDue(b, scheduled(a))
		return nil
	},
	"due_time": func(a *crmv1.Activity, b map[string]any) error {
		if !sameTime(a.GetStartTime(), a.GetDueTime()) {
			return connector.BadField("due_time", "Pipedrive keeps one time per activity: start_time and due_time must be the same")
		}
		setDue(b, scheduled(a))
		return nil
	},
	"end_time": func(a *crmv1.Activity, b map[string]any) error {
		end := a.GetEndTime()
		if end == nil {
			b["duration"] = nil
			return nil
		}
		start := scheduled(a)
		if start == nil {
			return connector.BadField("end_time", "Pipedrive keeps an activity's duration from its start: set start_time too")
		}
		d := end.AsTime().Sub(start.AsTime().Truncate(time.Minute))
		if d < 0 {
			return connector.BadField("end_time", "end_time is before start_time")
		}
		mins := int(d / time.Minute)
		b["duration"] = fmt.Sprintf("%02d:%02d", mins/60, mins%60)
		return nil
	},
	"done": func(a *crmv1.Activity, b map[string]any) error { b["done"] = a.GetDone(); return nil },
	"contact_ids": func(a *crmv1.Activity, b map[string]any) error {
		// person_id is read-only in API v2: the primary participant sets it.
		ids, err := connector.IntIDs("contact_ids", a.GetContactIds())
		if err != nil {
			return err
		}
		ps := make([]map[string]any, 0, len(ids))
		for i, id := range ids {
			ps = append(ps, map[string]any{"person_id": id, "primary": i == 0})
		}
		b["participants"] = ps
		return nil
	},
	"company_ids": func(a *crmv1.Activity, b map[string]any) error {
		return oneRef(b, "org_id", "company_ids", a.GetCompanyIds(), "organization per activity")
	},
	"deal_ids": func(a *crmv1.Activity, b map[string]any) error {
		return oneRef(b, "deal_id", "deal_ids", a.GetDealIds(), "deal per activity")
	},
	"lead_ids": func(a *crmv1.Activity, b map[string]any) error {
		return setLeadRef(b, a.GetLeadIds(), "activity")
	},
	"owner_id": func(a *crmv1.Activity, b map[string]any) error {
		return setRequiredRef(b, "owner_id", "owner_id", a.GetOwnerId(), "an owner for an activity")
	},
}

// setLeadRef writes the one lead (a UUID) an activity or note concerns.
func setLeadRef(b map[string]any, ids []string, what string) error {
	switch len(ids) {
	case 0:
		b["lead_id"] = nil
		return nil
	case 1:
		if err := leadID("lead_ids[0]", ids[0]); err != nil {
			return connector.BadField("lead_ids[0]", "%q is not a Pipedrive lead id (a UUID)", ids[0])
		}
		b["lead_id"] = ids[0]
		return nil
	}
	return connector.BadField("lead_ids", "Pipedrive links one lead per %s, not %d", what, len(ids))
}

var noteFields = connector.Fields[*crmv1.Activity]{
	"kind": func(a *crmv1.Activity, b map[string]any) error {
		if !isNote(a) {
			return connector.BadField("kind", "a Pipedrive note stays a note")
		}
		return nil
	},
	"remote_kind": func(a *crmv1.Activity, b map[string]any) error {
		if r := a.GetRemoteKind(); r != "" && r != "note" {
			return connector.BadField("remote_kind", "a Pipedrive note's kind is \"note\"")
		}
		return nil
	},
	"body": func(a *crmv1.Activity, b map[string]any) error {
		if strings.TrimSpace(a.GetBody()) == "" {
			return connector.BadField("body", "a Pipedrive note needs its content")
		}
		b["content"] = a.GetBody()
		return nil
	},
	"contact_ids": func(a *crmv1.Activity, b map[string]any) error {
		return oneRef(b, "person_id", "contact_ids", a.GetContactIds(), "person per note")
	},
	"company_ids": func(a *crmv1.Activity, b map[string]any) error {
		return oneRef(b, "org_id", "company_ids", a.GetCompanyIds(), "organization per note")
	},
	"deal_ids": func(a *crmv1.Activity, b map[string]any) error {
		return oneRef(b, "deal_id", "deal_ids", a.GetDealIds(), "deal per note")
	},
	"lead_ids": func(a *crmv1.Activity, b map[string]any) error { return setLeadRef(b, a.GetLeadIds(), "note") },
	"owner_id": func(a *crmv1.Activity, b map[string]any) error {
		return setRequiredRef(b, "user_id", "owner_id", a.GetOwnerId(), "an author for a note")
	},
}

func listActivities(ctx context.Context, c *connector.Conn, p connector.ListParams) (connector.Page[*crmv1.Activity], error) {
	activities := func(ctx context.Context, pos string, limit int) ([]*crmv1.Activity, string, error) {
		items, next, err := listV2[activity](ctx, c, "/api/v2/activities", nil, limit, pos, p.ModifiedSince)
		if err != nil {
			return nil, "", err
		}
		out := make([]*crmv1.Activity, 0, len(items))
		for _, it := range items {
			if !it.rec.IsDeleted {
				out = append(out, withRaw(activityToActivity(it.rec), it.raw, p.IncludeRaw))
			}
		}
		return out, next, nil
	}
	notes := func(ctx context.Context, pos string, limit int) ([]*crmv1.Activity, string, error) {
		start, err := offsetPos(pos)
		if err != nil {
			return nil, "", err
		}
		q := url.Values{}
		if !p.ModifiedSince.IsZero() {
			q.Set("updated_since", since(p.ModifiedSince))
		}
		items, next, err := listV1[note](ctx, c, "/api/v1/notes", q, start, limit)
		if err != nil {
			return nil, "", err
		}
		out := make([]*crmv1.Activity, 0, len(items))
		for _, it := range items {
			out = append(out, withRaw(noteToActivity(it.rec), it.raw, p.IncludeRaw))
		}
		return out, offsetNext(next), nil
	}
	return pageStreams(ctx, []stream[*crmv1.Activity]{activities, notes}, p.Cursor, min(p.PageSize, maxLimit))
}

func getActivity(ctx context.Context, c *connector.Conn, id string, p connector.GetParams) (*crmv1.Activity, error) {
	n, noteID, err := activityID("id", id)
	if err != nil {
		return nil, err
	}
	return readActivity(ctx, c, n, noteID, p.IncludeRaw)
}

func readActivity(ctx context.Context, c *connector.Conn, n int64, noteID bool, raw bool) (*crmv1.Activity, error) {
	if noteID {
		it, err := one[note](ctx, c, http.MethodGet, "/api/v1/notes/"+strconv.FormatInt(n, 10), nil)
		if err != nil {
			return nil, err
		}
		return withRaw(noteToActivity(it.rec), it.raw, raw), nil
	}
	it, err := one[activity](ctx, c, http.MethodGet, "/api/v2/activities/"+strconv.FormatInt(n, 10), nil)
	if err != nil {
		return nil, err
	}
	if it.rec.IsDeleted {
		return nil, gone("activity", strconv.FormatInt(n, 10))
	}
	return withRaw(activityToActivity(it.rec), it.raw, raw), nil
}

func createActivity(ctx context.Context, c *connector.Conn, a *crmv1.Activity) (*crmv1.Activity, error) {
	if isNote(a) {
		body, err := noteFields.Body(a, nil, "activity", Slug)
		if err != nil {
			return nil, err
		}
		if _, ok := body["content"]; !ok {
			return nil, connector.FieldErrorsOf("activity", Slug, connector.BadField("body", "a Pipedrive note needs its content"))
		}
		it, err := one[note](ctx, c, http.MethodPost, "/api/v1/notes", body)
		if err != nil {
			return nil, rejected(err, "activity", noteWire, nil)
		}
		return noteToActivity(it.rec), nil
	}
	if a.GetKind() == crmv1.ActivityKind_ACTIVITY_KIND_UNSPECIFIED && a.GetRemoteKind() == "" {
		return nil, connector.FieldErrorsOf("activity", Slug, connector.BadField("kind", "an activity needs its kind"))
	}
	body, err := activityFields.Body(a, nil, "activity", Slug)
	if err != nil {
		return nil, err
	}
	it, err := one[activity](ctx, c, http.MethodPost, "/api/v2/activities", body)
	if err != nil {
		return nil, rejected(err, "activity", activityWire, nil)
	}
	return activityToActivity(it.rec), nil
}

func updateActivity(ctx context.Context, c *connector.Conn, a *crmv1.Activity, mask []string) (*crmv1.Activity, error) {
	n, noteID, err := activityID("activity.id", a.GetId())
	if err != nil {
		return nil, err
	}
	path := "/api/v2/activities/" + strconv.FormatInt(n, 10)
	fields, wire, method := activityFields, activityWire, http.MethodPatch
	if noteID {
		path, fields, wire, method = "/api/v1/notes/"+strconv.FormatInt(n, 10), noteFields, noteWire, http.MethodPut
	}
	body, err := fields.Body(a, mask, "activity", Slug)
	if err != nil {
		return nil, err
	}
	if len(body) == 0 {
		return readActivity(ctx, c, n, noteID, false)
	}
	if noteID {
		it, err := one[note](ctx, c, method, path, body)
		if err != nil {
			return nil, rejected(err, "activity", wire, nil)
		}
		return noteToActivity(it.rec), nil
	}
	it, err := one[activity](ctx, c, method, path, body)
	if err != nil {
		return nil, rejected(err, "activity", wire, nil)
	}
	return activityToActivity(it.rec), nil
}

func deleteActivity(ctx context.Context, c *connector.Conn, id string) error {
	n, noteID, err := activityID("id", id)
	if err != nil {
		return err
	}
	if noteID {
		return remove(ctx, c, "/api/v1/notes/"+strconv.FormatInt(n, 10))
	}
	return remove(ctx, c, "/api/v2/activities/"+strconv.FormatInt(n, 10))
}
