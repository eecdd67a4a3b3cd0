package hubspot

import (
	"context"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/providerhttp"
	commonv1 "github.com/unimesh/unimesh/proto/unimesh/common/v1"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
)

var dealProps = []string{"dealname", "amount", "deal_currency_code", "dealstage", "pipeline", "closedate",
	"hs_deal_stage_probability", "closed_lost_reason", "hubspot_owner_id", "hs_is_closed_won", "hs_is_closed",
	"hs_analytics_source", "createdate", "hs_lastmodifieddate"}

var dealWire = map[string]string{
	"dealname": "name", "amount": "amount", "deal_currency_code": "amount.currency_code", "dealstage": "stage_id",
	"pipeline": "pipeline_id", "closedate": "expected_close_date", "closed_lost_reason": "lost_reason",
	"hubspot_owner_id": "owner_id",
}

// dealSpec: a deal's status, stage and pipeline are one thing in HubSpot
// (the stage, whose metadata says closed and won), so every update reads
// the deal first.
func dealSpec() *spec[*crmv1.Deal] {
	return &spec[*crmv1.Deal]{
		object: "deal", typ: "deals", modified: "hs_lastmodifieddate",
		props: dealProps, assocs: []string{"companies", "contacts"}, wire: dealWire, account: true, alwaysCurrent: true,
		read: dealFrom, prepare: prepareDeals, fields: dealFields, before: resolveDealStage,
		finish: func(wc *writeCtx, _ *crmv1.Deal, props map[string]string) {
			// The stage resolved is written whichever field asked for it,
			// and on create when none did (HubSpot requires dealstage).
			if wc.stage != "" {
				props["pipeline"], props["dealstage"] = wc.pipeline, wc.stage
			}
		},
	}
}

func dealObject(h *hub) connector.Object[*crmv1.Deal] { return newObject(h, dealSpec()) }

// dealPipelines returns the account's deal pipelines, cached per connection.
func (h *hub) dealPipelines(ctx context.Context, c *connector.Conn) ([]pipeline, error) {
	return h.pipes.Load(ctx, c.ID, func(ctx context.Context) ([]pipeline, time.Duration, error) {
		ps, err := fetchPipelines(ctx, c)
		return ps, cacheTTL, err
	})
}

func fetchPipelines(ctx context.Context, c *connector.Conn) ([]pipeline, error) {
	resp, err := c.HTTP.Do(ctx, providerhttp.Request{Method: http.MethodGet, Path: "/crm/v3/pipelines/deals"})
	if err != nil {
		return nil, err
	}
	var body struct {
		Results []pipeline `json:"results"`
	}
	if err := decode(c, resp.Body, &body); err != nil {
		return nil, err
	}
	for i := range body.Results {
		sortStages(body.Results[i].Stages)
	}
	sort.SliceStable(body.Results, func(i, j int) bool { return body.Results[i].DisplayOrder < body.Results[j].DisplayOrder })
	return body.Results, nil
}

func sortStages(ss []stage) {
	sort.SliceStable(ss, func(i, j int) bool { return ss[i].DisplayOrder < ss[j].DisplayOrder })
}

func findPipeline(ps []pipeline, id string) *pipeline {
	for i := range ps {
		if ps[i].ID == id && !ps[i].Archived {
			return &ps[i]
		}
	}
	return nil
}

// defaultPipeline is the pipeline a deal lands in when none is given:
// HubSpot's "default", else the first by display order.
func defaultPipeline(ps []pipeline) *pipeline {
	if p := findPipeline(ps, "default"); p != nil {
		return p
	}
	for i := range ps {
		if !ps[i].Archived {
			return &ps[i]
		}
	}
	return nil
}

func (p *pipeline) stage(id string) *stage {
	for i := range p.Stages {
		if p.Stages[i].ID == id && !p.Stages[i].Archived {
			return &p.Stages[i]
		}
	}
	return nil
}

// firstStage is the pipeline's first stage with the outcome.
func (p *pipeline) firstStage(outcome crmv1.DealStatus) *stage {
	for i := range p.Stages {
		if s := &p.Stages[i]; !s.Archived && stageOutcome(*s) == outcome {
			return s
		}
	}
	return nil
}

func stageOutcome(s stage) crmv1.DealStatus {
	switch {
	case s.won():
		return crmv1.DealStatus_DEAL_STATUS_WON
	case s.closed():
		return crmv1.DealStatus_DEAL_STATUS_LOST
	}
	return crmv1.DealStatus_DEAL_STATUS_OPEN
}

// prepareDeals loads the pipelines when a deal lacks the calculated
// hs_is_closed: its status then comes from its stage's metadata.
func prepareDeals(ctx context.Context, c *connector.Conn, rc *readCtx, objs []object) error {
	for i := range objs {
		if objs[i].prop("hs_is_closed") == "" {
			ps, err := rc.h.dealPipelines(ctx, c)
			if err != nil {
				return err
			}
			rc.pipes = ps
			return nil
		}
	}
	return nil
}

// dealStatus reads the status from hs_is_closed and hs_is_closed_won, or
// else from the stage's metadata.
func dealStatus(rc *readCtx, o *object) crmv1.DealStatus {
	switch closed := o.prop("hs_is_closed"); {
	case closed == "true" && o.prop("hs_is_closed_won") == "true":
		return crmv1.DealStatus_DEAL_STATUS_WON
	case closed == "true":
		return crmv1.DealStatus_DEAL_STATUS_LOST
	case closed == "false":
		return crmv1.DealStatus_DEAL_STATUS_OPEN
	}
	if p := findPipeline(rc.pipes, o.prop("pipeline")); p != nil {
		if s := p.stage(o.prop("dealstage")); s != nil {
			return stageOutcome(*s)
		}
	}
	return crmv1.DealStatus_DEAL_STATUS_UNSPECIFIED
}

func dealFrom(rc *readCtx, o *object) *crmv1.Deal {
	var amount *commonv1.Money
	if v := o.prop("amount"); v != "" {
		cur := o.prop("deal_currency_code")
		if cur == "" {
			cur = rc.currency // a deal without a currency is in the account's
		}
		amount = &commonv1.Money{Units: v, CurrencyCode: cur}
	}
	status := dealStatus(rc, o)
	var prob float64
	if p, err := strconv.ParseFloat(o.prop("hs_deal_stage_probability"), 64); err == nil {
		prob = percent(p)
	}
	var closeTime *timestamppb.Timestamp
	if status == crmv1.DealStatus_DEAL_STATUS_WON || status == crmv1.DealStatus_DEAL_STATUS_LOST {
		// HubSpot sets closedate when a deal closes: then it is the close time.
		closeTime = timestamp(o.prop("closedate"))
	}
	return &crmv1.Deal{
		Id:                o.ID,
		Name:              o.prop("dealname"),
		Amount:            amount,
		Status:            status,
		RemoteStatus:      o.prop("dealstage"),
		PipelineId:        o.prop("pipeline"),
		StageId:           o.prop("dealstage"),
		Probability:       prob,
		ExpectedCloseDate: dateOf(o.prop("closedate")),
		CloseTime:         closeTime,
		LostReason:        o.prop("closed_lost_reason"),
		CompanyId:         o.primaryLink("companies"),
		ContactIds:        o.linkIDs("contacts"),
		OwnerId:           o.prop("hubspot_owner_id"),
		Source:            o.prop("hs_analytics_source"),
		CustomFields:      customFields(rc.defs, o),
		CreateTime:        recordTime(o.CreatedAt),
		UpdateTime:        recordTime(o.UpdatedAt),
	}
}

// given says whether a write gives a field: masked on update, set on create.
func given(rec proto.Message, mask []string, name string) bool {
	if mask != nil {
		for _, m := range mask {
			if m == name {
				return true
			}
		}
		return false
	}
	fd := rec.ProtoReflect().Descriptor().Fields().ByName(protoreflect.Name(name))
	return fd != nil && rec.ProtoReflect().Has(fd)
}

// resolveDealStage works out the pipeline and stage a write puts the deal
// in, from pipeline_id, stage_id, status and remote_status (HubSpot's value
// of a deal's status is its stage id): a create without a stage lands in
// the default (or given) pipeline's first open stage; status WON or LOST
// moves to the pipeline's first won or lost stage, unless the deal is
// already in one.
func resolveDealStage(wc *writeCtx, d *crmv1.Deal, mask []string) error {
	pipes, err := wc.h.dealPipelines(wc.ctx, wc.c)
	if err != nil {
		return err
	}
	has := func(name string) bool { return given(d, mask, name) }
	curPipe, curStage := "", ""
	if wc.cur != nil {
		curPipe, curStage = wc.cur.prop("pipeline"), wc.cur.prop("dealstage")
	}
	pipeID := curPipe
	switch {
	case has("pipeline_id") && d.GetPipelineId() != "":
		pipeID = d.GetPipelineId()
	case has("pipeline_id") && wc.update:
		return connector.BadField("pipeline_id", "HubSpot deals are always in a pipeline")
	}
	var p *pipeline
	if pipeID == "" {
		p = defaultPipeline(pipes)
		if p == nil {
			return connector.BadField("pipeline_id", "the HubSpot account has no deal pipeline")
		}
	} else if p = findPipeline(pipes, pipeID); p == nil {
		return connector.BadField("pipeline_id", "HubSpot has no deal pipeline %q", pipeID)
	}
	status := d.GetStatus()
	known := status == crmv1.DealStatus_DEAL_STATUS_OPEN || status == crmv1.DealStatus_DEAL_STATUS_WON || status == crmv1.DealStatus_DEAL_STATUS_LOST
	var st *stage
	switch {
	case has("stage_id") && d.GetStageId() != "":
		if st = p.stage(d.GetStageId()); st == nil {
			return connector.BadField("stage_id", "%q is not a stage of HubSpot pipeline %s", d.GetStageId(), p.ID)
		}
	case has("stage_id") && wc.update:
		return connector.BadField("stage_id", "HubSpot deals always have a stage")
	case has("status") && known:
		if cur := p.stage(curStage); cur != nil && p.ID == curPipe && stageOutcome(*cur) == status {
			st = cur
		} else if st = p.firstStage(status); st == nil {
			return connector.BadField("status", "HubSpot pipeline %s has no %s stage", p.ID,
				strings.ToLower(strings.TrimPrefix(status.String(), "DEAL_STATUS_")))
		}
	case (has("status") || has("remote_status")) && d.GetRemoteStatus() != "":
		if st = p.stage(d.GetRemoteStatus()); st == nil {
			return connector.BadField("remote_status", "HubSpot's status of a deal is its stage: %q is not a stage of pipeline %s", d.GetRemoteStatus(), p.ID)
		}
	case has("status") || has("remote_status"):
		return connector.BadField("status", "HubSpot deals always have a stage: set status to OPEN, WON or LOST, or remote_status to a stage id")
	}
	if st == nil && (!wc.update || p.ID != curPipe) {
		if st = p.firstStage(crmv1.DealStatus_DEAL_STATUS_OPEN); st == nil {
			return connector.BadField("stage_id", "HubSpot pipeline %s has no open stage; set stage_id", p.ID)
		}
	}
	if st != nil && has("status") && known && stageOutcome(*st) != status {
		return connector.BadField("status", "stage %s is %s, not %s", st.ID, stageOutcome(*st), status)
	}
	if st != nil {
		wc.pipeline, wc.stage = p.ID, st.ID
		wc.effective = st
	} else if cur := p.stage(curStage); cur != nil {
		wc.effective = cur
	}
	return nil
}

func dealFields(wc *writeCtx) connector.Fields[*crmv1.Deal] {
	// The stage fields are resolved together (resolveDealStage) and
	// written by the spec's finish.
	writeStage := func(*crmv1.Deal, map[string]any) error { return nil }
	return connector.Fields[*crmv1.Deal]{
		"name": setProp("dealname", (*crmv1.Deal).GetName),
		"amount": func(d *crmv1.Deal, b map[string]any) error {
			m := d.GetAmount()
			if m == nil {
				b["amount"] = ""
				return nil
			}
			if !isDecimal(m.GetUnits()) {
				return connector.BadField("amount.units", "%q is not a decimal number", m.GetUnits())
			}
			b["amount"] = m.GetUnits()
			if m.GetCurrencyCode() != "" {
				b["deal_currency_code"] = m.GetCurrencyCode()
			}
			return nil
		},
		"status":        writeStage,
		"remote_status": writeStage,
		"pipeline_id":   writeStage,
		"stage_id":      writeStage,
		"probability": func(d *crmv1.Deal, _ map[string]any) error {
			// HubSpot derives a deal's probability from its stage
			// (hs_deal_stage_probability): a write may only agree with it.
			if wc.effective != nil && math.Abs(percent(wc.effective.probability())-d.GetProbability()) < 1e-6 {
				return nil
			}
			return connector.BadField("probability", "HubSpot derives a deal's probability from its stage; set stage_id instead")
		},
		"expected_close_date": func(d *crmv1.Deal, b map[string]any) error {
			v, err := midnightUTC("expected_close_date", d.GetExpectedCloseDate())
			b["closedate"] = v
			return err
		},
		"lost_reason": setProp("closed_lost_reason", (*crmv1.Deal).GetLostReason),
		"company_id": func(d *crmv1.Deal, _ map[string]any) error {
			if err := checkID("company_id", d.GetCompanyId()); err != nil {
				return err
			}
			wc.addLink(&link{field: "company_id", toType: "companies", ids: nonEmpty(d.GetCompanyId()),
				typeID: typeDealToPrimaryCompany, primary: true})
			return nil
		},
		"contact_ids": func(d *crmv1.Deal, _ map[string]any) error {
			if err := checkIDs("contact_ids", d.GetContactIds()); err != nil {
				return err
			}
			wc.addLink(&link{field: "contact_ids", toType: "contacts", ids: d.GetContactIds(), typeID: typeDealToContact})
			return nil
		},
		"owner_id": ownerWriter((*crmv1.Deal).GetOwnerId),
		"source": func(d *crmv1.Deal, _ map[string]any) error {
			// hs_analytics_source is HubSpot's to set.
			if d.GetSource() == "" || (wc.cur != nil && wc.cur.prop("hs_analytics_source") == d.GetSource()) {
				return nil
			}
			return connector.BadField("source", "HubSpot sets a deal's source (hs_analytics_source) itself")
		},
		"custom_fields": func(d *crmv1.Deal, b map[string]any) error {
			return writeCustom(wc.defs, "deal", d.GetCustomFields(), b)
		},
	}
}
