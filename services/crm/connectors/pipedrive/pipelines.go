package pipedrive

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"time"

	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/normalize"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
)

// Pipelines are Pipedrive pipelines with their stages (API v2
// /api/v2/pipelines and /api/v2/stages).
//
// Pipedrive stages are all open stages: a deal is won or lost by its
// status, not by a stage, so every stage reads is_closed and is_won false,
// and a closed or won stage is refused on writes. display_order is
// Pipedrive's order_nr (from 1) less one. A pipeline is active until it is
// deleted. Pipedrive puts new pipelines and new stages last, and its API
// v2 cannot reorder them: a write that reorders is refused. Creating a
// pipeline creates its stages one by one; an update adds, changes and
// deletes stages to match the list given (Pipedrive refuses to delete a
// stage that still has deals). The unified API offers no pipeline deletion.
//
// A pipeline's update_time is the latest of the pipeline's and its
// stages'; modified-since is applied to it here, as Pipedrive's pipeline
// list has no updated_since. Its raw payload is the pipeline with its
// stages under "stages".
func pipelinesObject() connector.Object[*crmv1.Pipeline] {
	return connector.Object[*crmv1.Pipeline]{
		List:   listPipelines,
		Get:    getPipeline,
		Create: createPipeline,
		Update: updatePipeline,
	}
}

// stagesOf reads every stage (of one pipeline, or of all when pipelineID is "").
func stagesOf(ctx context.Context, c *connector.Conn, pipelineID string) ([]item[stage], error) {
	var out []item[stage]
	cursor := ""
	for {
		q := url.Values{}
		if pipelineID != "" {
			q.Set("pipeline_id", pipelineID)
		}
		items, next, err := listV2[stage](ctx, c, "/api/v2/stages", q, maxLimit, cursor, time.Time{})
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
		if next == "" {
			return out, nil
		}
		cursor = next
	}
}

func order(n int32) int32 { return max(n-1, 0) }

// liveStages are a pipeline's stages in order.
func liveStages(pipelineID ref, stages []item[stage]) []item[stage] {
	var out []item[stage]
	for _, s := range stages {
		if s.rec.PipelineID == pipelineID && !s.rec.IsDeleted {
			out = append(out, s)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].rec.OrderNr != out[j].rec.OrderNr {
			return out[i].rec.OrderNr < out[j].rec.OrderNr
		}
		return out[i].rec.ID < out[j].rec.ID
	})
	return out
}

func pipelineToPipeline(p item[pipeline], stages []item[stage], includeRaw bool) *crmv1.Pipeline {
	own := liveStages(p.rec.ID, stages)
	updated := p.rec.UpdateTime
	out := &crmv1.Pipeline{
		Id:           p.rec.ID.id(),
		Name:         p.rec.Name,
		Active:       !bool(p.rec.IsDeleted),
		DisplayOrder: order(p.rec.OrderNr),
		CreateTime:   ts(p.rec.AddTime),
	}
	raws := make([]json.RawMessage, 0, len(own))
	for _, s := range own {
		out.Stages = append(out.Stages, &crmv1.Stage{
			Id:           s.rec.ID.id(),
			Name:         s.rec.Name,
			DisplayOrder: order(s.rec.OrderNr),
			Probability:  s.rec.DealProbability,
			// Pipedrive stages are never closed: won and lost are deal statuses.
			IsClosed: false,
			IsWon:    false,
		})
		if parseTime(s.rec.UpdateTime).After(parseTime(updated)) {
			updated = s.rec.UpdateTime
		}
		raws = append(raws, s.raw)
	}
	out.UpdateTime = laterTS(p.rec.AddTime, updated)
	if includeRaw {
		var m map[string]any
		if json.Unmarshal(p.raw, &m) == nil {
			m["stages"] = raws
			if b, err := json.Marshal(m); err == nil {
				connector.SetRaw(out, normalize.RawStruct(b))
			}
		}
	}
	return out
}

func listPipelines(ctx context.Context, c *connector.Conn, p connector.ListParams) (connector.Page[*crmv1.Pipeline], error) {
	items, next, err := listV2[pipeline](ctx, c, "/api/v2/pipelines", nil, p.PageSize, p.Cursor, time.Time{})
	if err != nil {
		return connector.Page[*crmv1.Pipeline]{}, err
	}
	stages, err := stagesOf(ctx, c, "")
	if err != nil {
		return connector.Page[*crmv1.Pipeline]{}, err
	}
	out := make([]*crmv1.Pipeline, 0, len(items))
	for _, it := range items {
		if it.rec.IsDeleted {
			continue
		}
		rec := pipelineToPipeline(it, stages, p.IncludeRaw)
		if !p.ModifiedSince.IsZero() && rec.GetUpdateTime().AsTime().Before(p.ModifiedSince) {
			continue
		}
		out = append(out, rec)
	}
	return connector.Page[*crmv1.Pipeline]{Items: out, NextCursor: next}, nil
}

func getPipeline(ctx context.Context, c *connector.Conn, id string, p connector.GetParams) (*crmv1.Pipeline, error) {
	if _, err := numericID("id", id); err != nil {
		return nil, err
	}
	it, stages, err := readPipeline(ctx, c, id)
	if err != nil {
		return nil, err
	}
	return pipelineToPipeline(it, stages, p.IncludeRaw), nil
}

func readPipeline(ctx context.Context, c *connector.Conn, id string) (item[pipeline], []item[stage], error) {
	it, err := one[pipeline](ctx, c, http.MethodGet, "/api/v2/pipelines/"+id, nil)
	if err != nil {
		return item[pipeline]{}, nil, err
	}
	if it.rec.IsDeleted {
		return item[pipeline]{}, nil, gone("pipeline", id)
	}
	stages, err := stagesOf(ctx, c, id)
	return it, stages, err
}

// stageSpec is a stage a write asks for; id "" is a new one.
type stageSpec struct {
	id   string
	name string
	prob int
}

var pipelineWire = wireMap{"name": "name"}

// stageWire maps a stage's errors to stages[i].
func stageWire(i int) wireMap {
	return wireMap{"name": fmt.Sprintf("stages[%d].name", i), "deal_probability": fmt.Sprintf("stages[%d].probability", i),
		"pipeline_id": fmt.Sprintf("stages[%d]", i), "id": fmt.Sprintf("stages[%d]", i)}
}

var pipelineFields = connector.Fields[*crmv1.Pipeline]{
	"name": func(p *crmv1.Pipeline, b map[string]any) error {
		if p.GetName() == "" {
			return connector.BadField("name", "a Pipedrive pipeline needs a name")
		}
		b["name"] = p.GetName()
		return nil
	},
	"active": func(p *crmv1.Pipeline, b map[string]any) error {
		if !p.GetActive() {
			return connector.BadField("active", "a Pipedrive pipeline is active until it is deleted in Pipedrive")
		}
		return nil
	},
	"display_order": func(p *crmv1.Pipeline, b map[string]any) error {
		// Checked against the pipeline's place by createPipeline and updatePipeline.
		b["display_order"] = p.GetDisplayOrder()
		return nil
	},
	"stages": func(p *crmv1.Pipeline, b map[string]any) error {
		specs := make([]stageSpec, 0, len(p.GetStages()))
		seen := map[string]bool{}
		for i, s := range p.GetStages() {
			f := fmt.Sprintf("stages[%d]", i)
			switch {
			case s.GetName() == "":
				return connector.BadField(f+".name", "a stage needs a name")
			case s.GetIsClosed() || s.GetIsWon():
				return connector.BadField(f+".is_closed", "Pipedrive stages are all open: a deal is won or lost by its status, not by a stage")
			case s.GetProbability() != math.Trunc(s.GetProbability()):
				return connector.BadField(f+".probability", "Pipedrive keeps a stage's probability in whole percent")
			}
			if s.GetId() != "" {
				if _, err := connector.IntID(f+".id", s.GetId()); err != nil {
					return err
				}
				if seen[s.GetId()] {
					return connector.BadField(f+".id", "stage %s is listed twice", s.GetId())
				}
				seen[s.GetId()] = true
			}
			specs = append(specs, stageSpec{id: s.GetId(), name: s.GetName(), prob: int(s.GetProbability())})
		}
		b["stages"] = specs
		return nil
	},
}

func pipelineError(err error) error { return connector.FieldErrorsOf("pipeline", Slug, err) }

func createPipeline(ctx context.Context, c *connector.Conn, rec *crmv1.Pipeline) (*crmv1.Pipeline, error) {
	body, err := pipelineFields.Body(rec, nil, "pipeline", Slug)
	if err != nil {
		return nil, err
	}
	if _, ok := body["display_order"]; ok {
		return nil, pipelineError(connector.BadField("display_order", "Pipedrive puts a new pipeline last; pipelines are reordered in Pipedrive only"))
	}
	specs, _ := body["stages"].([]stageSpec)
	delete(body, "stages")
	for i, s := range specs {
		if s.id != "" {
			return nil, pipelineError(connector.BadField(fmt.Sprintf("stages[%d].id", i), "a new pipeline's stages are new: leave their ids empty"))
		}
	}
	p, err := one[pipeline](ctx, c, http.MethodPost, "/api/v2/pipelines", body)
	if err != nil {
		return nil, rejected(err, "pipeline", pipelineWire, nil)
	}
	id := p.rec.ID.id()
	made := []string{"/api/v2/pipelines/" + id}
	for i, s := range specs {
		st, err := one[stage](ctx, c, http.MethodPost, "/api/v2/stages", map[string]any{"name": s.name, "pipeline_id": int64(p.rec.ID), "deal_probability": s.prob})
		if err != nil {
			// Undo: a pipeline is created whole or not at all.
			for j := len(made) - 1; j >= 0; j-- {
				_ = remove(context.WithoutCancel(ctx), c, made[j])
			}
			return nil, rejected(err, "pipeline", stageWire(i), nil)
		}
		made = append(made, "/api/v2/stages/"+st.rec.ID.id())
	}
	return getPipeline(ctx, c, id, connector.GetParams{})
}

func updatePipeline(ctx context.Context, c *connector.Conn, rec *crmv1.Pipeline, mask []string) (*crmv1.Pipeline, error) {
	id := rec.GetId()
	if _, err := numericID("pipeline.id", id); err != nil {
		return nil, err
	}
	body, err := pipelineFields.Body(rec, mask, "pipeline", Slug)
	if err != nil {
		return nil, err
	}
	cur, stages, err := readPipeline(ctx, c, id)
	if err != nil {
		return nil, err
	}
	if v, ok := body["display_order"]; ok {
		if v.(int32) != order(cur.rec.OrderNr) {
			return nil, pipelineError(connector.BadField("display_order", "Pipedrive's API cannot reorder pipelines; reorder them in Pipedrive"))
		}
		delete(body, "display_order")
	}
	specs, hasStages := body["stages"].([]stageSpec)
	delete(body, "stages")
	var ops []func() error
	if hasStages {
		ops, err = stageOps(ctx, c, cur.rec.ID, liveStages(cur.rec.ID, stages), specs)
		if err != nil {
			return nil, err
		}
	}
	if len(body) > 0 {
		if _, err := one[pipeline](ctx, c, http.MethodPatch, "/api/v2/pipelines/"+id, body); err != nil {
			return nil, rejected(err, "pipeline", pipelineWire, nil)
		}
	}
	for _, op := range ops {
		if err := op(); err != nil {
			return nil, err
		}
	}
	return getPipeline(ctx, c, id, connector.GetParams{})
}

// stageOps plans the calls that turn a pipeline's stages into specs:
// changes, then additions (which Pipedrive puts last), then deletions.
// Pipedrive cannot reorder stages through its API: specs must keep the
// existing stages' order and list new stages after them.
func stageOps(ctx context.Context, c *connector.Conn, pipelineID ref, cur []item[stage], specs []stageSpec) ([]func() error, error) {
	pos := map[string]int{}
	for i, s := range cur {
		pos[s.rec.ID.id()] = i
	}
	last, sawNew := -1, false
	for i, s := range specs {
		if s.id == "" {
			sawNew = true
			continue
		}
		p, ok := pos[s.id]
		switch {
		case !ok:
			return nil, pipelineError(connector.BadField(fmt.Sprintf("stages[%d].id", i), "stage %s is not a stage of pipeline %s", s.id, pipelineID.id()))
		case p < last || sawNew:
			return nil, pipelineError(connector.BadField("stages", "Pipedrive's API cannot reorder stages: keep the existing stages in their order and add new ones after them"))
		}
		last = p
	}
	var changes, adds, dels []func() error
	kept := map[string]bool{}
	for i, s := range specs {
		if s.id == "" {
			adds = append(adds, func() error {
				_, err := one[stage](ctx, c, http.MethodPost, "/api/v2/stages", map[string]any{"name": s.name, "pipeline_id": int64(pipelineID), "deal_probability": s.prob})
				return rejected(err, "pipeline", stageWire(i), nil)
			})
			continue
		}
		kept[s.id] = true
		old := cur[pos[s.id]].rec
		if old.Name != s.name || old.DealProbability != float64(s.prob) {
			changes = append(changes, func() error {
				_, err := one[stage](ctx, c, http.MethodPatch, "/api/v2/stages/"+s.id, map[string]any{"name": s.name, "deal_probability": s.prob})
				return rejected(err, "pipeline", stageWire(i), nil)
			})
		}
	}
	for _, s := range cur {
		sid := s.rec.ID.id()
		if kept[sid] {
			continue
		}
		// Refused up front, before any change: a stage with deals cannot go.
		deals, _, err := listV2[deal](ctx, c, "/api/v2/deals", url.Values{"stage_id": {sid}}, 1, "", time.Time{})
		if err != nil {
			return nil, err
		}
		if len(deals) > 0 {
			return nil, pipelineError(connector.BadField("stages", "stage %s (%s) still has deals: move them to another stage in Pipedrive before removing it", sid, s.rec.Name))
		}
		dels = append(dels, func() error {
			return rejected(remove(ctx, c, "/api/v2/stages/"+sid), "pipeline", wireMap{"id": "stages"}, nil)
		})
	}
	return append(append(changes, adds...), dels...), nil
}
