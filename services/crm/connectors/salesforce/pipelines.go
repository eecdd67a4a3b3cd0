package salesforce

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/normalize"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
)

// Salesforce has no pipeline object: an org has one list of opportunity
// stages (OpportunityStage, edited in Setup, not through the REST API).
// The connector shows it as one read-only pipeline, "default", of the
// active stages in SortOrder. Its times are its stages' earliest creation
// and latest change; raw holds the stage records.
func pipelineObject(s *state) connector.Object[*crmv1.Pipeline] {
	return connector.Object[*crmv1.Pipeline]{
		List: func(ctx context.Context, c *connector.Conn, p connector.ListParams) (connector.Page[*crmv1.Pipeline], error) {
			set, err := s.stageSet(ctx, c)
			if err != nil {
				return connector.Page[*crmv1.Pipeline]{}, err
			}
			pl := pipelineOf(set, p.IncludeRaw)
			if !p.ModifiedSince.IsZero() && pl.GetUpdateTime().AsTime().Before(p.ModifiedSince) {
				return connector.Page[*crmv1.Pipeline]{}, nil
			}
			return connector.Page[*crmv1.Pipeline]{Items: []*crmv1.Pipeline{pl}}, nil
		},
		Get: func(ctx context.Context, c *connector.Conn, id string, p connector.GetParams) (*crmv1.Pipeline, error) {
			if id != defaultPipelineID {
				return nil, apierr.NotFound(apierr.ReasonRecordNotFound,
					fmt.Sprintf("Salesforce has one pipeline, %q (the org's opportunity stages); there is no pipeline %q", defaultPipelineID, id),
					"integration", Slug)
			}
			set, err := s.stageSet(ctx, c)
			if err != nil {
				return nil, err
			}
			return pipelineOf(set, p.IncludeRaw), nil
		},
	}
}

func pipelineOf(set *stageSet, raw bool) *crmv1.Pipeline {
	p := &crmv1.Pipeline{Id: defaultPipelineID, Name: "Opportunity stages", Active: true}
	for _, st := range set.all {
		if p.CreateTime == nil || st.Created.Before(p.CreateTime.AsTime()) {
			p.CreateTime = normalize.Timestamp(st.Created)
		}
		if p.UpdateTime == nil || st.Updated.After(p.UpdateTime.AsTime()) {
			p.UpdateTime = normalize.Timestamp(st.Updated)
		}
	}
	for i, st := range set.active() {
		p.Stages = append(p.Stages, &crmv1.Stage{Id: st.ID, Name: st.Label, DisplayOrder: int32(i), Probability: st.Probability,
			IsClosed: st.Closed, IsWon: st.Won})
	}
	if raw {
		b, err := json.Marshal(map[string]any{"totalSize": len(set.raw), "done": true, "records": set.raw})
		if err == nil {
			connector.SetRaw(p, normalize.RawStruct(b))
		}
	}
	return p
}
