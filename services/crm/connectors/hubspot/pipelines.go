package hubspot

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/normalize"
	"github.com/unimesh/unimesh/pkg/providerhttp"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
)

// Deal pipelines (/crm/v3/pipelines/deals). HubSpot answers them all at
// once, unpaged; the connector pages through them itself. A stage's
// probability and closed flag are its metadata, as strings; a won stage is
// a closed one at probability 1.0, a lost one a closed one at 0.0. The
// unified API offers no pipeline deletion.

const pipelinesPath = "/crm/v3/pipelines/deals"

func pipelineFrom(p pipeline) *crmv1.Pipeline {
	out := &crmv1.Pipeline{
		Id:           p.ID,
		Name:         p.Label,
		Active:       !p.Archived,
		DisplayOrder: p.DisplayOrder,
		CreateTime:   recordTime(p.CreatedAt),
		UpdateTime:   recordTime(p.UpdatedAt),
	}
	stages := append([]stage(nil), p.Stages...)
	sortStages(stages)
	for _, s := range stages {
		if s.Archived {
			continue
		}
		prob := s.probability()
		if prob < 0 {
			prob = 0
		}
		out.Stages = append(out.Stages, &crmv1.Stage{
			Id: s.ID, Name: s.Label, DisplayOrder: s.DisplayOrder, Probability: percent(prob),
			IsClosed: s.closed(), IsWon: s.won(),
		})
	}
	return out
}

// decodePipeline reads a pipeline, keeping its JSON for include_raw.
func decodePipeline(c *connector.Conn, raw json.RawMessage, includeRaw bool) (*crmv1.Pipeline, error) {
	var p pipeline
	if err := decode(c, raw, &p); err != nil {
		return nil, err
	}
	out := pipelineFrom(p)
	if includeRaw {
		connector.SetRaw(out, normalize.RawStruct(raw))
	}
	return out, nil
}

// stageInput is a stage of a create or replace.
type stageInput struct {
	StageID      string            `json:"stageId,omitempty"`
	Label        string            `json:"label"`
	DisplayOrder int32             `json:"displayOrder"`
	Metadata     map[string]string `json:"metadata"`
}

func stageInputs(stages []*crmv1.Stage) ([]stageInput, error) {
	out := make([]stageInput, 0, len(stages))
	for i, s := range stages {
		f := func(name string) string { return fmt.Sprintf("stages[%d].%s", i, name) }
		if s.GetName() == "" {
			return nil, connector.BadField(f("name"), "a HubSpot stage needs a name")
		}
		closed := s.GetIsClosed() || s.GetIsWon()
		prob := s.GetProbability() / 100
		switch {
		case s.GetIsWon():
			if s.GetProbability() != 0 && s.GetProbability() != 100 {
				return nil, connector.BadField(f("probability"), "a won HubSpot stage has probability 100")
			}
			prob = 1
		case closed:
			if s.GetProbability() != 0 {
				return nil, connector.BadField(f("probability"), "HubSpot reads a closed stage below 100 as lost: its probability is 0")
			}
		case math.Abs(prob*10-math.Round(prob*10)) > 1e-9:
			return nil, connector.BadField(f("probability"), "HubSpot takes stage probabilities in steps of 10 percent")
		}
		order := s.GetDisplayOrder()
		if order == 0 && i > 0 {
			order = int32(i)
		}
		out = append(out, stageInput{StageID: s.GetId(), Label: s.GetName(), DisplayOrder: order,
			Metadata: map[string]string{"probability": probabilityString(math.Round(prob*10) / 10), "isClosed": strconv.FormatBool(closed)}})
	}
	return out, nil
}

func pipelineFields() connector.Fields[*crmv1.Pipeline] {
	return connector.Fields[*crmv1.Pipeline]{
		"name":          func(p *crmv1.Pipeline, b map[string]any) error { b["label"] = p.GetName(); return nil },
		"display_order": func(p *crmv1.Pipeline, b map[string]any) error { b["displayOrder"] = p.GetDisplayOrder(); return nil },
		"active": func(p *crmv1.Pipeline, _ map[string]any) error {
			if p.GetActive() {
				return nil // HubSpot's pipelines are live until archived
			}
			return connector.BadField("active", "HubSpot archives a pipeline only by deleting it")
		},
		"stages": func(p *crmv1.Pipeline, b map[string]any) error {
			in, err := stageInputs(p.GetStages())
			b["stages"] = in
			return err
		},
	}
}

func pipelineObject(h *hub) connector.Object[*crmv1.Pipeline] {
	send := func(ctx context.Context, c *connector.Conn, method, path string, body map[string]any) (*crmv1.Pipeline, error) {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("encode hubspot pipeline: %w", err)
		}
		resp, err := c.HTTP.Do(ctx, providerhttp.Request{Method: method, Path: path, Body: b})
		h.pipes.Delete(c.ID) // whatever happened, the cached pipelines may be stale
		if err != nil {
			return nil, err
		}
		return decodePipeline(c, resp.Body, false)
	}
	get := func(ctx context.Context, c *connector.Conn, id string, raw bool) (*crmv1.Pipeline, error) {
		if id == "" || strings.ContainsAny(id, "/?#") {
			return nil, badID("pipeline", id, "a pipeline id such as default")
		}
		resp, err := c.HTTP.Do(ctx, providerhttp.Request{Method: http.MethodGet, Path: pipelinesPath + "/" + url.PathEscape(id)})
		if err != nil {
			return nil, err
		}
		return decodePipeline(c, resp.Body, raw)
	}
	return connector.Object[*crmv1.Pipeline]{
		List: func(ctx context.Context, c *connector.Conn, p connector.ListParams) (connector.Page[*crmv1.Pipeline], error) {
			offset := 0
			if p.Cursor != "" {
				n, err := strconv.Atoi(strings.TrimPrefix(p.Cursor, "p."))
				if !strings.HasPrefix(p.Cursor, "p.") || err != nil || n < 0 {
					return connector.Page[*crmv1.Pipeline]{}, apierr.InvalidArgument(apierr.ReasonInvalidPageToken, "the page token is not one HubSpot's connector issued")
				}
				offset = n
			}
			resp, err := c.HTTP.Do(ctx, providerhttp.Request{Method: http.MethodGet, Path: pipelinesPath})
			if err != nil {
				return connector.Page[*crmv1.Pipeline]{}, err
			}
			var body struct {
				Results []json.RawMessage `json:"results"`
			}
			if err := decode(c, resp.Body, &body); err != nil {
				return connector.Page[*crmv1.Pipeline]{}, err
			}
			var all []*crmv1.Pipeline
			for _, raw := range body.Results {
				pl, err := decodePipeline(c, raw, p.IncludeRaw)
				if err != nil {
					return connector.Page[*crmv1.Pipeline]{}, err
				}
				// HubSpot has no modified-since filter for pipelines.
				if !p.ModifiedSince.IsZero() && (pl.GetUpdateTime() == nil || pl.GetUpdateTime().AsTime().Before(p.ModifiedSince)) {
					continue
				}
				all = append(all, pl)
			}
			end := min(len(all), offset+p.PageSize)
			page := connector.Page[*crmv1.Pipeline]{Items: all[min(offset, len(all)):end]}
			if end < len(all) {
				page.NextCursor = "p." + strconv.Itoa(end)
			}
			return page, nil
		},
		Get: func(ctx context.Context, c *connector.Conn, id string, p connector.GetParams) (*crmv1.Pipeline, error) {
			return get(ctx, c, id, p.IncludeRaw)
		},
		Create: func(ctx context.Context, c *connector.Conn, pl *crmv1.Pipeline) (*crmv1.Pipeline, error) {
			body, err := pipelineFields().Body(pl, nil, "pipeline", Slug)
			if err != nil {
				return nil, err
			}
			if _, ok := body["displayOrder"]; !ok {
				body["displayOrder"] = 0
			}
			return send(ctx, c, http.MethodPost, pipelinesPath, body)
		},
		Update: func(ctx context.Context, c *connector.Conn, pl *crmv1.Pipeline, mask []string) (*crmv1.Pipeline, error) {
			cur, err := get(ctx, c, pl.GetId(), false)
			if err != nil {
				return nil, err
			}
			body, err := pipelineFields().Body(pl, mask, "pipeline", Slug)
			if err != nil {
				return nil, err
			}
			path := pipelinesPath + "/" + url.PathEscape(cur.GetId())
			if _, ok := body["stages"]; !ok {
				if len(body) == 0 {
					return cur, nil
				}
				return send(ctx, c, http.MethodPatch, path, body)
			}
			// Stages change with a replace: PUT takes the whole pipeline.
			if _, ok := body["label"]; !ok {
				body["label"] = cur.GetName()
			}
			if _, ok := body["displayOrder"]; !ok {
				body["displayOrder"] = cur.GetDisplayOrder()
			}
			return send(ctx, c, http.MethodPut, path, body)
		},
	}
}
