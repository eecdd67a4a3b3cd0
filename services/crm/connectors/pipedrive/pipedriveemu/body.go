package pipedriveemu

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// body reads a JSON request body field by field, the way Pipedrive
// validates it: API v2 is strict (numbers are numbers, booleans are
// booleans, unknown keys are refused); API v1 coerces numeric strings and
// 0/1 flags, as it always did.
type body struct {
	raw  map[string]json.RawMessage
	used map[string]bool
	v1   bool
	*validation
}

func readBody(r *http.Request, v1 bool) (*body, *validation) {
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		v := &validation{}
		v.add("body", "could not be read")
		return nil, v
	}
	return parseBody(b, v1)
}

// parseBody reads a request body already read into raw: a JSON object,
// or nothing.
func parseBody(raw []byte, v1 bool) (*body, *validation) {
	v := &validation{}
	m := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			v.add("body", "must be a JSON object")
			return nil, v
		}
	}
	return &body{raw: m, used: map[string]bool{}, v1: v1, validation: v}, nil
}

// has reports whether the body sets key, and marks it used.
func (b *body) has(key string) bool {
	_, ok := b.raw[key]
	if ok {
		b.used[key] = true
	}
	return ok
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// str reads a string; null reads as "" (and nullable reports it).
func (b *body) str(key string, dst *string) bool {
	raw, ok := b.raw[key]
	if !ok {
		return false
	}
	b.used[key] = true
	if isNull(raw) {
		*dst = ""
		return true
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		b.add(key, "must be a string")
		return false
	}
	return true
}

// optStr reads a nullable string: null or "" clear it.
func (b *body) optStr(key string, dst **string) bool {
	var s string
	if !b.str(key, &s) {
		return false
	}
	if s == "" {
		*dst = nil
	} else {
		*dst = &s
	}
	return true
}

// integer reads an id or count; null reads as nil.
func (b *body) integer(key string, dst **int64) bool {
	raw, ok := b.raw[key]
	if !ok {
		return false
	}
	b.used[key] = true
	if isNull(raw) {
		*dst = nil
		return true
	}
	n, ok := b.parseInt(raw)
	if !ok {
		b.add(key, "must be an integer")
		return false
	}
	*dst = &n
	return true
}

func (b *body) parseInt(raw json.RawMessage) (int64, bool) {
	var n int64
	if err := json.Unmarshal(raw, &n); err == nil {
		return n, true
	}
	if b.v1 {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
				return n, true
			}
		}
	}
	return 0, false
}

func (b *body) boolean(key string, dst *bool) bool {
	raw, ok := b.raw[key]
	if !ok {
		return false
	}
	b.used[key] = true
	if err := json.Unmarshal(raw, dst); err == nil {
		return true
	}
	if b.v1 {
		switch strings.Trim(string(raw), `"`) {
		case "1":
			*dst = true
			return true
		case "0":
			*dst = false
			return true
		}
	}
	b.add(key, "must be a boolean")
	return false
}

// number reads an amount keeping its exact text.
func (b *body) number(key string, dst *json.Number) bool {
	raw, ok := b.raw[key]
	if !ok {
		return false
	}
	b.used[key] = true
	if isNull(raw) {
		*dst = "0"
		return true
	}
	n, ok := b.parseNumber(raw)
	if !ok {
		b.add(key, "must be a number")
		return false
	}
	*dst = n
	return true
}

func (b *body) parseNumber(raw json.RawMessage) (json.Number, bool) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		return "", false
	}
	switch n := v.(type) {
	case json.Number:
		return n, true
	case string:
		if b.v1 {
			if _, err := strconv.ParseFloat(n, 64); err == nil {
				return json.Number(n), true
			}
		}
	}
	return "", false
}

func (b *body) float(key string, dst **float64) bool {
	raw, ok := b.raw[key]
	if !ok {
		return false
	}
	b.used[key] = true
	if isNull(raw) {
		*dst = nil
		return true
	}
	n, ok := b.parseNumber(raw)
	f, err := n.Float64()
	if !ok || err != nil {
		b.add(key, "must be a number")
		return false
	}
	*dst = &f
	return true
}

func (b *body) integers(key string, dst *[]int64) bool {
	raw, ok := b.raw[key]
	if !ok {
		return false
	}
	b.used[key] = true
	if isNull(raw) {
		*dst = []int64{}
		return true
	}
	var out []int64
	if err := json.Unmarshal(raw, &out); err != nil {
		b.add(key, "must be an array of integers")
		return false
	}
	if out == nil {
		out = []int64{}
	}
	*dst = out
	return true
}

var (
	dateRE     = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	hourMinRE  = regexp.MustCompile(`^\d{2}:\d{2}$`)
	currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)
)

// date reads an optional YYYY-MM-DD.
func (b *body) date(key string, dst **string) bool {
	var s *string
	if !b.optStr(key, &s) {
		return false
	}
	if s != nil {
		if _, err := time.Parse(dateOnly, *s); err != nil || !dateRE.MatchString(*s) {
			b.add(key, "must be a date in the format YYYY-MM-DD")
			return false
		}
	}
	*dst = s
	return true
}

// hourMinute reads an optional HH:MM (due_time, duration).
func (b *body) hourMinute(key string, dst **string) bool {
	var s *string
	if !b.optStr(key, &s) {
		return false
	}
	if s != nil {
		h, m, _ := strings.Cut(*s, ":")
		hh, _ := strconv.Atoi(h)
		mm, _ := strconv.Atoi(m)
		if !hourMinRE.MatchString(*s) || mm > 59 || (key == "due_time" && hh > 23) {
			b.add(key, "must be a time in the format HH:MM")
			return false
		}
	}
	*dst = s
	return true
}

// labeled reads emails or phones: [{value, label, primary}], label among
// labels (default "work"); the first is primary when none is.
func (b *body) labeled(key string, labels []string, dst *[]LabeledValue) bool {
	raw, ok := b.raw[key]
	if !ok {
		return false
	}
	b.used[key] = true
	var in []struct {
		Value   *string `json:"value"`
		Label   *string `json:"label"`
		Primary *bool   `json:"primary"`
	}
	if !isNull(raw) {
		if err := json.Unmarshal(raw, &in); err != nil {
			b.add(key, "must be an array of objects with value, label and primary")
			return false
		}
	}
	out := []LabeledValue{}
	primaries := 0
	for i, v := range in {
		f := fmt.Sprintf("%s[%d]", key, i)
		if v.Value == nil || strings.TrimSpace(*v.Value) == "" {
			b.add(f+".value", "is required")
			continue
		}
		lv := LabeledValue{Value: strings.TrimSpace(*v.Value), Label: "work"}
		if v.Label != nil && *v.Label != "" {
			if !slices.Contains(labels, *v.Label) {
				b.add(f+".label", "must be one of "+strings.Join(labels, ", "))
				continue
			}
			lv.Label = *v.Label
		}
		if v.Primary != nil && *v.Primary {
			lv.Primary = true
			primaries++
		}
		out = append(out, lv)
	}
	if primaries > 1 {
		b.add(key, "at most one value can be primary")
	}
	if primaries == 0 && len(out) > 0 {
		out[0].Primary = true
	}
	*dst = out
	return true
}

// address reads an address object: value is required, the parts optional.
func (b *body) address(key string, dst **Address) bool {
	raw, ok := b.raw[key]
	if !ok {
		return false
	}
	b.used[key] = true
	if isNull(raw) {
		*dst = nil
		return true
	}
	a, msg := parseAddress(raw)
	if msg != "" {
		b.add(key, msg)
		return false
	}
	*dst = a
	return true
}

func parseAddress(raw json.RawMessage) (*Address, string) {
	var a Address
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(&a); err != nil {
		return nil, "must be an address object with a value"
	}
	if strings.TrimSpace(a.Value) == "" {
		return nil, "value of an address is required"
	}
	if a.FormattedAddress == nil {
		a.FormattedAddress = &a.Value
	}
	return &a, ""
}

// unknown refuses the keys nobody read: API v2 does not take fields it
// does not know. API v1 ignores them.
func (b *body) unknown() {
	if b.v1 {
		return
	}
	for k := range b.raw {
		if !b.used[k] {
			b.add(k, "is not a field of this entity, or it is read-only")
		}
	}
}
