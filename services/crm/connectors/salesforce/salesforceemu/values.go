package salesforceemu

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Record is one stored record: field name → value. Values are nil, bool or
// string — numbers as canonical decimal text, dates as YYYY-MM-DD,
// datetimes in Salesforce's own form — so a record survives the JSON copy
// the store makes, with no float anywhere.
type Record map[string]any

// sfTime is Salesforce's datetime format: milliseconds and a +0000 offset.
const sfTime = "2006-01-02T15:04:05.000-0700"

func formatTime(t time.Time) string { return t.UTC().Format(sfTime) }

// parseTime reads the datetimes Salesforce accepts in a body: ISO 8601 with
// Z or a ±hh:mm / ±hhmm offset, with or without fractional seconds.
func parseTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999-0700", "2006-01-02T15:04:05Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func parseDate(s string) (time.Time, bool) {
	t, err := time.Parse("2006-01-02", s)
	return t, err == nil
}

var emailRe = regexp.MustCompile(`^[A-Za-z0-9.!#$%&'*+/=?^_{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$`)

// sfError is one element of Salesforce's error array.
type sfError struct {
	Message   string   `json:"message"`
	ErrorCode string   `json:"errorCode"`
	Fields    []string `json:"fields,omitempty"`
}

func fieldError(code string, f *field, format string, args ...any) sfError {
	return sfError{ErrorCode: code, Message: fmt.Sprintf(format, args...), Fields: []string{f.Name}}
}

// jsonParserError is what Salesforce answers for a value of the wrong JSON type.
func jsonParserError(f *field, v any) sfError {
	tok := "VALUE_STRING"
	switch v.(type) {
	case json.Number:
		tok = "VALUE_NUMBER_FLOAT"
		if !strings.ContainsAny(string(v.(json.Number)), ".eE") {
			tok = "VALUE_NUMBER_INT"
		}
	case bool:
		tok = "VALUE_TRUE"
		if !v.(bool) {
			tok = "VALUE_FALSE"
		}
	case map[string]any:
		tok = "START_OBJECT"
	case []any:
		tok = "START_ARRAY"
	}
	soap := map[fieldType]string{tBoolean: "boolean", tDate: "date", tDatetime: "dateTime", tCurrency: "double", tPercent: "double",
		tDouble: "double", tInt: "int"}[f.Type]
	if soap == "" {
		soap = "string"
	}
	return sfError{ErrorCode: "JSON_PARSER_ERROR",
		Message: fmt.Sprintf("Cannot deserialize instance of %s from %s value %v or request may be missing a required field", soap, tok, v)}
}

// convert checks a body value for f and returns it as stored.
func convert(f *field, v any) (any, *sfError) {
	if v == nil {
		if f.Type == tBoolean {
			return false, nil
		}
		return nil, nil
	}
	bad := func() (any, *sfError) { e := jsonParserError(f, v); return nil, &e }
	switch f.Type {
	case tBoolean:
		b, ok := v.(bool)
		if !ok {
			return bad()
		}
		return b, nil
	case tInt:
		n, ok := v.(json.Number)
		if !ok {
			return bad()
		}
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil {
			return bad()
		}
		if len(strconv.FormatInt(abs(i), 10)) > f.Precision {
			e := fieldError("NUMBER_OUTSIDE_VALID_RANGE", f, "%s: value outside of valid range on numeric field: %d", f.Label, i)
			return nil, &e
		}
		return strconv.FormatInt(i, 10), nil
	case tCurrency, tPercent, tDouble:
		var text string
		switch n := v.(type) {
		case json.Number:
			text = string(n)
		case string:
			text = n
		default:
			return bad()
		}
		r, ok := new(big.Rat).SetString(text)
		if !ok {
			return bad()
		}
		s := roundHalfUp(r, f.Scale)
		intDigits := strings.TrimLeft(strings.SplitN(strings.TrimPrefix(s, "-"), ".", 2)[0], "0")
		if len(intDigits) > f.Precision-f.Scale {
			e := fieldError("NUMBER_OUTSIDE_VALID_RANGE", f, "%s: value outside of valid range on numeric field: %s", f.Label, text)
			return nil, &e
		}
		return s, nil
	case tDate:
		s, ok := v.(string)
		if !ok {
			return bad()
		}
		if s == "" {
			return nil, nil
		}
		if _, ok := parseDate(s); !ok {
			return bad()
		}
		return s, nil
	case tDatetime:
		s, ok := v.(string)
		if !ok {
			return bad()
		}
		if s == "" {
			return nil, nil
		}
		t, ok := parseTime(s)
		if !ok {
			return bad()
		}
		return formatTime(t), nil
	case tReference:
		s, ok := v.(string)
		if !ok {
			return bad()
		}
		if s == "" {
			return nil, nil
		}
		return s, nil // checked against the records by the caller
	}
	// Text types. Salesforce takes numbers and booleans into text fields as their text.
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case json.Number:
		s = string(x)
	case bool:
		s = strconv.FormatBool(x)
	default:
		return bad()
	}
	if s == "" {
		return nil, nil
	}
	if f.Length > 0 && len([]rune(s)) > f.Length {
		e := fieldError("STRING_TOO_LONG", f, "%s: data value too large: %s (max length=%d)", f.Label, truncate(s, 100), f.Length)
		return nil, &e
	}
	switch f.Type {
	case tEmail:
		if !emailRe.MatchString(s) {
			e := fieldError("INVALID_EMAIL_ADDRESS", f, "%s: invalid email address: %s", f.Label, s)
			return nil, &e
		}
	case tPicklist:
		if f.Restricted {
			for _, p := range f.Picklist {
				if p.Active && strings.EqualFold(p.Value, s) {
					return p.Value, nil
				}
			}
			e := fieldError("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", f, "%s: bad value for restricted picklist field: %s", f.Label, s)
			return nil, &e
		}
	}
	return s, nil
}

func abs(i int64) int64 {
	if i < 0 {
		return -i
	}
	return i
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "..."
	}
	return s
}

// roundHalfUp writes r with scale decimals, rounding half away from zero as
// Salesforce does when it saves a number.
func roundHalfUp(r *big.Rat, scale int) string {
	shift := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil))
	x := new(big.Rat).Mul(r, shift)
	neg := x.Sign() < 0
	x.Abs(x)
	num, den := x.Num(), x.Denom()
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	if new(big.Int).Mul(m, big.NewInt(2)).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if neg {
		q.Neg(q)
	}
	return new(big.Rat).SetFrac(q, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)).FloatString(scale)
}

// javaDouble writes a stored decimal the way Salesforce's JSON writes a
// number field: as a Java double prints — 15000.0, 1500.5, and from ten
// million on in scientific form, 1.5E7. It works on the decimal text, so
// no digit is lost on the way.
func javaDouble(dec string) string {
	neg := strings.HasPrefix(dec, "-")
	dec = strings.TrimPrefix(dec, "-")
	ip, fp, _ := strings.Cut(dec, ".")
	ip = strings.TrimLeft(ip, "0")
	fp = strings.TrimRight(fp, "0")
	sign := ""
	if neg && (ip != "" || fp != "") {
		sign = "-"
	}
	switch {
	case ip == "" && fp == "":
		return "0.0"
	case len(ip) >= 8: // >= 1.0E7
		digits := strings.TrimRight(ip+fp, "0")
		mant := digits[1:]
		if mant == "" {
			mant = "0"
		}
		return sign + digits[:1] + "." + mant + "E" + strconv.Itoa(len(ip)-1)
	case ip == "" && strings.HasPrefix(fp, "000"): // < 1.0E-3
		lead := len(fp) - len(strings.TrimLeft(fp, "0"))
		digits := fp[lead:]
		mant := digits[1:]
		if mant == "" {
			mant = "0"
		}
		return sign + digits[:1] + "." + mant + "E-" + strconv.Itoa(lead+1)
	}
	if ip == "" {
		ip = "0"
	}
	if fp == "" {
		fp = "0"
	}
	return sign + ip + "." + fp
}

// render writes a stored value as Salesforce's JSON writes field f.
func render(f *field, v any) json.RawMessage {
	if v == nil {
		return json.RawMessage("null")
	}
	switch f.Type {
	case tCurrency, tPercent, tDouble:
		if s, ok := v.(string); ok {
			return json.RawMessage(javaDouble(s))
		}
	case tInt:
		if s, ok := v.(string); ok {
			return json.RawMessage(s)
		}
	}
	b, _ := json.Marshal(v)
	return b
}

// object writes an ordered JSON object: Salesforce keeps the field order of
// the SELECT, and so does the emulator.
type object struct {
	keys []string
	vals []json.RawMessage
}

func (o *object) set(k string, v json.RawMessage) {
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
}

func (o *object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		b.Write(o.vals[i])
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
