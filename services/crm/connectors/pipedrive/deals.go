package pipedrive

import (
	"time"

	"github.com/unimesh/unimesh/pkg/connector"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
)

// Deals are Pipedrive deals (API v2 /api/v2/deals).
//
// A deal created without pipeline and stage goes where Pipedrive itself
// puts it: the default pipeline's (lowest order_nr) first stage; with a
// pipeline only, that pipeline's first stage. So a deal with only a name
// and an amount takes one call. Pipedrive demands no close date.
//
// contact_ids is the deal's person (Pipedrive's person_id): a deal's other
// participants are a separate list per deal, so they are not read, and a
// write of more than one contact is refused. source is Pipedrive's origin
// (set by Pipedrive: read-only).
func dealsObject(fc *fieldsCache) connector.Object[*crmv1.Deal] {
	return v2Entity[deal, *crmv1.Deal]{
		path: "/api/v2/deals", object: "deal", fields: "deal", wire: dealWire,
		read:    dealToDeal,
		deleted: func(d deal) bool { return bool(d.IsDeleted) },
		write:   dealFields,
		custom:  (*crmv1.Deal).GetCustomFields,
	}.build(fc)
}

// dealStates: "deleted" (a deal in the trash) has no unified value; it
// reads as OTHER. Pipedrive always holds a status.
var dealStates = connector.Enum[crmv1.DealStatus]{
	Provider: "Pipedrive",
	Required: true,
	Read: map[string]crmv1.DealStatus{
		"open": crmv1.DealStatus_DEAL_STATUS_OPEN, "won": crmv1.DealStatus_DEAL_STATUS_WON,
		"lost": crmv1.DealStatus_DEAL_STATUS_LOST, "deleted": crmv1.DealStatus_DEAL_STATUS_OTHER,
	},
	Write: map[crmv1.DealStatus]string{
		crmv1.DealStatus_DEAL_STATUS_OPEN: "open", crmv1.DealStatus_DEAL_STATUS_WON: "won", crmv1.DealStatus_DEAL_STATUS_LOST: "lost",
	},
	Other: crmv1.DealStatus_DEAL_STATUS_OTHER,
}

var dealStatusWriter, dealRemoteStatusWriter = connector.EnumWriters(dealStates, "status", "status",
	func(d *crmv1.Deal) (crmv1.DealStatus, string) { return d.GetStatus(), d.GetRemoteStatus() })

func dealToDeal(d deal, fs *fieldSet) *crmv1.Deal {
	var prob float64
	if d.Probability != nil {
		prob = *d.Probability
	}
	// close_time is set when a deal is won or lost; older records may only
	// have the won or lost time.
	closed := d.CloseTime
	if closed == "" {
		closed = map[string]string{"won": d.WonTime, "lost": d.LostTime}[d.Status]
	}
	return &crmv1.Deal{
		Id:                d.ID.id(),
		Name:              d.Title,
		Amount:            moneyToProto(d.Value, d.Currency),
		Status:            dealStates.ToProto(d.Status),
		RemoteStatus:      d.Status,
		PipelineId:        d.PipelineID.id(),
		StageId:           d.StageID.id(),
		Probability:       prob,
		ExpectedCloseDate: d.ExpectedCloseDate,
		CloseTime:         ts(closed),
		LostReason:        d.LostReason,
		CompanyId:         d.OrgID.id(),
		ContactIds:        refList(d.PersonID),
		OwnerId:           d.OwnerID.id(),
		Source:            d.Origin,
		CustomFields:      customStruct(fs.readV2(d.CustomFields)),
		CreateTime:        ts(d.AddTime),
		UpdateTime:        ts(d.UpdateTime),
	}
}

var dealWire = wireMap{
	"title": "name", "value": "amount", "currency": "amount.currency_code", "status": "status", "pipeline_id": "pipeline_id",
	"stage_id": "stage_id", "probability": "probability", "expected_close_date": "expected_close_date",
	"lost_reason": "lost_reason", "org_id": "company_id", "person_id": "contact_ids", "owner_id": "owner_id",
	"custom_fields": "custom_fields",
}

func dealFields(fs *fieldSet) connector.Fields[*crmv1.Deal] {
	return connector.Fields[*crmv1.Deal]{
		"name": func(d *crmv1.Deal, b map[string]any) error { b["title"] = d.GetName(); return nil },
		"amount": func(d *crmv1.Deal, b map[string]any) error {
			m := d.GetAmount()
			if m == nil {
				// Pipedrive deals always have a value: clearing it is 0.
				b["value"] = 0
				return nil
			}
			v, err := amount("amount", m)
			if err != nil {
				return err
			}
			b["value"] = v
			// Without a currency, Pipedrive uses the user's default currency.
			if m.GetCurrencyCode() != "" {
				b["currency"] = m.GetCurrencyCode()
			}
			return nil
		},
		"status":        dealStatusWriter,
		"remote_status": dealRemoteStatusWriter,
		"pipeline_id": func(d *crmv1.Deal, b map[string]any) error {
			return setRequiredRef(b, "pipeline_id", "pipeline_id", d.GetPipelineId(), "a pipeline for a deal")
		},
		"stage_id": func(d *crmv1.Deal, b map[string]any) error {
			return setRequiredRef(b, "stage_id", "stage_id", d.GetStageId(), "a stage for a deal")
		},
		"probability": func(d *crmv1.Deal, b map[string]any) error {
			// No probability of its own: Pipedrive then uses the stage's.
			if d.GetProbability() == 0 {
				b["probability"] = nil
			} else {
				b["probability"] = d.GetProbability()
			}
			return nil
		},
		"expected_close_date": func(d *crmv1.Deal, b map[string]any) error {
			v := d.GetExpectedCloseDate()
			if v == "" {
				b["expected_close_date"] = nil
				return nil
			}
			if _, err := time.Parse(dateLayout, v); err != nil {
				return connector.BadField("expected_close_date", "%q is not a date such as 2025-09-30", v)
			}
			b["expected_close_date"] = v
			return nil
		},
		"lost_reason": func(d *crmv1.Deal, b map[string]any) error {
			if d.GetLostReason() == "" {
				b["lost_reason"] = nil
			} else {
				b["lost_reason"] = d.GetLostReason()
			}
			return nil
		},
		"company_id": func(d *crmv1.Deal, b map[string]any) error {
			return setRef(b, "org_id", "company_id", d.GetCompanyId())
		},
		"contact_ids": func(d *crmv1.Deal, b map[string]any) error {
			return oneRef(b, "person_id", "contact_ids", d.GetContactIds(), "person (contact) per deal; add others as participants in Pipedrive")
		},
		"owner_id": func(d *crmv1.Deal, b map[string]any) error {
			return setRequiredRef(b, "owner_id", "owner_id", d.GetOwnerId(), "an owner")
		},
		"custom_fields": func(d *crmv1.Deal, b map[string]any) error {
			return writeCustom(fs, d.GetCustomFields(), b)
		},
	}
}
