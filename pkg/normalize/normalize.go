// Package normalize holds the conversions every connector needs between a
// provider's representation and the unified one: phone numbers to E.164,
// times and dates, provider JSON to protobuf Structs.
package normalize

import (
	"encoding/json"
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/unimesh/unimesh/proto/unimesh/common/v1"
)

// E164 returns raw in E.164 form when it is written internationally
// ("+49 30 1234567", "0049-30-1234567", "(+1) 415.555.0100"), else "". A
// national number ("030 1234567") has no country, so it is not guessed.
func E164(raw string) string {
	s := strings.TrimSpace(raw)
	if s == "" {
		return ""
	}
	// Cut an extension: "x123", "ext. 123".
	lower := strings.ToLower(s)
	for _, sep := range []string{"ext", "x", "#"} {
		if i := strings.LastIndex(lower, sep); i > 0 {
			s, lower = s[:i], lower[:i]
		}
	}
	var digits strings.Builder
	plus := false
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == '+' && digits.Len() == 0 && !plus:
			plus = true
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '/' || r == '\u00a0':
		default:
			_ = i
			return ""
		}
	}
	d := digits.String()
	if !plus {
		if !strings.HasPrefix(d, "00") {
			return ""
		}
		d = d[2:]
	}
	if len(d) < 8 || len(d) > 15 || d[0] == '0' {
		return ""
	}
	return "+" + d
}

// Phone builds a unified phone from a provider's number and type.
func Phone(raw string, typ commonv1.PhoneType) *commonv1.Phone {
	return &commonv1.Phone{Number: E164(raw), RawNumber: raw, Type: typ}
}

// PhoneForWrite is the number to send a provider: the raw form when the
// caller gave one, else the E.164 number.
func PhoneForWrite(p *commonv1.Phone) string {
	if p.GetRawNumber() != "" {
		return p.GetRawNumber()
	}
	return p.GetNumber()
}

// Timestamp converts a time, nil for the zero time.
func Timestamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

// TimestampPtr converts an optional time.
func TimestampPtr(t *time.Time) *timestamppb.Timestamp {
	if t == nil {
		return nil
	}
	return Timestamp(*t)
}

// Time converts back, the zero time for nil.
func Time(ts *timestamppb.Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	return ts.AsTime().UTC()
}

// TimePtr converts back, nil for nil.
func TimePtr(ts *timestamppb.Timestamp) *time.Time {
	if ts == nil {
		return nil
	}
	t := ts.AsTime().UTC()
	return &t
}

// Struct converts a JSON object (a provider's custom fields) to a Struct; nil
// when it is empty or not representable.
func Struct(m map[string]any) *structpb.Struct {
	if len(m) == 0 {
		return nil
	}
	s, err := structpb.NewStruct(m)
	if err != nil {
		// Values structpb cannot hold (such as typed Go values) go through JSON.
		b, jerr := json.Marshal(m)
		if jerr != nil {
			return nil
		}
		return RawStruct(b)
	}
	return s
}

// Map converts a Struct back to a JSON object.
func Map(s *structpb.Struct) map[string]any {
	if s == nil {
		return nil
	}
	return s.AsMap()
}

// RawStruct turns a provider's JSON payload into the raw field of a record.
// A payload that is not an object is wrapped as {"value": ...}.
func RawStruct(b []byte) *structpb.Struct {
	if len(b) == 0 {
		return nil
	}
	s := &structpb.Struct{}
	if err := protojson.Unmarshal(b, s); err == nil {
		return s
	}
	v := &structpb.Value{}
	if err := protojson.Unmarshal(b, v); err != nil {
		return nil
	}
	return &structpb.Struct{Fields: map[string]*structpb.Value{"value": v}}
}

// FirstLast splits a full name into given and family name at the last
// space: "Ada King Lovelace" → "Ada King", "Lovelace".
func FirstLast(full string) (first, last string) {
	full = strings.TrimSpace(full)
	i := strings.LastIndex(full, " ")
	if i < 0 {
		return "", full
	}
	return strings.TrimSpace(full[:i]), strings.TrimSpace(full[i+1:])
}

// JoinName joins given and family name.
func JoinName(first, last string) string {
	return strings.TrimSpace(strings.TrimSpace(first) + " " + strings.TrimSpace(last))
}
