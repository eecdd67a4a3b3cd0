package hubspotemu

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/unimesh/unimesh/pkg/emulator"
)

type wireStage struct {
	ID           string            `json:"id"`
	Label        string            `json:"label"`
	DisplayOrder int               `json:"displayOrder"`
	Metadata     map[string]string `json:"metadata"`
	CreatedAt    string            `json:"createdAt"`
	UpdatedAt    string            `json:"updatedAt"`
	Archived     bool              `json:"archived"`
}

type wirePipeline struct {
	ID           string      `json:"id"`
	Label        string      `json:"label"`
	DisplayOrder int         `json:"displayOrder"`
	Stages       []wireStage `json:"stages"`
	CreatedAt    string      `json:"createdAt"`
	UpdatedAt    string      `json:"updatedAt"`
	Archived     bool        `json:"archived"`
}

func (p Pipeline) wire() wirePipeline {
	out := wirePipeline{ID: p.ID, Label: p.Label, DisplayOrder: p.DisplayOrder, Stages: []wireStage{},
		CreatedAt: formatTime(p.CreatedAt), UpdatedAt: formatTime(p.UpdatedAt), Archived: p.Archived}
	stages := append([]Stage(nil), p.Stages...)
	sort.SliceStable(stages, func(i, j int) bool { return stages[i].DisplayOrder < stages[j].DisplayOrder })
	for _, s := range stages {
		if s.Archived {
			continue
		}
		created, updated := s.CreatedAt, s.UpdatedAt
		if created.IsZero() {
			created, updated = p.CreatedAt, p.CreatedAt
		}
		out.Stages = append(out.Stages, wireStage{ID: s.ID, Label: s.Label, DisplayOrder: s.DisplayOrder, Metadata: s.Metadata,
			CreatedAt: formatTime(created), UpdatedAt: formatTime(updated)})
	}
	return out
}

func (e *Emulator) pipelineCollection(w http.ResponseWriter, r *http.Request) (*emulator.Collection[Pipeline], string) {
	t := lookupType(r.PathValue("type"))
	if t == nil || e.pipelines[t.Name] == nil {
		e.badRequest(w, fmt.Sprintf("Object type %s has no pipelines", r.PathValue("type")))
		return nil, ""
	}
	return e.pipelines[t.Name], t.Name
}

// listPipelines answers GET /crm/v3/pipelines/{type}: every live pipeline,
// by displayOrder then label, unpaged.
func (e *Emulator) listPipelines(w http.ResponseWriter, r *http.Request) {
	c, _ := e.pipelineCollection(w, r)
	if c == nil {
		return
	}
	var ps []Pipeline
	for _, p := range c.All() {
		if !p.Archived {
			ps = append(ps, p)
		}
	}
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].DisplayOrder != ps[j].DisplayOrder {
			return ps[i].DisplayOrder < ps[j].DisplayOrder
		}
		return ps[i].Label < ps[j].Label
	})
	out := make([]wirePipeline, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.wire())
	}
	emulator.WriteJSON(w, http.StatusOK, map[string]any{"results": out})
}

func (e *Emulator) getPipeline(w http.ResponseWriter, r *http.Request) {
	c, _ := e.pipelineCollection(w, r)
	if c == nil {
		return
	}
	p, _, ok := c.Get(r.PathValue("id"))
	if !ok || p.Archived {
		e.notFound(w, fmt.Sprintf("Unable to find pipeline %s", r.PathValue("id")), r.PathValue("id"))
		return
	}
	emulator.WriteJSON(w, http.StatusOK, p.wire())
}

// pipelineInput is the body of a create or replace.
type pipelineInput struct {
	Label        string `json:"label"`
	DisplayOrder *int   `json:"displayOrder"`
	Archived     *bool  `json:"archived"`
	Stages       []struct {
		StageID      string            `json:"stageId"`
		ID           string            `json:"id"`
		Label        string            `json:"label"`
		DisplayOrder *int              `json:"displayOrder"`
		Metadata     map[string]string `json:"metadata"`
	} `json:"stages"`
}

// buildStages validates the stages of a create or replace: labels unique,
// deal stages with a probability between 0.0 and 1.0 in steps of 0.1 and
// isClosed true or false. Stages named by an id of old keep it.
func (e *Emulator) buildStages(objectType string, in pipelineInput, old []Stage) ([]Stage, string) {
	if len(in.Stages) == 0 {
		return nil, "A pipeline needs at least one stage"
	}
	known := map[string]Stage{}
	for _, s := range old {
		known[s.ID] = s
	}
	labels := map[string]bool{}
	now := e.Store.Now()
	var out []Stage
	for i, s := range in.Stages {
		if strings.TrimSpace(s.Label) == "" {
			return nil, fmt.Sprintf("stages[%d].label is required", i)
		}
		if labels[strings.ToLower(s.Label)] {
			return nil, fmt.Sprintf("Each stage label must be unique within the pipeline: %q is used twice", s.Label)
		}
		labels[strings.ToLower(s.Label)] = true
		if s.DisplayOrder == nil {
			return nil, fmt.Sprintf("stages[%d].displayOrder is required", i)
		}
		md := map[string]string{}
		for k, v := range s.Metadata {
			md[k] = v
		}
		if objectType == "deals" {
			p, err := strconv.ParseFloat(md["probability"], 64)
			if err != nil || p < 0 || p > 1 || math.Abs(p*10-math.Round(p*10)) > 1e-9 {
				return nil, fmt.Sprintf("stages[%d].metadata.probability must be between 0.0 and 1.0 in increments of 0.1, was %q", i, md["probability"])
			}
			md["probability"] = strconv.FormatFloat(math.Round(p*10)/10, 'f', 1, 64)
			switch md["isClosed"] {
			case "":
				md["isClosed"] = "false"
			case "true", "false":
			default:
				return nil, fmt.Sprintf("stages[%d].metadata.isClosed must be true or false", i)
			}
		}
		id := s.StageID
		if id == "" {
			id = s.ID
		}
		st := Stage{Label: s.Label, DisplayOrder: *s.DisplayOrder, Metadata: md, CreatedAt: now, UpdatedAt: now}
		if prev, ok := known[id]; ok && id != "" {
			st.ID, st.CreatedAt = prev.ID, prev.CreatedAt
			if st.CreatedAt.IsZero() {
				st.CreatedAt = time.Unix(0, 0).UTC()
			}
		} else {
			st.ID = strconv.FormatInt(e.stageSeq.Add(1), 10)
		}
		out = append(out, st)
	}
	return out, ""
}

func (e *Emulator) labelTaken(c *emulator.Collection[Pipeline], label, selfID string) bool {
	taken := false
	c.Each(func(p *Pipeline) bool {
		if !p.Archived && p.ID != selfID && strings.EqualFold(p.Label, label) {
			taken = true
			return false
		}
		return true
	})
	return taken
}

// createPipeline answers POST /crm/v3/pipelines/{type}: 201.
func (e *Emulator) createPipeline(w http.ResponseWriter, r *http.Request) {
	c, objectType := e.pipelineCollection(w, r)
	if c == nil {
		return
	}
	var in pipelineInput
	if !e.decodeBody(w, r, &in) {
		return
	}
	if strings.TrimSpace(in.Label) == "" || in.DisplayOrder == nil {
		e.badRequest(w, "label and displayOrder are required")
		return
	}
	if e.labelTaken(c, in.Label, "") {
		e.writeError(w, http.StatusConflict, apiError{Category: "CONFLICT", Message: fmt.Sprintf("A pipeline with label %q already exists", in.Label)})
		return
	}
	stages, msg := e.buildStages(objectType, in, nil)
	if msg != "" {
		e.badRequest(w, msg)
		return
	}
	p := c.Insert(Pipeline{Label: in.Label, DisplayOrder: *in.DisplayOrder, Stages: stages})
	emulator.WriteJSON(w, http.StatusCreated, p.wire())
}

// replacePipeline answers PUT: label, displayOrder and stages replace the
// pipeline's; a stage left out is removed, which is refused while deals
// are in it.
func (e *Emulator) replacePipeline(w http.ResponseWriter, r *http.Request) {
	c, objectType := e.pipelineCollection(w, r)
	if c == nil {
		return
	}
	var in pipelineInput
	if !e.decodeBody(w, r, &in) {
		return
	}
	if strings.TrimSpace(in.Label) == "" || in.DisplayOrder == nil {
		e.badRequest(w, "label and displayOrder are required")
		return
	}
	e.changePipeline(w, c, objectType, r.PathValue("id"), func(p *Pipeline) string {
		if e.labelTaken(c, in.Label, p.ID) {
			return fmt.Sprintf("A pipeline with label %q already exists", in.Label)
		}
		stages, msg := e.buildStages(objectType, in, p.Stages)
		if msg != "" {
			return msg
		}
		kept := map[string]bool{}
		for _, s := range stages {
			kept[s.ID] = true
		}
		for _, s := range p.Stages {
			if !kept[s.ID] && e.stageInUse(objectType, p.ID, s.ID) {
				return fmt.Sprintf("Stage %s still has records in it; move them before removing the stage", s.ID)
			}
		}
		p.Label, p.DisplayOrder, p.Stages = in.Label, *in.DisplayOrder, stages
		return ""
	})
}

// patchPipeline answers PATCH: label and displayOrder; archived only to restore.
func (e *Emulator) patchPipeline(w http.ResponseWriter, r *http.Request) {
	c, objectType := e.pipelineCollection(w, r)
	if c == nil {
		return
	}
	var in pipelineInput
	if !e.decodeBody(w, r, &in) {
		return
	}
	if in.Archived != nil && *in.Archived {
		e.badRequest(w, "archived can only be set to false, to restore a pipeline; archive it with DELETE")
		return
	}
	e.changePipeline(w, c, objectType, r.PathValue("id"), func(p *Pipeline) string {
		if in.Label != "" {
			if e.labelTaken(c, in.Label, p.ID) {
				return fmt.Sprintf("A pipeline with label %q already exists", in.Label)
			}
			p.Label = in.Label
		}
		if in.DisplayOrder != nil {
			p.DisplayOrder = *in.DisplayOrder
		}
		return ""
	})
}

var errRefused = errors.New("refused")

func (e *Emulator) changePipeline(w http.ResponseWriter, c *emulator.Collection[Pipeline], objectType, id string, change func(*Pipeline) string) {
	var msg string
	p, err := c.Update(id, func(p *Pipeline) error {
		if p.Archived {
			return emulator.ErrNotFound
		}
		if msg = change(p); msg != "" {
			return errRefused
		}
		return nil
	})
	switch {
	case errors.Is(err, emulator.ErrNotFound):
		e.notFound(w, fmt.Sprintf("Unable to find pipeline %s", id), id)
	case errors.Is(err, errRefused):
		e.badRequest(w, msg)
	case err != nil:
		e.writeError(w, http.StatusInternalServerError, apiError{Category: "INTERNAL_ERROR", Message: err.Error()})
	default:
		emulator.WriteJSON(w, http.StatusOK, p.wire())
	}
}

// deletePipeline answers DELETE: the pipeline is archived, unless records
// are still in it.
func (e *Emulator) deletePipeline(w http.ResponseWriter, r *http.Request) {
	c, objectType := e.pipelineCollection(w, r)
	if c == nil {
		return
	}
	id := r.PathValue("id")
	var msg string
	_, err := c.Update(id, func(p *Pipeline) error {
		if p.Archived {
			return emulator.ErrNotFound
		}
		for _, s := range p.Stages {
			if e.stageInUse(objectType, p.ID, s.ID) {
				msg = fmt.Sprintf("Pipeline %s still has records in stage %s", p.ID, s.ID)
				return errRefused
			}
		}
		p.Archived = true
		return nil
	})
	switch {
	case errors.Is(err, emulator.ErrNotFound):
		e.notFound(w, fmt.Sprintf("Unable to find pipeline %s", id), id)
	case errors.Is(err, errRefused):
		e.badRequest(w, msg)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// stageInUse reports whether a live record of the pipeline is in the stage.
func (e *Emulator) stageInUse(objectType, pipelineID, stageID string) bool {
	pipeProp, stageProp := "pipeline", "dealstage"
	if objectType == "leads" {
		pipeProp, stageProp = "hs_pipeline", "hs_pipeline_stage"
	}
	used := false
	e.objects[objectType].Each(func(o *Object) bool {
		if !o.Archived && o.Properties[pipeProp] == pipelineID && o.Properties[stageProp] == stageID {
			used = true
			return false
		}
		return true
	})
	return used
}
