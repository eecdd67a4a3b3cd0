package hubspot

import (
	"context"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/connector"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
)

// HubSpot keeps activities in five objects (engagements): notes, calls,
// meetings, emails and tasks. A unified activity id names its object:
// "<kind>-<HubSpot id>", such as "call-60290000001".

// activityKind is one of the five engagement objects.
type activityKind struct {
	name   string // id prefix: "call"
	typ    string // HubSpot object type: "calls"
	kind   crmv1.ActivityKind
	remote string // HubSpot's engagement type: "CALL"
	props  []string
	wire   map[string]string
}

var activityKinds = []*activityKind{
	{name: "note", typ: "notes", kind: crmv1.ActivityKind_ACTIVITY_KIND_NOTE, remote: "NOTE",
		props: []string{"hs_timestamp", "hs_note_body"},
		wire:  map[string]string{"hs_timestamp": "start_time", "hs_note_body": "body"}},
	{name: "call", typ: "calls", kind: crmv1.ActivityKind_ACTIVITY_KIND_CALL, remote: "CALL",
		props: []string{"hs_timestamp", "hs_call_title", "hs_call_body", "hs_call_direction", "hs_call_duration", "hs_call_status"},
		wire: map[string]string{"hs_timestamp": "start_time", "hs_call_title": "subject", "hs_call_body": "body",
			"hs_call_direction": "direction", "hs_call_duration": "end_time", "hs_call_status": "done"}},
	{name: "meeting", typ: "meetings", kind: crmv1.ActivityKind_ACTIVITY_KIND_MEETING, remote: "MEETING",
		props: []string{"hs_timestamp", "hs_meeting_title", "hs_meeting_body", "hs_meeting_start_time", "hs_meeting_end_time", "hs_meeting_outcome"},
		wire: map[string]string{"hs_timestamp": "start_time", "hs_meeting_title": "subject", "hs_meeting_body": "body",
			"hs_meeting_start_time": "start_time", "hs_meeting_end_time": "end_time", "hs_meeting_outcome": "done"}},
	{name: "email", typ: "emails", kind: crmv1.ActivityKind_ACTIVITY_KIND_EMAIL, remote: "EMAIL",
		props: []string{"hs_timestamp", "hs_email_subject", "hs_email_text", "hs_email_direction", "hs_email_status"},
		wire: map[string]string{"hs_timestamp": "start_time", "hs_email_subject": "subject", "hs_email_text": "body",
			"hs_email_direction": "direction"}},
	{name: "task", typ: "tasks", kind: crmv1.ActivityKind_ACTIVITY_KIND_TASK, remote: "TASK",
		props: []string{"hs_timestamp", "hs_task_subject", "hs_task_body", "hs_task_status", "hs_task_type", "hs_task_priority"},
		wire: map[string]string{"hs_timestamp": "due_time", "hs_task_subject": "subject", "hs_task_body": "body",
			"hs_task_status": "done"}},
}

// activityKinds' Enum, for remote_kind.
var activityTypes = func() connector.Enum[crmv1.ActivityKind] {
	e := connector.Enum[crmv1.ActivityKind]{Provider: "HubSpot", Required: true, Other: crmv1.ActivityKind_ACTIVITY_KIND_OTHER,
		Read: map[string]crmv1.ActivityKind{}, Write: map[crmv1.ActivityKind]string{}}
	for _, k := range activityKinds {
		e.Read[k.remote], e.Write[k.kind] = k.kind, k.remote
	}
	return e
}()

func kindNamed(name string) *activityKind {
	for _, k := range activityKinds {
		if k.name == name {
			return k
		}
	}
	return nil
}

// parseActivityID splits "call-123" into its object and HubSpot id.
func parseActivityID(id string) (*activityKind, string, error) {
	name, hid, _ := strings.Cut(id, "-")
	k := kindNamed(name)
	if k == nil || !isDigits(hid) || len(hid) > 20 {
		return nil, "", badID("activity", id, "note-, call-, meeting-, email- or task- and a number")
	}
	return k, hid, nil
}

// assocTypes are the objects a kind of activity is associated with.
func (k *activityKind) assocTypes() []string {
	var out []string
	for _, to := range []string{"contacts", "companies", "deals", "leads"} {
		if engagementTypeIDs[k.typ][to] != 0 {
			out = append(out, to)
		}
	}
	return out
}

func (k *activityKind) spec() *spec[*crmv1.Activity] {
	return &spec[*crmv1.Activity]{
		object: "activity", typ: k.typ, modified: "hs_lastmodifieddate",
		props:  append(append([]string(nil), k.props...), "hubspot_owner_id", "hs_createdate", "hs_lastmodifieddate"),
		assocs: k.assocTypes(), wire: withOwner(k.wire),
		currentFields: []string{"end_time", "done", "direction", "contact_ids", "company_ids", "deal_ids", "lead_ids"},
		read:          func(rc *readCtx, o *object) *crmv1.Activity { return activityFrom(k, rc, o) },
		fields:        func(wc *writeCtx) connector.Fields[*crmv1.Activity] { return activityFields(k, wc) },
		finish: func(wc *writeCtx, _ *crmv1.Activity, props map[string]string) {
			// HubSpot requires hs_timestamp: an activity logged without a
			// time is logged now (a meeting's defaults to its start, a
			// task's is its due date, which it must be given).
			if !wc.update && k.name != "task" && k.name != "meeting" && props["hs_timestamp"] == "" {
				props["hs_timestamp"] = time.Now().UTC().Format(timeLayout)
			}
		},
	}
}

func withOwner(m map[string]string) map[string]string {
	out := map[string]string{"hubspot_owner_id": "owner_id"}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func activityFrom(k *activityKind, rc *readCtx, o *object) *crmv1.Activity {
	a := &crmv1.Activity{
		Id:           k.name + "-" + o.ID,
		Kind:         k.kind,
		RemoteKind:   k.remote,
		OwnerId:      o.prop("hubspot_owner_id"),
		ContactIds:   o.linkIDs("contacts"),
		CompanyIds:   o.linkIDs("companies"),
		DealIds:      o.linkIDs("deals"),
		LeadIds:      o.linkIDs("leads"),
		CustomFields: customFields(rc.defs, o),
		CreateTime:   recordTime(o.CreatedAt),
		UpdateTime:   recordTime(o.UpdatedAt),
	}
	switch k.name {
	case "note":
		a.Body, a.StartTime = o.prop("hs_note_body"), timestamp(o.prop("hs_timestamp"))
	case "call":
		a.Subject, a.Body = o.prop("hs_call_title"), o.prop("hs_call_body")
		a.StartTime = timestamp(o.prop("hs_timestamp"))
		if ms, err := strconv.ParseFloat(o.prop("hs_call_duration"), 64); err == nil && a.StartTime != nil {
			a.EndTime = timestamppb.New(a.StartTime.AsTime().Add(time.Duration(ms) * time.Millisecond))
		}
		a.Direction = map[string]crmv1.ActivityDirection{"INBOUND": crmv1.ActivityDirection_ACTIVITY_DIRECTION_INBOUND,
			"OUTBOUND": crmv1.ActivityDirection_ACTIVITY_DIRECTION_OUTBOUND}[o.prop("hs_call_direction")]
		a.Done = o.prop("hs_call_status") == "COMPLETED"
	case "meeting":
		a.Subject, a.Body = o.prop("hs_meeting_title"), o.prop("hs_meeting_body")
		a.StartTime = timestamp(o.prop("hs_meeting_start_time"))
		if a.StartTime == nil {
			a.StartTime = timestamp(o.prop("hs_timestamp"))
		}
		a.EndTime = timestamp(o.prop("hs_meeting_end_time"))
		a.Done = o.prop("hs_meeting_outcome") == "COMPLETED"
	case "email":
		a.Subject, a.Body = o.prop("hs_email_subject"), o.prop("hs_email_text")
		a.StartTime = timestamp(o.prop("hs_timestamp"))
		// A forwarded email (FORWARDED_EMAIL) has no known direction.
		a.Direction = map[string]crmv1.ActivityDirection{"EMAIL": crmv1.ActivityDirection_ACTIVITY_DIRECTION_OUTBOUND,
			"INCOMING_EMAIL": crmv1.ActivityDirection_ACTIVITY_DIRECTION_INBOUND}[o.prop("hs_email_direction")]
	case "task":
		a.Subject, a.Body = o.prop("hs_task_subject"), o.prop("hs_task_body")
		a.DueTime = timestamp(o.prop("hs_timestamp"))
		a.Done = o.prop("hs_task_status") == "COMPLETED"
	}
	return a
}

// activityFields are the writers of one kind of activity.
func activityFields(k *activityKind, wc *writeCtx) connector.Fields[*crmv1.Activity] {
	cur := func(prop string) string {
		if wc.cur == nil {
			return ""
		}
		return wc.cur.prop(prop)
	}
	none := func(field, what string, empty func(*crmv1.Activity) bool) func(*crmv1.Activity, map[string]any) error {
		return unstorable(field, "HubSpot "+k.typ+" have no "+what, empty)
	}
	required := func(field string) error {
		return connector.BadField(field, "HubSpot %s always have a time (hs_timestamp)", k.typ)
	}
	f := connector.Fields[*crmv1.Activity]{
		// The kind is the object the activity is in, chosen by the path.
		"kind": func(*crmv1.Activity, map[string]any) error { return nil },
		"remote_kind": func(a *crmv1.Activity, _ map[string]any) error {
			if r := a.GetRemoteKind(); r != "" && r != k.remote {
				return connector.BadField("remote_kind", "an activity's kind cannot change: this one is %s", k.remote)
			}
			return nil
		},
		"owner_id": ownerWriter((*crmv1.Activity).GetOwnerId),
		"custom_fields": func(a *crmv1.Activity, b map[string]any) error {
			return writeCustom(wc.defs, k.name, a.GetCustomFields(), b)
		},
	}
	for _, l := range []struct {
		field, to string
		get       func(*crmv1.Activity) []string
	}{
		{"contact_ids", "contacts", (*crmv1.Activity).GetContactIds},
		{"company_ids", "companies", (*crmv1.Activity).GetCompanyIds},
		{"deal_ids", "deals", (*crmv1.Activity).GetDealIds},
		{"lead_ids", "leads", (*crmv1.Activity).GetLeadIds},
	} {
		typeID := engagementTypeIDs[k.typ][l.to]
		if typeID == 0 {
			f[l.field] = none(l.field, "association to "+l.to, func(a *crmv1.Activity) bool { return len(l.get(a)) == 0 })
			continue
		}
		f[l.field] = func(a *crmv1.Activity, _ map[string]any) error {
			if err := checkIDs(l.field, l.get(a)); err != nil {
				return err
			}
			wc.addLink(&link{field: l.field, toType: l.to, ids: l.get(a), typeID: typeID})
			return nil
		}
	}
	timeWriter := func(field string, props ...string) func(*crmv1.Activity, map[string]any) error {
		return func(a *crmv1.Activity, b map[string]any) error {
			ts := map[string]*timestamppb.Timestamp{"start_time": a.GetStartTime(), "due_time": a.GetDueTime()}[field]
			if ts == nil && wc.update && props[0] == "hs_timestamp" {
				return required(field)
			}
			for _, p := range props {
				b[p] = writeTime(ts)
			}
			return nil
		}
	}
	noSubject := none("subject", "subject", func(a *crmv1.Activity) bool { return a.GetSubject() == "" })
	noEnd := none("end_time", "end time", func(a *crmv1.Activity) bool { return a.GetEndTime() == nil })
	noStart := none("start_time", "start time; a task's time is its due_time", func(a *crmv1.Activity) bool { return a.GetStartTime() == nil })
	noDue := none("due_time", "due time", func(a *crmv1.Activity) bool { return a.GetDueTime() == nil })
	noDirection := none("direction", "direction", func(a *crmv1.Activity) bool {
		return a.GetDirection() == crmv1.ActivityDirection_ACTIVITY_DIRECTION_UNSPECIFIED
	})
	noDone := none("done", "done state", func(a *crmv1.Activity) bool { return !a.GetDone() })
	// doneWriter writes done to a status property: true is done; false
	// leaves any other status as it is (a call that got no answer stays so)
	// and reopens a done one.
	doneWriter := func(prop, doneValue, openValue string) func(*crmv1.Activity, map[string]any) error {
		return func(a *crmv1.Activity, b map[string]any) error {
			switch {
			case a.GetDone():
				b[prop] = doneValue
			case !wc.update || cur(prop) == doneValue:
				if wc.update {
					b[prop] = openValue
				}
			}
			return nil
		}
	}

	switch k.name {
	case "note":
		f["subject"], f["body"] = noSubject, setProp("hs_note_body", (*crmv1.Activity).GetBody)
		f["start_time"], f["end_time"], f["due_time"] = timeWriter("start_time", "hs_timestamp"), noEnd, noDue
		f["done"], f["direction"] = noDone, noDirection
	case "call":
		f["subject"], f["body"] = setProp("hs_call_title", (*crmv1.Activity).GetSubject), setProp("hs_call_body", (*crmv1.Activity).GetBody)
		f["start_time"], f["due_time"] = timeWriter("start_time", "hs_timestamp"), noDue
		f["end_time"] = func(a *crmv1.Activity, b map[string]any) error {
			// HubSpot keeps a call's duration, in milliseconds.
			if a.GetEndTime() == nil {
				b["hs_call_duration"] = ""
				return nil
			}
			start, ok := a.GetStartTime(), true
			if start == nil {
				var t time.Time
				if t, ok = parseTime(cur("hs_timestamp")); ok {
					start = timestamppb.New(t)
				}
			}
			if !ok {
				return connector.BadField("end_time", "HubSpot keeps a call's duration: set start_time with end_time")
			}
			d := a.GetEndTime().AsTime().Sub(start.AsTime())
			if d < 0 {
				return connector.BadField("end_time", "end_time is before start_time")
			}
			b["hs_call_duration"] = strconv.FormatInt(d.Milliseconds(), 10)
			return nil
		}
		f["direction"] = func(a *crmv1.Activity, b map[string]any) error {
			b["hs_call_direction"] = map[crmv1.ActivityDirection]string{
				crmv1.ActivityDirection_ACTIVITY_DIRECTION_INBOUND: "INBOUND", crmv1.ActivityDirection_ACTIVITY_DIRECTION_OUTBOUND: "OUTBOUND",
			}[a.GetDirection()]
			return nil
		}
		f["done"] = doneWriter("hs_call_status", "COMPLETED", "")
	case "meeting":
		f["subject"], f["body"] = setProp("hs_meeting_title", (*crmv1.Activity).GetSubject), setProp("hs_meeting_body", (*crmv1.Activity).GetBody)
		f["start_time"] = timeWriter("start_time", "hs_meeting_start_time", "hs_timestamp")
		f["end_time"] = func(a *crmv1.Activity, b map[string]any) error {
			b["hs_meeting_end_time"] = writeTime(a.GetEndTime())
			return nil
		}
		f["due_time"], f["direction"] = noDue, noDirection
		f["done"] = doneWriter("hs_meeting_outcome", "COMPLETED", "SCHEDULED")
	case "email":
		f["subject"], f["body"] = setProp("hs_email_subject", (*crmv1.Activity).GetSubject), setProp("hs_email_text", (*crmv1.Activity).GetBody)
		f["start_time"], f["end_time"], f["due_time"] = timeWriter("start_time", "hs_timestamp"), noEnd, noDue
		f["done"] = noDone
		f["direction"] = func(a *crmv1.Activity, b map[string]any) error {
			switch a.GetDirection() {
			case crmv1.ActivityDirection_ACTIVITY_DIRECTION_OUTBOUND:
				b["hs_email_direction"] = "EMAIL"
			case crmv1.ActivityDirection_ACTIVITY_DIRECTION_INBOUND:
				b["hs_email_direction"] = "INCOMING_EMAIL"
			default:
				// A forwarded email reads with no direction and keeps its own.
				if cur("hs_email_direction") != "FORWARDED_EMAIL" {
					return connector.BadField("direction", "HubSpot emails always have a direction")
				}
			}
			return nil
		}
	case "task":
		f["subject"], f["body"] = setProp("hs_task_subject", (*crmv1.Activity).GetSubject), setProp("hs_task_body", (*crmv1.Activity).GetBody)
		f["due_time"], f["start_time"], f["end_time"] = timeWriter("due_time", "hs_timestamp"), noStart, noEnd
		f["direction"] = noDirection
		f["done"] = doneWriter("hs_task_status", "COMPLETED", "NOT_STARTED")
	}
	return f
}

// activityObject serves the five engagement objects as one.
func activityObject(h *hub) connector.Object[*crmv1.Activity] {
	specs := map[string]*spec[*crmv1.Activity]{}
	for _, k := range activityKinds {
		specs[k.name] = k.spec()
	}
	return connector.Object[*crmv1.Activity]{
		List: func(ctx context.Context, c *connector.Conn, p connector.ListParams) (connector.Page[*crmv1.Activity], error) {
			return listActivities(ctx, c, h, specs, p)
		},
		Get: func(ctx context.Context, c *connector.Conn, id string, p connector.GetParams) (*crmv1.Activity, error) {
			k, hid, err := parseActivityID(id)
			if err != nil {
				return nil, err
			}
			return getRecord(ctx, c, h, specs[k.name], hid, p.IncludeRaw)
		},
		Create: func(ctx context.Context, c *connector.Conn, a *crmv1.Activity) (*crmv1.Activity, error) {
			k, err := kindOf(a)
			if err != nil {
				return nil, connector.FieldErrorsOf("activity", Slug, err)
			}
			return createRecord(ctx, c, h, specs[k.name], a)
		},
		Update: func(ctx context.Context, c *connector.Conn, a *crmv1.Activity, mask []string) (*crmv1.Activity, error) {
			k, hid, err := parseActivityID(a.GetId())
			if err != nil {
				return nil, err
			}
			if a.GetKind() != crmv1.ActivityKind_ACTIVITY_KIND_UNSPECIFIED && a.GetKind() != k.kind {
				return nil, connector.FieldErrorsOf("activity", Slug,
					connector.BadField("kind", "activity %s is a %s; an activity's kind cannot change", a.GetId(), k.name))
			}
			rec := proto.Clone(a).(*crmv1.Activity)
			rec.Id = hid
			return updateRecord(ctx, c, h, specs[k.name], rec, mask)
		},
		Delete: func(ctx context.Context, c *connector.Conn, id string) error {
			k, hid, err := parseActivityID(id)
			if err != nil {
				return err
			}
			return archiveObject(ctx, c, k.typ, hid)
		},
	}
}

// kindOf is the object a new activity goes to, from kind or remote_kind.
func kindOf(a *crmv1.Activity) (*activityKind, error) {
	remote, err := activityTypes.ToProvider("kind", a.GetKind(), a.GetRemoteKind())
	switch {
	case err != nil:
		return nil, err
	case remote == "":
		return nil, connector.BadField("kind", "an activity needs a kind: NOTE, CALL, MEETING, EMAIL or TASK")
	}
	for _, k := range activityKinds {
		if k.remote == remote {
			return k, nil
		}
	}
	return nil, connector.BadField("remote_kind", "HubSpot has no %q activities; use NOTE, CALL, MEETING, EMAIL or TASK", remote)
}

// listActivities pages through notes, calls, meetings, emails and tasks in
// turn. The cursor names the object and carries its own cursor:
// "<kind>|<cursor>". A page is filled from the next object when one ends.
func listActivities(ctx context.Context, c *connector.Conn, h *hub, specs map[string]*spec[*crmv1.Activity], p connector.ListParams) (connector.Page[*crmv1.Activity], error) {
	idx, inner := 0, ""
	if p.Cursor != "" {
		name, rest, ok := strings.Cut(p.Cursor, "|")
		idx = -1
		for i, k := range activityKinds {
			if k.name == name {
				idx = i
			}
		}
		if !ok || idx < 0 {
			return connector.Page[*crmv1.Activity]{}, apierr.InvalidArgument(apierr.ReasonInvalidPageToken, "the page token is not one HubSpot's connector issued")
		}
		inner = rest
	}
	var items []*crmv1.Activity
	for ; idx < len(activityKinds); idx, inner = idx+1, "" {
		want := p.PageSize - len(items)
		if want <= 0 {
			break
		}
		s := specs[activityKinds[idx].name]
		rc, err := h.readCtx(ctx, c, s.typ, false, p.IncludeRaw)
		if err != nil {
			return connector.Page[*crmv1.Activity]{}, err
		}
		objs, next, err := listRecords(ctx, c, s.typ, s.modified, readProps(s.props, rc.defs), s.assocs,
			connector.ListParams{PageSize: want, Cursor: inner, ModifiedSince: p.ModifiedSince})
		if err != nil {
			return connector.Page[*crmv1.Activity]{}, err
		}
		recs, err := mapPage(s, rc, objs)
		if err != nil {
			return connector.Page[*crmv1.Activity]{}, err
		}
		items = append(items, recs...)
		if next != "" {
			return connector.Page[*crmv1.Activity]{Items: items, NextCursor: activityKinds[idx].name + "|" + next}, nil
		}
	}
	next := ""
	if idx < len(activityKinds) {
		next = activityKinds[idx].name + "|"
	}
	return connector.Page[*crmv1.Activity]{Items: items, NextCursor: next}, nil
}
