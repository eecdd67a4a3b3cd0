package pipedriveemu

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

var dealStatuses = []string{"open", "won", "lost"}

// firstStage is the first stage of a pipeline, or of the default pipeline
// (the lowest order_nr) when pipelineID is 0: where Pipedrive puts a deal
// created without a stage.
func (e *Emulator) firstStage(pipelineID int64) (Stage, bool) {
	if pipelineID == 0 {
		var def *Pipeline
		for _, p := range e.Pipelines.All() {
			if !p.IsDeleted && (def == nil || p.OrderNr < def.OrderNr) {
				def = &p
			}
		}
		if def == nil {
			return Stage{}, false
		}
		pipelineID = def.ID
	}
	stages := e.stagesOf(pipelineID)
	if len(stages) == 0 {
		return Stage{}, false
	}
	return stages[0], true
}

// stagesOf are a pipeline's live stages in order.
func (e *Emulator) stagesOf(pipelineID int64) []Stage {
	var out []Stage
	e.Stages.Each(func(s *Stage) bool {
		if s.PipelineID == pipelineID && !s.IsDeleted {
			out = append(out, *s)
		}
		return true
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].OrderNr < out[j].OrderNr })
	return out
}

func (e *Emulator) pipeline(id int64) (Pipeline, bool) {
	p, _, ok := e.Pipelines.Get(strconv.FormatInt(id, 10))
	return p, ok && !p.IsDeleted
}

func (e *Emulator) stage(id int64) (Stage, bool) {
	s, _, ok := e.Stages.Get(strconv.FormatInt(id, 10))
	return s, ok && !s.IsDeleted
}

func (e *Emulator) defaultCurrency() string {
	u, _, ok := e.Users.Get(strconv.FormatInt(e.me(), 10))
	if ok && u.DefaultCurrency != "" {
		return u.DefaultCurrency
	}
	return "USD"
}

// timeParam reads an optional RFC 3339 time of a body.
func timeParam(b *body, key string, dst **string) bool {
	var s *string
	if !b.optStr(key, &s) {
		return false
	}
	if s != nil {
		t, err := time.Parse(time.RFC3339, *s)
		if err != nil {
			b.add(key, "must be a date and time in RFC 3339 format")
			return false
		}
		f := t.UTC().Format(v2Time)
		s = &f
	}
	*dst = s
	return true
}

func (e *Emulator) dealsAPI() *v2API[Deal] {
	a := &v2API[Deal]{
		e: e, coll: e.Deals, notFound: "Deal not found", entity: "deal",
		id:      func(d *Deal) int64 { return d.ID },
		deleted: func(d *Deal) bool { return d.IsDeleted },
		remove:  func(d *Deal, _ *validation) { d.IsDeleted, d.Status = true, "deleted" },
		present: func(d Deal) any {
			d.CustomFields = e.presentCustomV2("deal", d.CustomFields)
			return d
		},
	}
	a.filter = func(q url.Values, v *validation) func(*Deal) bool {
		person, org := queryInt(q, "person_id", v), queryInt(q, "org_id", v)
		pipe, stage, owner := queryInt(q, "pipeline_id", v), queryInt(q, "stage_id", v), queryInt(q, "owner_id", v)
		var statuses []string
		if s := q.Get("status"); s != "" {
			for _, st := range strings.Split(s, ",") {
				if !slices.Contains(append(dealStatuses, "deleted"), st) {
					v.add("status", "must be a comma-separated list of open, won, lost, deleted")
				}
				statuses = append(statuses, st)
			}
		}
		return func(d *Deal) bool {
			if statuses == nil && d.IsDeleted || statuses != nil && !slices.Contains(statuses, d.Status) {
				return false
			}
			return eqPtr(d.PersonID, person) && eqPtr(d.OrgID, org) && (pipe == nil || d.PipelineID == *pipe) &&
				(stage == nil || d.StageID == *stage) && (owner == nil || d.OwnerID == *owner)
		}
	}
	a.apply = func(d *Deal, b *body, old *Deal) {
		create := old == nil
		now := e.Store.Now().Format(v2Time)
		if create {
			d.Status, d.Value, d.Currency, d.VisibleTo, d.LabelIDs, d.Origin = "open", "0", e.defaultCurrency(), 3, []int64{}, "API"
			d.CreatorUserID = e.me()
		}
		var title string
		if b.str("title", &title) || create {
			if strings.TrimSpace(title) == "" {
				b.add("title", "is required")
			}
			d.Title = strings.TrimSpace(title)
		}
		e.owner(b, &d.OwnerID, create)
		e.ref(b, "person_id", &d.PersonID, e.personExists, "person")
		e.ref(b, "org_id", &d.OrgID, e.orgExists, "organization")
		e.placeDeal(d, b, create, now)
		b.number("value", &d.Value)
		var cur string
		if b.str("currency", &cur) {
			if !currencyRE.MatchString(cur) {
				b.add("currency", "must be a 3-letter currency code")
			} else {
				d.Currency = cur
			}
		}
		oldStatus := ""
		if !create {
			oldStatus = old.Status
		}
		var status string
		if b.str("status", &status) {
			if !slices.Contains(dealStatuses, status) {
				b.add("status", "must be one of open, won, lost")
			} else {
				d.Status = status
			}
		}
		if b.float("probability", &d.Probability) && d.Probability != nil && (*d.Probability < 0 || *d.Probability > 100) {
			b.add("probability", "must be between 0 and 100")
		}
		b.date("expected_close_date", &d.ExpectedCloseDate)
		visibleTo(b, &d.VisibleTo)
		b.integers("label_ids", &d.LabelIDs)
		b.boolean("is_archived", &d.IsArchived)
		timeParam(b, "archive_time", &d.ArchiveTime)
		if d.IsArchived && d.ArchiveTime == nil {
			d.ArchiveTime = &now
		}
		if d.Status != oldStatus {
			d.CloseTime, d.WonTime, d.LostTime, d.LocalCloseDate, d.LocalWonDate, d.LocalLostDate = nil, nil, nil, nil, nil, nil
			day := now[:10]
			switch d.Status {
			case "won":
				d.CloseTime, d.WonTime, d.LocalCloseDate, d.LocalWonDate, d.LostReason = &now, &now, &day, &day, nil
			case "lost":
				d.CloseTime, d.LostTime, d.LocalCloseDate, d.LocalLostDate = &now, &now, &day, &day
			case "open":
				d.LostReason = nil
			}
		}
		if b.optStr("lost_reason", &d.LostReason) && d.LostReason != nil && d.Status != "lost" {
			b.add("lost_reason", "can only be set if deal status is lost")
		}
		if timeParam(b, "close_time", &d.CloseTime) && d.CloseTime != nil && d.Status == "open" {
			b.add("close_time", "can only be set if deal status is won or lost")
		}
		if timeParam(b, "won_time", &d.WonTime) && d.WonTime != nil && d.Status != "won" {
			b.add("won_time", "can only be set if deal status is won")
		}
		if timeParam(b, "lost_time", &d.LostTime) && d.LostTime != nil && d.Status != "lost" {
			b.add("lost_time", "can only be set if deal status is lost")
		}
		d.CustomFields = e.applyCustomV2("deal", b, d.CustomFields)
	}
	return a
}

// placeDeal reads pipeline_id and stage_id. A stage implies its pipeline;
// a pipeline alone means its first stage; neither, on create, means the
// default pipeline's first stage — what Pipedrive does.
func (e *Emulator) placeDeal(d *Deal, b *body, create bool, now string) {
	var pid, sid *int64
	hasP, hasS := b.integer("pipeline_id", &pid), b.integer("stage_id", &sid)
	if hasP && pid == nil {
		b.add("pipeline_id", "cannot be empty")
		return
	}
	if hasS && sid == nil {
		b.add("stage_id", "cannot be empty")
		return
	}
	before := d.StageID
	switch {
	case sid != nil:
		s, ok := e.stage(*sid)
		if !ok {
			b.add("stage_id", fmt.Sprintf("stage %d does not exist", *sid))
			return
		}
		if pid != nil && *pid != s.PipelineID {
			b.add("stage_id", fmt.Sprintf("stage %d is not a stage of pipeline %d", *sid, *pid))
			return
		}
		d.StageID, d.PipelineID = s.ID, s.PipelineID
	case pid != nil:
		if _, ok := e.pipeline(*pid); !ok {
			b.add("pipeline_id", fmt.Sprintf("pipeline %d does not exist", *pid))
			return
		}
		if *pid == d.PipelineID {
			return
		}
		s, ok := e.firstStage(*pid)
		if !ok {
			b.add("pipeline_id", fmt.Sprintf("pipeline %d has no stages", *pid))
			return
		}
		d.StageID, d.PipelineID = s.ID, s.PipelineID
	case create:
		s, ok := e.firstStage(0)
		if !ok {
			b.add("stage_id", "the company has no pipeline to put the deal in")
			return
		}
		d.StageID, d.PipelineID = s.ID, s.PipelineID
	}
	if d.StageID != before && !create {
		d.StageChangeTime = &now
	}
}
