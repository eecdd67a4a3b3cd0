package salesforce

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Salesforce's wire format, as the REST API Developer Guide (API version
// 60.0) describes it.

// apiError is one element of the error array every failure answers.
type apiError struct {
	Message   string   `json:"message"`
	ErrorCode string   `json:"errorCode"`
	Fields    []string `json:"fields"`
}

// queryResult is a Query (or Query More Results) answer.
type queryResult struct {
	TotalSize      int               `json:"totalSize"`
	Done           bool              `json:"done"`
	NextRecordsURL string            `json:"nextRecordsUrl"`
	Records        []json.RawMessage `json:"records"`
}

// createResult is an sObject Create answer.
type createResult struct {
	ID      string     `json:"id"`
	Success bool       `json:"success"`
	Errors  []apiError `json:"errors"`
}

// describeResult is the part of sObject Describe the connector reads.
type describeResult struct {
	Name   string          `json:"name"`
	Fields []describeField `json:"fields"`
}

type describeField struct {
	Name           string `json:"name"`
	Label          string `json:"label"`
	Type           string `json:"type"`
	Length         int    `json:"length"`
	Precision      int    `json:"precision"`
	Scale          int    `json:"scale"`
	Custom         bool   `json:"custom"`
	Createable     bool   `json:"createable"`
	Updateable     bool   `json:"updateable"`
	Nillable       bool   `json:"nillable"`
	Calculated     bool   `json:"calculated"`
	PicklistValues []struct {
		Value  string `json:"value"`
		Active bool   `json:"active"`
	} `json:"picklistValues"`
}

// describe is an sObject's describe, indexed.
type describe struct {
	Name   string
	Fields []describeField
	byName map[string]*describeField
}

func newDescribe(r describeResult) *describe {
	d := &describe{Name: r.Name, Fields: r.Fields, byName: map[string]*describeField{}}
	for i := range d.Fields {
		d.byName[strings.ToLower(d.Fields[i].Name)] = &d.Fields[i]
	}
	return d
}

// field finds a field by name, whatever its case (SOQL and the REST API ignore it).
func (d *describe) field(name string) *describeField { return d.byName[strings.ToLower(name)] }

func (d *describe) has(name string) bool { return d.field(name) != nil }

// customFields are the object's custom fields the connector reads: every
// __c field but compound ones (geolocations), whose parts are fields too.
func (d *describe) customFields() []*describeField {
	var out []*describeField
	for i := range d.Fields {
		f := &d.Fields[i]
		if f.Custom && f.Type != "address" && f.Type != "location" {
			out = append(out, f)
		}
	}
	return out
}

// multiCurrency says the org keeps a currency per record.
func (d *describe) multiCurrency() bool { return d.has("CurrencyIsoCode") }

// picklist is a picklist field's active values.
func (d *describe) picklist(name string) []string {
	f := d.field(name)
	if f == nil {
		return nil
	}
	var out []string
	for _, p := range f.PicklistValues {
		if p.Active {
			out = append(out, p.Value)
		}
	}
	return out
}

// record is one record as Salesforce sent it: each field's JSON text, so
// numbers keep every digit, and the whole payload for include_raw.
type record struct {
	raw    json.RawMessage
	fields map[string]json.RawMessage
}

func parseRecord(b json.RawMessage) (record, error) {
	r := record{raw: b}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&r.fields); err != nil {
		return record{}, fmt.Errorf("decode Salesforce record: %w", err)
	}
	return r, nil
}

func (r record) str(k string) string {
	var s string
	if v, ok := r.fields[k]; ok {
		_ = json.Unmarshal(v, &s)
	}
	return s
}

func (r record) boolean(k string) bool {
	var b bool
	if v, ok := r.fields[k]; ok {
		_ = json.Unmarshal(v, &b)
	}
	return b
}

// num is a number field's JSON text ("" for null).
func (r record) num(k string) string {
	v, ok := r.fields[k]
	if !ok || string(v) == "null" {
		return ""
	}
	var n json.Number
	if json.Unmarshal(v, &n) != nil {
		return ""
	}
	return string(n)
}

// sfTime is how Salesforce writes a datetime: 2024-01-05T10:00:00.000+0000.
const sfTime = "2006-01-02T15:04:05.000-0700"

// parseTime reads a Salesforce datetime, and the ISO 8601 variants some
// endpoints write (Z, +00:00).
func parseTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	for _, layout := range []string{sfTime, "2006-01-02T15:04:05.999999999-0700", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func (r record) time(k string) time.Time {
	t, _ := parseTime(r.str(k))
	return t
}

// formatTime writes a datetime for Salesforce, in its own form.
func formatTime(t time.Time) string { return t.UTC().Format(sfTime) }

// rel is a lookup's related record ({"attributes":..., "Name":...}), or an empty one.
func (r record) rel(k string) record {
	v, ok := r.fields[k]
	if !ok || string(v) == "null" {
		return record{}
	}
	out, err := parseRecord(v)
	if err != nil {
		return record{}
	}
	return out
}

func (r record) id() string { return r.str("Id") }
