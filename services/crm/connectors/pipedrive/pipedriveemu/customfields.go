package pipedriveemu

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/unimesh/unimesh/pkg/emulator"
)

// fieldEntities are the entities with a v1 *Fields endpoint the emulator
// serves. Leads have none of their own: they take the deal fields.
var fieldEntities = []string{"person", "organization", "deal", "activity", "note"}

// systemFields are the built-in fields each *Fields endpoint lists before
// the custom ones: key, name, type.
var systemFields = map[string][][3]string{
	"person": {
		{"name", "Name", "varchar"}, {"first_name", "First name", "varchar"}, {"last_name", "Last name", "varchar"},
		{"org_id", "Organization", "org"}, {"owner_id", "Owner", "user"}, {"emails", "Email", "varchar"},
		{"phones", "Phone", "phone"}, {"label_ids", "Labels", "set"}, {"job_title", "Job title", "varchar"},
		{"add_time", "Person created", "date"}, {"update_time", "Update time", "date"}, {"visible_to", "Visible to", "visible_to"},
	},
	"organization": {
		{"name", "Name", "varchar"}, {"owner_id", "Owner", "user"}, {"address", "Address", "address"},
		{"label_ids", "Labels", "set"}, {"add_time", "Organization created", "date"}, {"update_time", "Update time", "date"},
		{"visible_to", "Visible to", "visible_to"},
	},
	"deal": {
		{"title", "Title", "varchar"}, {"value", "Value", "monetary"}, {"currency", "Currency", "varchar"},
		{"status", "Status", "status"}, {"pipeline_id", "Pipeline", "double"}, {"stage_id", "Stage", "stage"},
		{"person_id", "Contact person", "people"}, {"org_id", "Organization", "org"}, {"owner_id", "Owner", "user"},
		{"probability", "Probability", "double"}, {"expected_close_date", "Expected close date", "date"},
		{"lost_reason", "Lost reason", "varchar"}, {"close_time", "Deal closed on", "date"}, {"won_time", "Won time", "date"},
		{"lost_time", "Lost time", "date"}, {"label_ids", "Label", "set"}, {"origin", "Source origin", "varchar"},
		{"add_time", "Deal created", "date"}, {"update_time", "Update time", "date"},
	},
	"activity": {
		{"subject", "Subject", "varchar"}, {"type", "Type", "enum"}, {"due_date", "Due date", "date"},
		{"due_time", "Due time", "time"}, {"duration", "Duration", "time"}, {"done", "Done", "enum"},
		{"note", "Note", "text"}, {"person_id", "Contact person", "people"}, {"org_id", "Organization", "org"},
		{"deal_id", "Deal", "double"}, {"lead_id", "Lead", "varchar"}, {"owner_id", "Assigned to user", "user"},
		{"add_time", "Add time", "date"}, {"update_time", "Update time", "date"},
	},
	"note": {
		{"content", "Content", "text"}, {"deal_id", "Deal", "double"}, {"person_id", "Person", "people"},
		{"org_id", "Organization", "org"}, {"lead_id", "Lead", "varchar"}, {"user_id", "User", "user"},
		{"add_time", "Add time", "date"}, {"update_time", "Update time", "date"},
	},
}

// defaultLabels are the labels Pipedrive gives persons and organizations.
var defaultLabels = []FieldOption{
	{Label: "Customer", Color: "green"}, {Label: "Hot lead", Color: "red"},
	{Label: "Warm lead", Color: "yellow"}, {Label: "Cold lead", Color: "blue"},
}

func (e *Emulator) installSystemFields() {
	optionID := int64(0)
	for _, entity := range fieldEntities {
		for i, sf := range systemFields[entity] {
			f := Field{Key: sf[0], Name: sf[1], FieldType: sf[2], OrderNr: i, ActiveFlag: true, EditFlag: false,
				IndexVisibleFlag: true, DetailsVisibleFlag: true, AddVisibleFlag: true, BulkEditAllowed: true,
				SearchableFlag: false, FilteringAllowed: true, SortableFlag: true}
			if sf[0] == "label_ids" && entity != "deal" {
				for _, o := range defaultLabels {
					optionID++
					o.ID = optionID
					f.Options = append(f.Options, o)
				}
			}
			e.Fields[entity].Insert(f)
		}
	}
}

// AddCustomField adds a custom field to an entity ("person",
// "organization", "deal"), with options for enum and set fields, and
// returns it with its 40-character key. Leads take the deal fields.
func (e *Emulator) AddCustomField(entity, name, fieldType string, options ...string) Field {
	coll := e.Fields[entity]
	maxOpt := int64(0)
	for _, ent := range fieldEntities {
		e.Fields[ent].Each(func(f *Field) bool {
			for _, o := range f.Options {
				maxOpt = max(maxOpt, o.ID)
			}
			return true
		})
	}
	f := Field{Key: fieldKey(entity, name), Name: name, FieldType: fieldType, OrderNr: coll.Len(), ActiveFlag: true,
		EditFlag: true, IndexVisibleFlag: true, DetailsVisibleFlag: true, AddVisibleFlag: true, BulkEditAllowed: true,
		SearchableFlag: true, FilteringAllowed: true, SortableFlag: true}
	for _, o := range options {
		maxOpt++
		f.Options = append(f.Options, FieldOption{ID: maxOpt, Label: o})
	}
	return coll.Insert(f)
}

// customDefs are an entity's custom fields by key.
func (e *Emulator) customDefs(entity string) map[string]Field {
	out := map[string]Field{}
	e.Fields[entity].Each(func(f *Field) bool {
		if f.EditFlag && f.ActiveFlag {
			out[f.Key] = *f
		}
		return true
	})
	return out
}

// labelOptions are the option ids of an entity's label_ids field.
func (e *Emulator) labelOptions(entity string) map[int64]bool {
	out := map[int64]bool{}
	e.Fields[entity].Each(func(f *Field) bool {
		if f.Key == "label_ids" {
			for _, o := range f.Options {
				out[o.ID] = true
			}
		}
		return true
	})
	return out
}

func (e *Emulator) checkLabels(entity string, b *body, ids []int64) {
	opts := e.labelOptions(entity)
	for i, id := range ids {
		if !opts[id] {
			b.add(fmt.Sprintf("label_ids[%d]", i), fmt.Sprintf("label %d does not exist", id))
		}
	}
}

// applyCustomV2 merges a v2 body's custom_fields into cur: keys are the
// 40-character hashes, values in the v2 format of their field type; null
// clears a field.
func (e *Emulator) applyCustomV2(entity string, b *body, cur map[string]any) map[string]any {
	raw, ok := b.raw["custom_fields"]
	if !ok {
		return cur
	}
	b.used["custom_fields"] = true
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		b.add("custom_fields", "must be an object keyed by custom field key")
		return cur
	}
	defs := e.customDefs(entity)
	out := map[string]any{}
	for k, v := range cur {
		out[k] = v
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f, ok := defs[k]
		if !ok {
			b.add("custom_fields."+k, "is not a custom field of this entity")
			continue
		}
		val, msg := canonicalValue(f, obj[k], false)
		switch {
		case msg != "":
			b.add("custom_fields."+k, msg)
		case val == nil:
			delete(out, k)
		default:
			out[k] = val
		}
	}
	return out
}

var leadCustomKeyRE = regexp.MustCompile(`^([0-9a-f]{40})(?:_([a-z_]+))?$`)

// applyCustomV1 merges the deal custom fields a v1 lead body sets at its
// top level, the v1 way: an option id as a number or string, several as
// "1,2", a monetary amount with its key_currency twin.
func (e *Emulator) applyCustomV1(b *body, cur map[string]any) map[string]any {
	defs := e.customDefs("deal")
	out := map[string]any{}
	for k, v := range cur {
		out[k] = v
	}
	keys := make([]string, 0, len(b.raw))
	for k := range b.raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		m := leadCustomKeyRE.FindStringSubmatch(k)
		if m == nil {
			continue
		}
		b.used[k] = true
		f, ok := defs[m[1]]
		if !ok {
			b.add(k, "is not a custom field of deals and leads")
			continue
		}
		if m[2] != "" {
			if f.FieldType != "monetary" || m[2] != "currency" {
				b.add(k, "is not a subfield of "+f.Key)
			}
			continue // read with its parent
		}
		raw := b.raw[k]
		if f.FieldType == "monetary" && !isNull(raw) {
			n, ok := b.parseNumber(raw)
			if !ok {
				b.add(k, "must be a number")
				continue
			}
			cur := "USD"
			if c, ok := b.raw[k+"_currency"]; ok {
				if json.Unmarshal(c, &cur) != nil || !currencyRE.MatchString(cur) {
					b.add(k+"_currency", "must be a 3-letter currency code")
					continue
				}
			}
			fv, _ := n.Float64()
			out[k] = map[string]any{"value": fv, "currency": cur}
			continue
		}
		val, msg := canonicalValue(f, raw, true)
		switch {
		case msg != "":
			b.add(k, msg)
		case val == nil:
			delete(out, k)
		default:
			out[k] = val
		}
	}
	return out
}

// canonicalValue checks a custom field value against its type and returns
// it in the emulator's canonical (v2) form, nil to clear.
func canonicalValue(f Field, raw json.RawMessage, v1 bool) (any, string) {
	if isNull(raw) {
		return nil, ""
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		return nil, "is not valid JSON"
	}
	optionIDs := map[int64]bool{}
	for _, o := range f.Options {
		optionIDs[o.ID] = true
	}
	asInt := func(x any) (int64, bool) {
		switch n := x.(type) {
		case json.Number:
			i, err := n.Int64()
			return i, err == nil
		case string:
			if v1 {
				i, err := strconv.ParseInt(strings.TrimSpace(n), 10, 64)
				return i, err == nil
			}
		}
		return 0, false
	}
	switch f.FieldType {
	case "varchar", "varchar_auto", "text", "phone":
		s, ok := v.(string)
		if !ok {
			return nil, "must be a string"
		}
		if s == "" {
			return nil, ""
		}
		return s, ""
	case "double":
		n, ok := v.(json.Number)
		if !ok && v1 {
			if s, isStr := v.(string); isStr {
				n, ok = json.Number(s), true
			}
		}
		f, err := n.Float64()
		if !ok || err != nil {
			return nil, "must be a number"
		}
		return f, ""
	case "monetary":
		m, ok := v.(map[string]any)
		if !ok {
			return nil, "must be an object with value and currency"
		}
		n, ok := m["value"].(json.Number)
		c, _ := m["currency"].(string)
		fv, err := n.Float64()
		if !ok || err != nil || !currencyRE.MatchString(c) {
			return nil, "must be an object with a numeric value and a 3-letter currency"
		}
		return map[string]any{"value": fv, "currency": c}, ""
	case "date":
		s, ok := v.(string)
		if !ok || !dateRE.MatchString(s) {
			return nil, "must be a date in the format YYYY-MM-DD"
		}
		return s, ""
	case "enum":
		id, ok := asInt(v)
		if !ok || !optionIDs[id] {
			return nil, "must be the id of one of the field's options"
		}
		return float64(id), ""
	case "set":
		var items []any
		switch x := v.(type) {
		case []any:
			items = x
		case string:
			if !v1 {
				return nil, "must be an array of option ids"
			}
			for _, p := range strings.Split(x, ",") {
				if p = strings.TrimSpace(p); p != "" {
					items = append(items, p)
				}
			}
		default:
			return nil, "must be an array of option ids"
		}
		out := make([]any, 0, len(items))
		for _, it := range items {
			id, ok := asInt(it)
			if !ok || !optionIDs[id] {
				return nil, "must hold ids of the field's options"
			}
			out = append(out, float64(id))
		}
		if len(out) == 0 {
			return nil, ""
		}
		return out, ""
	case "user", "org", "people":
		id, ok := asInt(v)
		if !ok || id <= 0 {
			return nil, "must be an id"
		}
		return float64(id), ""
	case "address":
		a, msg := parseAddress(raw)
		if msg != "" {
			return nil, msg
		}
		b, _ := json.Marshal(a)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		return m, ""
	}
	var plain any
	_ = json.Unmarshal(raw, &plain)
	return plain, ""
}

// presentCustomV2 is an entity's custom_fields as API v2 answers them:
// every custom field key, null when empty.
func (e *Emulator) presentCustomV2(entity string, stored map[string]any) map[string]any {
	out := map[string]any{}
	for k := range e.customDefs(entity) {
		out[k] = nil
	}
	for k, v := range stored {
		out[k] = v
	}
	return out
}

// customV1 writes a lead's custom fields the v1 way, only those set.
func (e *Emulator) customV1(stored map[string]any) map[string]any {
	defs := e.customDefs("deal")
	out := map[string]any{}
	for k, v := range stored {
		f, ok := defs[k]
		if !ok {
			continue
		}
		switch f.FieldType {
		case "enum", "user", "org", "people":
			if n, ok := v.(float64); ok {
				if f.FieldType == "enum" {
					out[k] = strconv.FormatFloat(n, 'f', -1, 64)
				} else {
					out[k] = n
				}
			}
		case "set":
			items, _ := v.([]any)
			parts := make([]string, 0, len(items))
			for _, it := range items {
				if n, ok := it.(float64); ok {
					parts = append(parts, strconv.FormatFloat(n, 'f', -1, 64))
				}
			}
			out[k] = strings.Join(parts, ",")
		case "monetary":
			if m, ok := v.(map[string]any); ok {
				out[k] = m["value"]
				out[k+"_currency"] = m["currency"]
			}
		case "address":
			if m, ok := v.(map[string]any); ok {
				out[k] = m["value"]
				for part, pv := range m {
					if part != "value" {
						out[k+"_"+part] = pv
					}
				}
			}
		default:
			out[k] = v
		}
	}
	return out
}

// listFields serves GET /api/v1/<entity>Fields: start/limit paging.
func (e *Emulator) listFields(entity string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		v := &validation{}
		start, limit := v1Paging(q, v)
		if !v.ok() {
			v.write(w)
			return
		}
		items, _, total, _ := e.Fields[entity].List(emulator.Query[Field]{Offset: start, Limit: limit})
		writeV1List(w, items, start, limit, total)
	}
}
