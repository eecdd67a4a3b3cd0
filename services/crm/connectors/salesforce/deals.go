package salesforce

import (
	"context"
	"strings"

	"github.com/unimesh/unimesh/pkg/connector"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
)

// defaultPipelineID is the one pipeline: the org's active stages.
const defaultPipelineID = "default"

// defaultCloseDays is how far a deal created without an expected close
// date is expected to close: Salesforce requires a CloseDate.
const defaultCloseDays = 30

func dealObject(s *state) *object[*crmv1.Deal] {
	return &object[*crmv1.Deal]{s: s, name: "deal", sources: []*source[*crmv1.Deal]{{
		sobject: "Opportunity", prefix: prefixOpportunity, money: true, stages: true,
		fields: []string{"Name", "Amount", "StageName", "IsClosed", "IsWon", "Probability", "CloseDate", "AccountId", "OwnerId", "LeadSource"},
		read:   dealOf, write: dealFields, finish: finishDeal, wire: dealWire,
	}}}
}

func dealOf(r record, x *env) *crmv1.Deal {
	d := &crmv1.Deal{
		Id:                refOf(r, "Id"),
		Name:              r.str("Name"),
		Amount:            moneyOf(r, "Amount", x),
		RemoteStatus:      r.str("StageName"),
		PipelineId:        defaultPipelineID,
		ExpectedCloseDate: r.str("CloseDate"),
		CompanyId:         refOf(r, "AccountId"),
		OwnerId:           refOf(r, "OwnerId"),
		Source:            r.str("LeadSource"),
		CustomFields:      customFieldsOf(r, x),
		CreateTime:        timestampOf(r, "CreatedDate"),
		UpdateTime:        timestampOf(r, "LastModifiedDate"),
	}
	switch {
	case r.boolean("IsWon"):
		d.Status = crmv1.DealStatus_DEAL_STATUS_WON
	case r.boolean("IsClosed"):
		d.Status = crmv1.DealStatus_DEAL_STATUS_LOST
	default:
		d.Status = crmv1.DealStatus_DEAL_STATUS_OPEN
	}
	if r.boolean("IsClosed") {
		// Salesforce keeps the day a deal closed, not the time.
		d.CloseTime = dateTimestamp(r, "CloseDate")
	}
	if x.stages != nil {
		if st, ok := x.stages.byName(r.str("StageName")); ok {
			d.StageId = st.ID
		}
	}
	if p, ok := numberFloat(r.num("Probability")); ok {
		d.Probability = p
	}
	return d
}

var dealWire = map[string]string{
	"Name": "name", "Amount": "amount", "CurrencyIsoCode": "amount", "StageName": "stage_id", "Probability": "probability",
	"CloseDate": "expected_close_date", "AccountId": "company_id", "OwnerId": "owner_id", "LeadSource": "source",
}

// dealWrite is what a deal's stage fields asked for: the stage, the
// status and the stage name are one field in Salesforce (StageName), so
// finishDeal decides once Body has run, whatever the order.
type dealWrite struct {
	stage        *stage
	status       crmv1.DealStatus
	statusSet    bool
	remote       string
	remoteSet    bool
	statusOrigin string // "status" or "remote_status", for messages
}

func dealFields(x *env) connector.Fields[*crmv1.Deal] {
	return connector.Fields[*crmv1.Deal]{
		"name": func(d *crmv1.Deal, b map[string]any) error { b["Name"] = text(d.GetName()); return nil },
		"amount": func(d *crmv1.Deal, b map[string]any) error {
			return writeMoney(x, b, "Amount", "amount", d.GetAmount())
		},
		"status": func(d *crmv1.Deal, b map[string]any) error {
			x.deal.status, x.deal.statusSet = d.GetStatus(), true
			x.deal.remote = d.GetRemoteStatus()
			return nil
		},
		"remote_status": func(d *crmv1.Deal, b map[string]any) error {
			x.deal.remote, x.deal.remoteSet = d.GetRemoteStatus(), true
			return nil
		},
		"pipeline_id": func(d *crmv1.Deal, b map[string]any) error {
			if p := d.GetPipelineId(); p != "" && p != defaultPipelineID {
				return connector.BadField("pipeline_id", "Salesforce has one pipeline, %q (the org's opportunity stages)", defaultPipelineID)
			}
			return nil
		},
		"stage_id": func(d *crmv1.Deal, b map[string]any) error {
			if d.GetStageId() == "" {
				return connector.BadField("stage_id", "a Salesforce opportunity always has a stage")
			}
			id, err := refID("stage_id", d.GetStageId(), prefixStage)
			if err != nil {
				return err
			}
			st, ok := x.stages.byID(id)
			if !ok || !st.Active {
				return connector.BadField("stage_id", "%s is not an active stage of the pipeline %q", d.GetStageId(), defaultPipelineID)
			}
			x.deal.stage = &st
			return nil
		},
		"probability": func(d *crmv1.Deal, b map[string]any) error { b["Probability"] = d.GetProbability(); return nil },
		"expected_close_date": func(d *crmv1.Deal, b map[string]any) error {
			if d.GetExpectedCloseDate() == "" {
				return connector.BadField("expected_close_date", "a Salesforce opportunity always has a close date")
			}
			b["CloseDate"] = d.GetExpectedCloseDate()
			return nil
		},
		"company_id": func(d *crmv1.Deal, b map[string]any) error {
			return setRef(b, "AccountId", "company_id", d.GetCompanyId(), prefixAccount)
		},
		"owner_id":      func(d *crmv1.Deal, b map[string]any) error { return setOwner(b, d.GetOwnerId(), "opportunity") },
		"source":        func(d *crmv1.Deal, b map[string]any) error { b["LeadSource"] = text(d.GetSource()); return nil },
		"custom_fields": func(d *crmv1.Deal, b map[string]any) error { return writeCustomFields(x, b, d.GetCustomFields()) },
	}
}

// stageIs says whether a stage is one of a status.
func stageIs(st stage, s crmv1.DealStatus) bool {
	switch s {
	case crmv1.DealStatus_DEAL_STATUS_OPEN:
		return !st.Closed
	case crmv1.DealStatus_DEAL_STATUS_WON:
		return st.Won
	case crmv1.DealStatus_DEAL_STATUS_LOST:
		return st.Closed && !st.Won
	}
	return true
}

// finishDeal settles StageName from stage_id, status and remote_status
// (the stage wins, then the status, then the stage name as is), and on
// create fills what Salesforce requires: the first open stage and a close
// date.
func finishDeal(x *env, d *crmv1.Deal, mask []string, b map[string]any) error {
	w := x.deal
	stages, err := x.loadStages()
	if err != nil {
		return err
	}
	status := w.status
	switch {
	case w.stage != nil:
		if w.statusSet && status != crmv1.DealStatus_DEAL_STATUS_UNSPECIFIED && status != crmv1.DealStatus_DEAL_STATUS_OTHER && !stageIs(*w.stage, status) {
			return fieldViolation("deal", "status", "stage %s (%s) is not a %s stage", w.stage.ID, w.stage.Label,
				strings.ToLower(strings.TrimPrefix(status.String(), "DEAL_STATUS_")))
		}
		b["StageName"] = w.stage.name()
	case w.statusSet && (status == crmv1.DealStatus_DEAL_STATUS_OPEN || status == crmv1.DealStatus_DEAL_STATUS_WON || status == crmv1.DealStatus_DEAL_STATUS_LOST):
		if st, ok := stages.byName(w.remote); ok && st.Active && stageIs(st, status) {
			b["StageName"] = st.name() // the record's own stage, when it is of the status
			break
		}
		if !x.create && status == crmv1.DealStatus_DEAL_STATUS_OPEN {
			// An open deal asked to be open stays in its stage.
			if open, err := currentlyOpen(x.ctx, x); err != nil {
				return err
			} else if open {
				break
			}
		}
		st, ok := stages.first(status != crmv1.DealStatus_DEAL_STATUS_OPEN, status == crmv1.DealStatus_DEAL_STATUS_WON)
		if !ok {
			return fieldViolation("deal", "status", "the org has no active %s stage", strings.ToLower(strings.TrimPrefix(status.String(), "DEAL_STATUS_")))
		}
		b["StageName"] = st.name()
	case w.remoteSet || w.statusSet:
		if w.remote == "" {
			return fieldViolation("deal", "status", "a Salesforce opportunity always has a stage: set status, stage_id, or remote_status to a stage name")
		}
		st, ok := stages.byName(w.remote)
		if !ok || !st.Active {
			var names []string
			for _, a := range stages.active() {
				names = append(names, a.name())
			}
			return fieldViolation("deal", "remote_status", "%q is not an active stage; the org's stages: %s", w.remote, strings.Join(names, ", "))
		}
		b["StageName"] = st.name()
	}
	if x.create {
		if _, ok := b["StageName"]; !ok {
			st, ok := stages.first(false, false)
			if !ok {
				return fieldViolation("deal", "stage_id", "the org has no active open stage to put the deal in; set stage_id")
			}
			b["StageName"] = st.name()
		}
		if _, ok := b["CloseDate"]; !ok {
			b["CloseDate"] = x.now.AddDate(0, 0, defaultCloseDays).Format("2006-01-02")
		}
	}
	return nil
}

// currentlyOpen reads whether the deal being updated is open.
func currentlyOpen(ctx context.Context, x *env) (bool, error) {
	r, err := getRecord(ctx, x.c, "Opportunity", x.id, []string{"Id", "IsClosed"})
	if err != nil {
		return false, err
	}
	return !r.boolean("IsClosed"), nil
}
