package pipedrive

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/structpb"

	"github.com/unimesh/unimesh/pkg/cache"
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/normalize"
)

// Custom fields. Pipedrive keys them by a 40-character hash; the unified
// custom_fields speak their names, resolved through the entity's *Fields
// endpoint (/api/v1/personFields, organizationFields, dealFields — leads
// take the deal fields), cached per connection for fieldsTTL.
//
// Names: a custom field is named by its name in Pipedrive. When several
// custom fields of one entity share a name, the one created first (the
// lowest field id) keeps the plain name and each other is named
// "<name> (<key>)", so that a name never changes when a later field is
// added. On writes, a field's 40-character key is accepted as its name too.
//
// Values: single-option (enum) fields read as the option's label and are
// written by label (or option id); multiple-option (set) fields read and
// write lists of labels. Other types pass as Pipedrive's API v2 writes
// them (monetary as {value, currency}, address as an object...).

const fieldsTTL = 5 * time.Minute

var hashKeyRE = regexp.MustCompile(`^[0-9a-f]{40}$`)

// fieldDef is one field of an entity.
type fieldDef struct {
	id   int64
	key  string
	name string
	typ  string
	// optionLabel maps an option id ("12") to its label; optionID the reverse.
	optionLabel map[string]string
	optionID    map[string]string
	labels      []string
}

// fieldSet is an entity's fields as the connector uses them.
type fieldSet struct {
	custom map[string]*fieldDef // by key
	byName map[string]*fieldDef // by unified name
	names  map[string]string    // key → unified name
	// tags is the entity's label field (label_ids, "label" in older accounts).
	tags *fieldDef
}

// optionKey writes an option id as text: 12, "12" and 12.0 are one id.
func optionKey(raw any) (string, bool) {
	switch v := raw.(type) {
	case json.Number:
		return optionKey(v.String())
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case string:
		s := strings.TrimSpace(v)
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return strconv.FormatFloat(f, 'f', -1, 64), true
		}
		return s, s != ""
	}
	return "", false
}

func newFieldDef(f field) *fieldDef {
	d := &fieldDef{id: int64(f.ID), key: f.Key, name: f.Name, typ: f.FieldType, optionLabel: map[string]string{}, optionID: map[string]string{}}
	for _, o := range f.Options {
		var raw any
		dec := json.NewDecoder(bytes.NewReader(o.ID))
		dec.UseNumber()
		if dec.Decode(&raw) != nil {
			continue
		}
		id, ok := optionKey(raw)
		if !ok {
			continue
		}
		d.optionLabel[id] = o.Label
		if _, dup := d.optionID[o.Label]; !dup {
			d.optionID[o.Label] = id
			d.labels = append(d.labels, o.Label)
		}
	}
	return d
}

func newFieldSet(fields []field) *fieldSet {
	s := &fieldSet{custom: map[string]*fieldDef{}, byName: map[string]*fieldDef{}, names: map[string]string{}}
	var custom []*fieldDef
	for _, f := range fields {
		if f.ActiveFlag != nil && !*f.ActiveFlag {
			continue
		}
		switch {
		case bool(f.EditFlag) && hashKeyRE.MatchString(f.Key):
			custom = append(custom, newFieldDef(f))
		case f.Key == "label_ids" || (f.Key == "label" && s.tags == nil):
			s.tags = newFieldDef(f)
		}
	}
	sort.SliceStable(custom, func(i, j int) bool { return custom[i].id < custom[j].id })
	for _, d := range custom {
		name := d.name
		if _, taken := s.byName[name]; taken || name == "" {
			name = fmt.Sprintf("%s (%s)", d.name, d.key)
		}
		s.custom[d.key], s.byName[name], s.names[d.key] = d, d, name
	}
	return s
}

// name is the unified name of a custom field key (the key itself when the
// field is unknown, such as one created since the definitions were read).
func (s *fieldSet) name(key string) string {
	if n, ok := s.names[key]; ok {
		return n
	}
	return key
}

// lookup finds a custom field by unified name or by key.
func (s *fieldSet) lookup(name string) (*fieldDef, bool) {
	if d, ok := s.byName[name]; ok {
		return d, true
	}
	d, ok := s.custom[name]
	return d, ok
}

// known reports whether every name of a custom_fields struct is known.
func (s *fieldSet) known(in *structpb.Struct) bool {
	for name := range in.GetFields() {
		if _, ok := s.lookup(name); !ok {
			return false
		}
	}
	return true
}

// decodeValue decodes a JSON value keeping numbers' text.
func decodeValue(raw json.RawMessage) any {
	// Most custom values are null or scalars: they are read without a
	// Decoder, whose buffer was half of a list's allocations. raw is part of
	// a document already parsed, so a leading digit or '-' is a valid number.
	switch raw = bytes.TrimSpace(raw); {
	case len(raw) == 0 || string(raw) == "null":
		return nil
	case string(raw) == "true":
		return true
	case string(raw) == "false":
		return false
	case raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9':
		return json.Number(raw)
	case raw[0] == '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil
		}
		return s
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil
	}
	return v
}

// structValue turns a decoded JSON value into what a Struct holds.
func structValue(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, _ := x.Float64()
		return f
	case []any:
		out := make([]any, len(x))
		for i, it := range x {
			out[i] = structValue(it)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, it := range x {
			out[k] = structValue(it)
		}
		return out
	}
	return v
}

// readValue reads one custom value by its field's type.
func (d *fieldDef) readValue(v any) any {
	switch {
	case d == nil || v == nil:
		return structValue(v)
	case d.typ == "enum":
		if id, ok := optionKey(v); ok {
			if l, ok := d.optionLabel[id]; ok {
				return l
			}
		}
	case d.typ == "set":
		var items []any
		switch x := v.(type) {
		case []any:
			items = x
		case string: // API v1: "12,14"
			for _, p := range strings.Split(x, ",") {
				if p = strings.TrimSpace(p); p != "" {
					items = append(items, p)
				}
			}
		}
		out := make([]any, 0, len(items))
		for _, it := range items {
			id, _ := optionKey(it)
			if l, ok := d.optionLabel[id]; ok {
				out = append(out, l)
			} else {
				out = append(out, structValue(it))
			}
		}
		return out
	}
	return structValue(v)
}

// readV2 reads API v2's custom_fields object; empty fields are left out.
func (s *fieldSet) readV2(values customValues) map[string]any {
	out := map[string]any{}
	for key, raw := range values {
		v := decodeValue(raw)
		if v == nil {
			continue
		}
		out[s.name(key)] = s.custom[key].readValue(v)
	}
	return out
}

var subfieldRE = regexp.MustCompile(`^([0-9a-f]{40})_([a-z0-9_]+)$`)

// readV1 reads the custom fields API v1 sets at a record's top level
// (leads): subfields such as <key>_currency fold into their field, as API
// v2 writes them.
func (s *fieldSet) readV1(raw json.RawMessage) map[string]any {
	var top map[string]json.RawMessage
	if json.Unmarshal(raw, &top) != nil {
		return nil
	}
	out := map[string]any{}
	for key, r := range top {
		if !hashKeyRE.MatchString(key) {
			continue
		}
		v := decodeValue(r)
		if v == nil {
			continue
		}
		d := s.custom[key]
		subs := map[string]any{}
		for k2, r2 := range top {
			if m := subfieldRE.FindStringSubmatch(k2); m != nil && m[1] == key {
				if sv := decodeValue(r2); sv != nil {
					subs[m[2]] = structValue(sv)
				}
			}
		}
		if len(subs) > 0 {
			obj := map[string]any{"value": structValue(v)}
			for k2, sv := range subs {
				obj[k2] = sv
			}
			out[s.name(key)] = obj
			continue
		}
		out[s.name(key)] = d.readValue(v)
	}
	return out
}

// writeValue converts one unified value for Pipedrive; v1 writes options
// and amounts the v1 way.
func (d *fieldDef) writeValue(field string, v any, v1 bool) (map[string]any, error) {
	out := map[string]any{}
	if v == nil {
		out[d.key] = nil
		if v1 && d.typ == "monetary" {
			out[d.key+"_currency"] = nil
		}
		return out, nil
	}
	option := func(x any) (string, error) {
		if s, ok := x.(string); ok {
			if id, ok := d.optionID[s]; ok {
				return id, nil
			}
		}
		if id, ok := optionKey(x); ok {
			if _, ok := d.optionLabel[id]; ok {
				return id, nil
			}
		}
		return "", connector.BadField(field, "%v is not an option of %s; options: %s", x, d.name, strings.Join(d.labels, ", "))
	}
	switch d.typ {
	case "enum":
		id, err := option(v)
		if err != nil {
			return nil, err
		}
		out[d.key] = json.Number(id)
	case "set":
		items, ok := v.([]any)
		if !ok {
			items = []any{v}
		}
		ids := make([]json.Number, 0, len(items))
		texts := make([]string, 0, len(items))
		for _, it := range items {
			id, err := option(it)
			if err != nil {
				return nil, err
			}
			ids, texts = append(ids, json.Number(id)), append(texts, id)
		}
		if v1 {
			out[d.key] = strings.Join(texts, ",")
		} else {
			out[d.key] = ids
		}
	case "monetary":
		m, ok := v.(map[string]any)
		if !ok {
			return nil, connector.BadField(field, "%s is an amount: write {\"value\": 100, \"currency\": \"EUR\"}", d.name)
		}
		if v1 {
			out[d.key], out[d.key+"_currency"] = m["value"], m["currency"]
		} else {
			out[d.key] = m
		}
	default:
		out[d.key] = v
	}
	return out, nil
}

// write converts unified custom_fields to Pipedrive's keys and values.
func (s *fieldSet) write(in *structpb.Struct, v1 bool) (map[string]any, error) {
	m := in.AsMap()
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	sort.Strings(names)
	out := map[string]any{}
	by := map[string]string{} // key → the name that wrote it
	for _, name := range names {
		field := "custom_fields." + name
		d, ok := s.lookup(name)
		if !ok {
			return nil, connector.BadField(field, "Pipedrive has no custom field named %q", name)
		}
		if other, dup := by[d.key]; dup {
			return nil, connector.BadField(field, "names the same Pipedrive field as %q", other)
		}
		by[d.key] = name
		vals, err := d.writeValue(field, m[name], v1)
		if err != nil {
			return nil, err
		}
		for k, v := range vals {
			out[k] = v
		}
	}
	return out, nil
}

// readTags reads label ids as label names.
func (s *fieldSet) readTags(ids []ref) []string {
	var out []string
	for _, id := range ids {
		key := strconv.FormatInt(int64(id), 10)
		if s.tags != nil {
			if l, ok := s.tags.optionLabel[key]; ok {
				out = append(out, l)
				continue
			}
		}
		out = append(out, key)
	}
	return out
}

// writeTags writes label names as label ids.
func (s *fieldSet) writeTags(field string, tags []string) ([]json.Number, error) {
	out := make([]json.Number, 0, len(tags))
	for i, t := range tags {
		var id string
		var ok bool
		if s.tags != nil {
			id, ok = s.tags.optionID[t]
		}
		if !ok {
			var labels []string
			if s.tags != nil {
				labels = s.tags.labels
			}
			return nil, connector.BadField(fmt.Sprintf("%s[%d]", field, i), "Pipedrive has no label %q; labels are managed in Pipedrive: %s", t, strings.Join(labels, ", "))
		}
		out = append(out, json.Number(id))
	}
	return out, nil
}

// fieldsCache holds each connection's field definitions.
type fieldsCache struct{ c *cache.Cache[*fieldSet] }

func newFieldsCache() *fieldsCache { return &fieldsCache{c: cache.New[*fieldSet](4096)} }

// get returns entity's fields ("person", "organization", "deal") for the
// connection; fresh reloads them (a name was not found).
func (fc *fieldsCache) get(ctx context.Context, c *connector.Conn, entity string, fresh bool) (*fieldSet, error) {
	// The connection id identifies the account; the base URL keeps apart
	// accounts behind one id in tests and dev (emulators restarted on new ports).
	key := c.ID + "\x00" + c.HTTP.BaseURL().String() + "\x00" + entity
	if fresh {
		fc.c.Delete(key)
	}
	return fc.c.Load(ctx, key, func(ctx context.Context) (*fieldSet, time.Duration, error) {
		var all []field
		for start := 0; start >= 0; {
			items, next, err := listV1[field](ctx, c, "/api/v1/"+entity+"Fields", nil, start, maxLimit)
			if err != nil {
				return nil, 0, err
			}
			for _, it := range items {
				all = append(all, it.rec)
			}
			start = next
		}
		return newFieldSet(all), fieldsTTL, nil
	})
}

// forWrite returns the fields for a write of custom_fields, reloading
// them once when a name is unknown (a field created in Pipedrive since).
func (fc *fieldsCache) forWrite(ctx context.Context, c *connector.Conn, entity string, custom *structpb.Struct) (*fieldSet, error) {
	fs, err := fc.get(ctx, c, entity, false)
	if err != nil || fs.known(custom) {
		return fs, err
	}
	return fc.get(ctx, c, entity, true)
}

// customStruct is the unified custom_fields of values read.
func customStruct(m map[string]any) *structpb.Struct { return normalize.Struct(m) }
