package hubspot

import (
	"context"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/structpb"

	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/providerhttp"
)

// propDef is what the connector keeps of a property definition.
type propDef struct {
	Name      string
	Type      string // string, number, date, datetime, enumeration, bool, phone_number
	FieldType string // text, select, checkbox, booleancheckbox, ...
	Custom    bool   // hubspotDefined false: the account's own property
	ReadOnly  bool
}

// propDefs are an object type's property definitions by name.
type propDefs map[string]propDef

// customNames are the custom properties, sorted: a read asks for them by
// name, since HubSpot returns only the properties asked for.
func (d propDefs) customNames() []string {
	var out []string
	for name, p := range d {
		if p.Custom {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// defs returns an object type's property definitions, cached per
// connection for a few minutes: every read needs the custom ones' names.
func (h *hub) defs(ctx context.Context, c *connector.Conn, typ string) (propDefs, error) {
	return h.props.Load(ctx, c.ID+"|"+typ, func(ctx context.Context) (propDefs, time.Duration, error) {
		resp, err := c.HTTP.Do(ctx, providerhttp.Request{Method: http.MethodGet, Path: "/crm/v3/properties/" + typ})
		if err != nil {
			return nil, 0, err
		}
		var body struct {
			Results []property `json:"results"`
		}
		if err := decode(c, resp.Body, &body); err != nil {
			return nil, 0, err
		}
		out := propDefs{}
		for _, p := range body.Results {
			if p.Archived {
				continue
			}
			out[p.Name] = propDef{Name: p.Name, Type: p.Type, FieldType: p.FieldType, Custom: !p.HubspotDefined,
				ReadOnly: p.ModificationMetadata.ReadOnlyValue || p.Calculated}
		}
		return out, cacheTTL, nil
	})
}

// readProps are the properties a read asks for: the mapped ones and the
// custom ones.
func readProps(mapped []string, defs propDefs) []string {
	return append(append([]string(nil), mapped...), defs.customNames()...)
}

// customFields reads a record's custom properties into custom_fields,
// typed by their definitions: numbers, booleans, multi-select lists,
// dates (YYYY-MM-DD) and datetimes (ISO 8601). Unset ones are left out.
func customFields(defs propDefs, o *object) *structpb.Struct {
	m := map[string]any{}
	for _, name := range defs.customNames() {
		v := o.prop(name)
		if v == "" {
			continue
		}
		m[name] = customValue(defs[name], v)
	}
	if len(m) == 0 {
		return nil
	}
	s, err := structpb.NewStruct(m)
	if err != nil {
		return nil
	}
	return s
}

func customValue(def propDef, v string) any {
	switch {
	case def.Type == "number":
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return f
		}
	case def.Type == "bool" || def.FieldType == "booleancheckbox":
		if b, err := strconv.ParseBool(v); err == nil {
			return b
		}
	case def.Type == "enumeration" && def.FieldType == "checkbox":
		var out []any
		for _, x := range splitList(v) {
			out = append(out, x)
		}
		return out
	case def.Type == "date":
		if d := dateOf(v); d != "" {
			return d
		}
	case def.Type == "datetime":
		if t, ok := parseTime(v); ok {
			return t.Format(timeLayout)
		}
	}
	return v
}

// writeCustom writes custom_fields into a body. Each key must name a
// custom property of the object: an unknown one, a HubSpot-defined one (it
// has a unified field, or is not the connector's to write) or a read-only
// one is refused, naming custom_fields.<name>. A null value clears the
// property; keys not given are left as they are.
func writeCustom(defs propDefs, objectLabel string, s *structpb.Struct, body map[string]any) error {
	keys := make([]string, 0, len(s.GetFields()))
	for k := range s.GetFields() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		field := "custom_fields." + k
		def, ok := defs[k]
		switch {
		case !ok:
			return connector.BadField(field, "HubSpot has no %s property %q", objectLabel, k)
		case !def.Custom:
			return connector.BadField(field, "%q is a HubSpot-defined %s property, not a custom one", k, objectLabel)
		case def.ReadOnly:
			return connector.BadField(field, "HubSpot's %s property %q is read-only", objectLabel, k)
		}
		v, err := customWriteValue(def, s.GetFields()[k])
		if err != nil {
			return connector.BadField(field, "%s", err.Error())
		}
		body[k] = v
	}
	return nil
}

type valueError string

func (e valueError) Error() string { return string(e) }

// customWriteValue turns a custom field value into HubSpot's string form.
func customWriteValue(def propDef, v *structpb.Value) (string, error) {
	if _, isNull := v.GetKind().(*structpb.Value_NullValue); isNull || v == nil {
		return "", nil
	}
	str, isStr := v.GetKind().(*structpb.Value_StringValue)
	num, isNum := v.GetKind().(*structpb.Value_NumberValue)
	b, isBool := v.GetKind().(*structpb.Value_BoolValue)
	list, isList := v.GetKind().(*structpb.Value_ListValue)
	formatNum := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	switch {
	case def.Type == "number":
		switch {
		case isNum:
			return formatNum(num.NumberValue), nil
		case isStr && isDecimal(strings.TrimSpace(str.StringValue)):
			return strings.TrimSpace(str.StringValue), nil
		}
		return "", valueError("a number property takes a number")
	case def.Type == "bool" || def.FieldType == "booleancheckbox":
		switch {
		case isBool:
			return strconv.FormatBool(b.BoolValue), nil
		case isStr && (str.StringValue == "true" || str.StringValue == "false"):
			return str.StringValue, nil
		}
		return "", valueError("a boolean property takes true or false")
	case def.Type == "enumeration" && def.FieldType == "checkbox":
		switch {
		case isList:
			parts := make([]string, 0, len(list.ListValue.GetValues()))
			for _, x := range list.ListValue.GetValues() {
				s, ok := x.GetKind().(*structpb.Value_StringValue)
				if !ok || strings.Contains(s.StringValue, ";") {
					return "", valueError("a multiple-checkbox property takes a list of option values")
				}
				parts = append(parts, s.StringValue)
			}
			return strings.Join(parts, ";"), nil
		case isStr:
			return str.StringValue, nil
		}
		return "", valueError("a multiple-checkbox property takes a list of option values")
	case def.Type == "date":
		if isStr {
			t, ok := parseTime(str.StringValue)
			if ok && t.Equal(t.Truncate(24*time.Hour)) {
				return t.Format("2006-01-02"), nil
			}
		}
		return "", valueError("a date property takes a date, YYYY-MM-DD")
	case def.Type == "datetime":
		if isStr {
			if t, ok := parseTime(str.StringValue); ok {
				return t.Format(timeLayout), nil
			}
		}
		return "", valueError("a datetime property takes an RFC 3339 time")
	}
	switch {
	case isStr:
		return str.StringValue, nil
	case isNum:
		return formatNum(num.NumberValue), nil
	case isBool:
		return strconv.FormatBool(b.BoolValue), nil
	}
	return "", valueError("HubSpot properties take a string, a number or a boolean")
}
