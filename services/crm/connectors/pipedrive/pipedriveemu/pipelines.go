package pipedriveemu

import (
	"fmt"
	"net/url"
	"strings"
)

func (e *Emulator) pipelinesAPI() *v2API[Pipeline] {
	a := &v2API[Pipeline]{
		e: e, coll: e.Pipelines, notFound: "Pipeline not found", sinceless: true,
		id:      func(p *Pipeline) int64 { return p.ID },
		deleted: func(p *Pipeline) bool { return p.IsDeleted },
		present: func(p Pipeline) any { return p },
	}
	a.remove = func(p *Pipeline, v *validation) {
		if e.liveDeals(func(d *Deal) bool { return d.PipelineID == p.ID }) > 0 {
			v.add("id", "the pipeline still has deals")
			return
		}
		p.IsDeleted = true
	}
	a.apply = func(p *Pipeline, b *body, old *Pipeline) {
		create := old == nil
		var name string
		if b.str("name", &name) || create {
			if strings.TrimSpace(name) == "" {
				b.add("name", "is required")
			}
			p.Name = strings.TrimSpace(name)
		}
		b.boolean("is_deal_probability_enabled", &p.IsDealProbabilityEnabled)
		if create {
			// New pipelines go last; order_nr is read-only in API v2.
			for _, o := range e.Pipelines.All() {
				p.OrderNr = max(p.OrderNr, o.OrderNr)
			}
			p.OrderNr++
		}
	}
	return a
}

func (e *Emulator) liveDeals(match func(*Deal) bool) int {
	n := 0
	e.Deals.Each(func(d *Deal) bool {
		if !d.IsDeleted && match(d) {
			n++
		}
		return true
	})
	return n
}

func (e *Emulator) stagesAPI() *v2API[Stage] {
	a := &v2API[Stage]{
		e: e, coll: e.Stages, notFound: "Stage not found", sinceless: true,
		id:      func(s *Stage) int64 { return s.ID },
		deleted: func(s *Stage) bool { return s.IsDeleted },
		present: func(s Stage) any { return s },
	}
	a.filter = func(q url.Values, v *validation) func(*Stage) bool {
		pipe := queryInt(q, "pipeline_id", v)
		return a.live(func(s *Stage) bool { return pipe == nil || s.PipelineID == *pipe })
	}
	a.remove = func(s *Stage, v *validation) {
		if e.liveDeals(func(d *Deal) bool { return d.StageID == s.ID }) > 0 {
			v.add("id", "the stage still has deals; move them to another stage first")
			return
		}
		s.IsDeleted = true
	}
	a.apply = func(s *Stage, b *body, old *Stage) {
		create := old == nil
		var name string
		if b.str("name", &name) || create {
			if strings.TrimSpace(name) == "" {
				b.add("name", "is required")
			}
			s.Name = strings.TrimSpace(name)
		}
		var pid *int64
		if b.integer("pipeline_id", &pid) || create {
			switch {
			case pid == nil:
				b.add("pipeline_id", "is required")
			case func() bool { _, ok := e.pipeline(*pid); return !ok }():
				b.add("pipeline_id", fmt.Sprintf("pipeline %d does not exist", *pid))
			case create || *pid != s.PipelineID:
				// A stage added to a pipeline goes last; order_nr is read-only in API v2.
				s.PipelineID, s.OrderNr = *pid, 0
				for _, o := range e.stagesOf(*pid) {
					s.OrderNr = max(s.OrderNr, o.OrderNr)
				}
				s.OrderNr++
			}
		}
		var prob *float64
		if b.float("deal_probability", &prob) {
			if prob == nil || *prob < 0 || *prob > 100 || *prob != float64(int(*prob)) {
				b.add("deal_probability", "must be an integer from 0 to 100")
			} else {
				s.DealProbability = *prob
			}
		} else if create {
			s.DealProbability = 100
		}
		b.boolean("is_deal_rot_enabled", &s.IsDealRotEnabled)
		var days *int64
		if b.integer("days_to_rotten", &days) {
			if days == nil {
				s.DaysToRotten = nil
			} else {
				d := int(*days)
				s.DaysToRotten = &d
			}
		}
	}
	return a
}
