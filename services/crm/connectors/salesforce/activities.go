package salesforce

import (
	"context"
	"slices"
	"time"

	"github.com/unimesh/unimesh/pkg/connector"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
)

// Activities are two sObjects: Tasks (calls, emails, to-dos, by
// TaskSubtype) and Events (meetings). A new activity's kind says which.

// taskSubtypes: ListEmail (a mass email) reads as EMAIL; Cadence and
// LinkedIn steps have no unified kind and read as OTHER.
var taskSubtypes = connector.Enum[crmv1.ActivityKind]{
	Provider: "Salesforce",
	Read: map[string]crmv1.ActivityKind{
		"Call": crmv1.ActivityKind_ACTIVITY_KIND_CALL, "Email": crmv1.ActivityKind_ACTIVITY_KIND_EMAIL,
		"ListEmail": crmv1.ActivityKind_ACTIVITY_KIND_EMAIL, "Task": crmv1.ActivityKind_ACTIVITY_KIND_TASK,
		"Cadence": crmv1.ActivityKind_ACTIVITY_KIND_OTHER, "LinkedIn": crmv1.ActivityKind_ACTIVITY_KIND_OTHER,
	},
	Write: map[crmv1.ActivityKind]string{
		crmv1.ActivityKind_ACTIVITY_KIND_CALL: "Call", crmv1.ActivityKind_ACTIVITY_KIND_EMAIL: "Email", crmv1.ActivityKind_ACTIVITY_KIND_TASK: "Task",
	},
	Other: crmv1.ActivityKind_ACTIVITY_KIND_OTHER,
}

// eventKind is remote_kind of an Event.
const eventKind = "Event"

var callTypes = map[string]crmv1.ActivityDirection{
	"Inbound": crmv1.ActivityDirection_ACTIVITY_DIRECTION_INBOUND, "Outbound": crmv1.ActivityDirection_ACTIVITY_DIRECTION_OUTBOUND,
}

func activityObject(s *state) *object[*crmv1.Activity] {
	common := []string{"Subject", "Description", "WhoId", "WhatId", "OwnerId"}
	task := &source[*crmv1.Activity]{sobject: "Task", prefix: prefixTask, wire: taskWire, read: taskOf, write: activityFields,
		fields: append(slices.Clone(common), "TaskSubtype", "Status", "IsClosed", "ActivityDate", "CallType", "Priority")}
	event := &source[*crmv1.Activity]{sobject: "Event", prefix: prefixEvent, wire: eventWire, read: eventOf, write: activityFields,
		fields: append(slices.Clone(common), "EventSubtype", "StartDateTime", "EndDateTime", "IsAllDayEvent", "ActivityDate", "Location")}
	o := &object[*crmv1.Activity]{s: s, name: "activity", sources: []*source[*crmv1.Activity]{task, event}}
	o.pick = func(a *crmv1.Activity) (*source[*crmv1.Activity], error) {
		switch k := a.GetKind(); {
		case k == crmv1.ActivityKind_ACTIVITY_KIND_MEETING:
			return event, nil
		case k == crmv1.ActivityKind_ACTIVITY_KIND_NOTE:
			return nil, fieldViolation("activity", "kind", "Salesforce activities are Tasks (calls, emails, to-dos) and Events (meetings); notes are not")
		case k == crmv1.ActivityKind_ACTIVITY_KIND_UNSPECIFIED && a.GetRemoteKind() == "":
			return nil, fieldViolation("activity", "kind", "kind is required: CALL, EMAIL or TASK make a Task, MEETING an Event")
		case a.GetRemoteKind() == eventKind && (k == crmv1.ActivityKind_ACTIVITY_KIND_UNSPECIFIED || k == crmv1.ActivityKind_ACTIVITY_KIND_OTHER):
			return event, nil
		}
		if _, err := taskSubtypes.ToProvider("kind", a.GetKind(), a.GetRemoteKind()); err != nil {
			return nil, connector.FieldErrorsOf("activity", Slug, err)
		}
		return task, nil
	}
	o.beforeUpdate = func(ctx context.Context, c *connector.Conn, src *source[*crmv1.Activity], id string, a *crmv1.Activity, mask []string) ([]string, error) {
		return activityKindUnchanged(ctx, c, src, id, a, mask)
	}
	return o
}

// activityKindUnchanged lets kind and remote_kind through an update only
// when they are what the activity is: Salesforce sets a Task's subtype on
// creation, and a Task cannot become an Event.
func activityKindUnchanged(ctx context.Context, c *connector.Conn, src *source[*crmv1.Activity], id string, a *crmv1.Activity, mask []string) ([]string, error) {
	if !slices.Contains(mask, "kind") && !slices.Contains(mask, "remote_kind") {
		return mask, nil
	}
	kind, remote := crmv1.ActivityKind_ACTIVITY_KIND_MEETING, eventKind
	if src.sobject == "Task" {
		r, err := getRecord(ctx, c, "Task", id, []string{"Id", "TaskSubtype"})
		if err != nil {
			return nil, err
		}
		remote = taskSubtype(r)
		kind = taskSubtypes.ToProto(remote)
	}
	if slices.Contains(mask, "kind") && a.GetKind() != kind && a.GetKind() != crmv1.ActivityKind_ACTIVITY_KIND_UNSPECIFIED {
		return nil, fieldViolation("activity", "kind", "a Salesforce activity keeps its kind (%s); create another activity", kind)
	}
	if slices.Contains(mask, "remote_kind") && a.GetRemoteKind() != remote && a.GetRemoteKind() != "" {
		return nil, fieldViolation("activity", "remote_kind", "a Salesforce activity keeps its kind (%s); create another activity", remote)
	}
	return slices.DeleteFunc(slices.Clone(mask), func(f string) bool { return f == "kind" || f == "remote_kind" }), nil
}

func taskSubtype(r record) string {
	if s := r.str("TaskSubtype"); s != "" {
		return s
	}
	return "Task" // tasks from before subtypes
}

// related sorts WhoId and WhatId into the unified lists by key prefix.
func related(r record, a *crmv1.Activity) {
	who, what := refOf(r, "WhoId"), refOf(r, "WhatId")
	switch {
	case who == "":
	case who[:3] == prefixContact:
		a.ContactIds = []string{who}
	case who[:3] == prefixLead:
		a.LeadIds = []string{who}
	}
	switch {
	case what == "":
	case what[:3] == prefixAccount:
		a.CompanyIds = []string{what}
	case what[:3] == prefixOpportunity:
		a.DealIds = []string{what}
	}
}

func taskOf(r record, x *env) *crmv1.Activity {
	sub := taskSubtype(r)
	a := &crmv1.Activity{
		Id:           refOf(r, "Id"),
		Kind:         taskSubtypes.ToProto(sub),
		RemoteKind:   sub,
		Subject:      r.str("Subject"),
		Body:         r.str("Description"),
		DueTime:      dateTimestamp(r, "ActivityDate"),
		Done:         r.boolean("IsClosed") || r.str("Status") == "Completed",
		Direction:    callTypes[r.str("CallType")],
		OwnerId:      refOf(r, "OwnerId"),
		CustomFields: customFieldsOf(r, x),
		CreateTime:   timestampOf(r, "CreatedDate"),
		UpdateTime:   timestampOf(r, "LastModifiedDate"),
	}
	related(r, a)
	return a
}

func eventOf(r record, x *env) *crmv1.Activity {
	a := &crmv1.Activity{
		Id:           refOf(r, "Id"),
		Kind:         crmv1.ActivityKind_ACTIVITY_KIND_MEETING,
		RemoteKind:   eventKind,
		Subject:      r.str("Subject"),
		Body:         r.str("Description"),
		StartTime:    timestampOf(r, "StartDateTime"),
		EndTime:      timestampOf(r, "EndDateTime"),
		OwnerId:      refOf(r, "OwnerId"),
		CustomFields: customFieldsOf(r, x),
		CreateTime:   timestampOf(r, "CreatedDate"),
		UpdateTime:   timestampOf(r, "LastModifiedDate"),
	}
	if r.boolean("IsAllDayEvent") {
		a.StartTime = dateTimestamp(r, "ActivityDate")
	}
	// An event has no status: it is done once it is over.
	if end := r.time("EndDateTime"); !end.IsZero() && !end.After(x.now) {
		a.Done = true
	}
	related(r, a)
	return a
}

var taskWire = map[string]string{
	"Subject": "subject", "Description": "body", "ActivityDate": "due_time", "Status": "done", "CallType": "direction",
	"TaskSubtype": "kind", "WhoId": "contact_ids", "WhatId": "company_ids", "OwnerId": "owner_id",
}

var eventWire = map[string]string{
	"Subject": "subject", "Description": "body", "StartDateTime": "start_time", "ActivityDateTime": "start_time",
	"EndDateTime": "end_time", "DurationInMinutes": "end_time", "WhoId": "contact_ids", "WhatId": "company_ids", "OwnerId": "owner_id",
}

func activityFields(x *env) connector.Fields[*crmv1.Activity] {
	isEvent := x.sobject == "Event"
	onlyTask := func(field, why string) error {
		return connector.BadField(field, "Salesforce events (meetings) have no %s: %s", field, why)
	}
	onlyEvent := func(field, why string) error {
		return connector.BadField(field, "Salesforce tasks have no %s: %s", field, why)
	}
	// who writes WhoId from contact_ids or lead_ids, whichever holds the
	// one id; what writes WhatId from company_ids or deal_ids.
	who := func(a *crmv1.Activity, b map[string]any, field string, ids []string, prefix string, other []string) error {
		if n := len(a.GetContactIds()) + len(a.GetLeadIds()); n > 1 {
			return connector.BadField(field, "a Salesforce activity concerns one contact or lead (WhoId); %d were given", n)
		}
		switch {
		case len(ids) == 1:
			return setRef(b, "WhoId", field+"[0]", ids[0], prefix)
		case len(other) == 0:
			b["WhoId"] = nil
		}
		return nil
	}
	what := func(a *crmv1.Activity, b map[string]any, field string, ids []string, prefix string, other []string) error {
		if n := len(a.GetCompanyIds()) + len(a.GetDealIds()); n > 1 {
			return connector.BadField(field, "a Salesforce activity is related to one company or deal (WhatId); %d were given", n)
		}
		switch {
		case len(ids) == 1:
			return setRef(b, "WhatId", field+"[0]", ids[0], prefix)
		case len(other) == 0:
			b["WhatId"] = nil
		}
		return nil
	}
	return connector.Fields[*crmv1.Activity]{
		"kind": func(a *crmv1.Activity, b map[string]any) error {
			if isEvent || !x.create {
				return nil // an Event is a meeting; an update never gets here with a change (activityKindUnchanged)
			}
			sub, err := taskSubtypes.ToProvider("kind", a.GetKind(), a.GetRemoteKind())
			if err != nil {
				return err
			}
			b["TaskSubtype"] = sub
			return nil
		},
		"remote_kind": func(a *crmv1.Activity, b map[string]any) error {
			if isEvent || !x.create {
				return nil
			}
			sub, err := taskSubtypes.ToProvider("kind", a.GetKind(), a.GetRemoteKind())
			if err != nil {
				return err
			}
			b["TaskSubtype"] = sub
			return nil
		},
		"subject": func(a *crmv1.Activity, b map[string]any) error { b["Subject"] = text(a.GetSubject()); return nil },
		"body":    func(a *crmv1.Activity, b map[string]any) error { b["Description"] = text(a.GetBody()); return nil },
		"start_time": func(a *crmv1.Activity, b map[string]any) error {
			if !isEvent {
				return onlyEvent("start_time", "a task has a due date (due_time)")
			}
			if a.GetStartTime() == nil {
				return connector.BadField("start_time", "a Salesforce event always has a start time")
			}
			b["StartDateTime"] = timeValue(a.GetStartTime())
			return nil
		},
		"end_time": func(a *crmv1.Activity, b map[string]any) error {
			if !isEvent {
				return onlyEvent("end_time", "a task has a due date (due_time)")
			}
			if a.GetEndTime() == nil {
				return connector.BadField("end_time", "a Salesforce event always has an end time")
			}
			b["EndDateTime"] = timeValue(a.GetEndTime())
			return nil
		},
		"due_time": func(a *crmv1.Activity, b map[string]any) error {
			if isEvent {
				return onlyTask("due_time", "a meeting has start_time and end_time")
			}
			if a.GetDueTime() == nil {
				b["ActivityDate"] = nil
				return nil
			}
			t := a.GetDueTime().AsTime().UTC()
			if t != t.Truncate(24*time.Hour) {
				return connector.BadField("due_time", "a Salesforce task is due on a day, not at a time: send midnight UTC (%s)", t.Format("2006-01-02T00:00:00Z"))
			}
			b["ActivityDate"] = t.Format("2006-01-02")
			return nil
		},
		"done": func(a *crmv1.Activity, b map[string]any) error {
			if isEvent {
				return onlyTask("done", "a meeting is done once its end_time has passed")
			}
			if a.GetDone() {
				b["Status"] = "Completed"
			} else {
				b["Status"] = "Not Started"
			}
			return nil
		},
		"direction": func(a *crmv1.Activity, b map[string]any) error {
			switch a.GetDirection() {
			case crmv1.ActivityDirection_ACTIVITY_DIRECTION_UNSPECIFIED:
				if !isEvent {
					b["CallType"] = nil
				}
			case crmv1.ActivityDirection_ACTIVITY_DIRECTION_INBOUND, crmv1.ActivityDirection_ACTIVITY_DIRECTION_OUTBOUND:
				if isEvent {
					return onlyTask("direction", "only calls (Tasks) have one")
				}
				b["CallType"] = map[crmv1.ActivityDirection]string{
					crmv1.ActivityDirection_ACTIVITY_DIRECTION_INBOUND: "Inbound", crmv1.ActivityDirection_ACTIVITY_DIRECTION_OUTBOUND: "Outbound",
				}[a.GetDirection()]
			}
			return nil
		},
		"contact_ids": func(a *crmv1.Activity, b map[string]any) error {
			return who(a, b, "contact_ids", a.GetContactIds(), prefixContact, a.GetLeadIds())
		},
		"lead_ids": func(a *crmv1.Activity, b map[string]any) error {
			return who(a, b, "lead_ids", a.GetLeadIds(), prefixLead, a.GetContactIds())
		},
		"company_ids": func(a *crmv1.Activity, b map[string]any) error {
			return what(a, b, "company_ids", a.GetCompanyIds(), prefixAccount, a.GetDealIds())
		},
		"deal_ids": func(a *crmv1.Activity, b map[string]any) error {
			return what(a, b, "deal_ids", a.GetDealIds(), prefixOpportunity, a.GetCompanyIds())
		},
		"owner_id":      func(a *crmv1.Activity, b map[string]any) error { return setOwner(b, a.GetOwnerId(), "activity") },
		"custom_fields": func(a *crmv1.Activity, b map[string]any) error { return writeCustomFields(x, b, a.GetCustomFields()) },
	}
}
