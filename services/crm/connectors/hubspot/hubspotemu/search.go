package hubspotemu

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/unimesh/unimesh/pkg/emulator"
)

// searchRequest is the body of POST /crm/v3/objects/{type}/search.
type searchRequest struct {
	FilterGroups []struct {
		Filters []searchFilter `json:"filters"`
	} `json:"filterGroups"`
	Sorts      []json.RawMessage `json:"sorts"`
	Query      string            `json:"query"`
	Properties []string          `json:"properties"`
	Limit      int               `json:"limit"`
	After      any               `json:"after"`
}

type searchFilter struct {
	PropertyName string `json:"propertyName"`
	Operator     string `json:"operator"`
	Value        any    `json:"value"`
	HighValue    any    `json:"highValue"`
	Values       []any  `json:"values"`
}

type sortSpec struct {
	PropertyName string `json:"propertyName"`
	Direction    string `json:"direction"`
}

// search answers the search endpoint: filter groups are OR'd, the filters
// of a group AND'd; `after` is an offset; results carry no associations.
func (e *Emulator) search(w http.ResponseWriter, r *http.Request) {
	t := e.objectType(w, r)
	if t == nil {
		return
	}
	var req searchRequest
	if !e.decodeBody(w, r, &req) {
		return
	}
	switch {
	case req.Limit < 0 || req.Limit > MaxSearchLimit:
		e.badRequest(w, fmt.Sprintf("limit must be between 0 and %d", MaxSearchLimit))
		return
	case req.Limit == 0:
		req.Limit = 10
	}
	if len(req.FilterGroups) > 5 {
		e.badRequest(w, "There can be at most 5 filterGroups")
		return
	}
	defs := e.propertyDefs(t.Name)
	total := 0
	for _, g := range req.FilterGroups {
		if len(g.Filters) > 6 {
			e.badRequest(w, "A filterGroup can have at most 6 filters")
			return
		}
		total += len(g.Filters)
		for _, f := range g.Filters {
			if _, ok := defs[f.PropertyName]; !ok {
				e.badRequest(w, fmt.Sprintf("There was a problem with the request: property %q does not exist on %s", f.PropertyName, t.Name))
				return
			}
			if !knownOperator(f.Operator) {
				e.badRequest(w, fmt.Sprintf("Invalid operator %q", f.Operator))
				return
			}
		}
	}
	if total > 18 {
		e.badRequest(w, "There can be at most 18 filters in all")
		return
	}
	sorts, err := parseSorts(req.Sorts)
	if err != nil || len(sorts) > 1 {
		e.badRequest(w, "sorts takes one sort: {\"propertyName\": ..., \"direction\": \"ASCENDING\"|\"DESCENDING\"}")
		return
	}
	offset := 0
	if after, _ := stringValue(req.After); after != "" {
		n, err := strconv.Atoi(after)
		if err != nil || n < 0 {
			e.badRequest(w, fmt.Sprintf("after must be an offset, was %s", after))
			return
		}
		offset = n
	}
	searchCap := int(e.searchCap.Load())
	if offset >= searchCap {
		e.badRequest(w, fmt.Sprintf("Search results are limited to %d: paging beyond it is not supported. Narrow the query instead.", searchCap))
		return
	}
	var matches []Object
	e.objects[t.Name].Each(func(o *Object) bool {
		if !o.Archived && e.matches(defs, o, req) {
			matches = append(matches, *o)
		}
		return true
	})
	if len(sorts) == 1 {
		s := sorts[0]
		def := defs[s.PropertyName]
		sort.SliceStable(matches, func(i, j int) bool {
			c := compareValues(def, matches[i].Properties[s.PropertyName], matches[j].Properties[s.PropertyName])
			if s.Direction == "DESCENDING" {
				return c > 0
			}
			return c < 0
		})
	} else {
		sort.SliceStable(matches, func(i, j int) bool { return idLess(matches[i].ID, matches[j].ID) })
	}
	results := []wireObject{}
	// Results past the cap are out of reach: the last page ends there.
	reachable := min(len(matches), searchCap)
	end := min(reachable, offset+req.Limit)
	for _, o := range matches[min(offset, reachable):end] {
		results = append(results, e.present(t, defs, o, req.Properties, false))
	}
	body := map[string]any{"total": len(matches), "results": results}
	if end < reachable {
		body["paging"] = map[string]any{"next": map[string]string{"after": strconv.Itoa(end)}}
	}
	emulator.WriteJSON(w, http.StatusOK, body)
}

func parseSorts(raw []json.RawMessage) ([]sortSpec, error) {
	var out []sortSpec
	for _, r := range raw {
		var s sortSpec
		if err := json.Unmarshal(r, &s); err != nil {
			// The reference also documents sorts as strings: "-createdate".
			var str string
			if err := json.Unmarshal(r, &str); err != nil {
				return nil, err
			}
			s = sortSpec{PropertyName: strings.TrimPrefix(str, "-"), Direction: "ASCENDING"}
			if strings.HasPrefix(str, "-") {
				s.Direction = "DESCENDING"
			}
		}
		if s.Direction == "" {
			s.Direction = "ASCENDING"
		}
		if s.Direction != "ASCENDING" && s.Direction != "DESCENDING" {
			return nil, fmt.Errorf("bad direction %q", s.Direction)
		}
		out = append(out, s)
	}
	return out, nil
}

func knownOperator(op string) bool {
	switch op {
	case "EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY",
		"CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN":
		return true
	}
	return false
}

func (e *Emulator) matches(defs map[string]Property, o *Object, req searchRequest) bool {
	if q := strings.ToLower(strings.TrimSpace(req.Query)); q != "" {
		hit := false
		for _, p := range []string{"firstname", "lastname", "email", "name", "domain", "dealname", "hs_lead_name",
			"hs_call_title", "hs_meeting_title", "hs_email_subject", "hs_task_subject", "hs_note_body"} {
			if strings.Contains(strings.ToLower(o.Properties[p]), q) {
				hit = true
				break
			}
		}
		if !hit {
			return false
		}
	}
	if len(req.FilterGroups) == 0 {
		return true
	}
	for _, g := range req.FilterGroups {
		all := true
		for _, f := range g.Filters {
			if !filterMatches(defs[f.PropertyName], o.Properties[f.PropertyName], f) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

func filterMatches(def Property, have string, f searchFilter) bool {
	value, _ := stringValue(f.Value)
	switch f.Operator {
	case "HAS_PROPERTY":
		return have != ""
	case "NOT_HAS_PROPERTY":
		return have == ""
	case "IN", "NOT_IN":
		in := false
		for _, v := range f.Values {
			s, _ := stringValue(v)
			if compareValues(def, have, s) == 0 && have != "" {
				in = true
			}
		}
		return in == (f.Operator == "IN")
	case "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN":
		hit := strings.Contains(strings.ToLower(have), strings.ToLower(strings.Trim(value, "*")))
		return hit == (f.Operator == "CONTAINS_TOKEN")
	}
	if have == "" {
		return f.Operator == "NEQ"
	}
	c := compareValues(def, have, value)
	switch f.Operator {
	case "EQ":
		return c == 0
	case "NEQ":
		return c != 0
	case "LT":
		return c < 0
	case "LTE":
		return c <= 0
	case "GT":
		return c > 0
	case "GTE":
		return c >= 0
	case "BETWEEN":
		high, _ := stringValue(f.HighValue)
		return c >= 0 && compareValues(def, have, high) <= 0
	}
	return false
}

// compareValues compares two property values by the property's type:
// dates as instants (a filter may give ISO 8601 or Unix milliseconds),
// numbers as numbers, the rest as strings, case-insensitively.
func compareValues(def Property, a, b string) int {
	switch def.Type {
	case "date", "datetime":
		ta, okA := parseTimeValue(a)
		tb, okB := parseTimeValue(b)
		if okA && okB {
			return ta.Compare(tb)
		}
	case "number":
		fa, errA := strconv.ParseFloat(a, 64)
		fb, errB := strconv.ParseFloat(b, 64)
		if errA == nil && errB == nil {
			switch {
			case fa < fb:
				return -1
			case fa > fb:
				return 1
			}
			return 0
		}
	}
	return strings.Compare(strings.ToLower(a), strings.ToLower(b))
}
