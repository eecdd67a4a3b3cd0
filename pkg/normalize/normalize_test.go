package normalize

import (
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"
)

func TestE164(t *testing.T) {
	cases := []struct{ in, want string }{
		{"+1 (415) 555-0100", "+14155550100"},
		{"+49 30 1234567", "+49301234567"},
		{"0049-30-1234567", "+49301234567"},
		{"+44 20 7946 0958 ext. 12", "+442079460958"},
		{"+33.1.23.45.67.89", "+33123456789"},
		{"030 1234567", ""},        // national: no country to assume
		{"(415) 555-0100", ""},     // national US form: not guessed
		{"+0 123 456 789", ""},     // country codes never start with 0
		{"+1 555", ""},             // too short
		{"+12345678901234567", ""}, // too long
		{"call me maybe", ""},      // not a number
		{"", ""},                   // empty
		{"+1-800-FLOWERS", ""},     // letters are not guessed
		{"+353\u00a01\u00a0234 5678", "+35312345678"},
	}
	for _, c := range cases {
		if got := E164(c.in); got != c.want {
			t.Errorf("E164(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestRawStruct(t *testing.T) {
	s := RawStruct([]byte(`{"id": 7, "tags": ["a"], "nested": {"x": null}}`))
	if s.GetFields()["id"].GetNumberValue() != 7 || len(s.GetFields()["tags"].GetListValue().GetValues()) != 1 {
		t.Fatalf("object payload: %v", s)
	}
	if w := RawStruct([]byte(`[1,2]`)); len(w.GetFields()["value"].GetListValue().GetValues()) != 2 {
		t.Fatalf("array payload not wrapped: %v", w)
	}
	if RawStruct([]byte(`{bad`)) != nil || RawStruct(nil) != nil {
		t.Fatal("invalid payload gave a struct")
	}
}

func TestNamesAndTimes(t *testing.T) {
	for in, want := range map[string][2]string{
		"Ada Lovelace":      {"Ada", "Lovelace"},
		"Ada King Lovelace": {"Ada King", "Lovelace"},
		"Cher":              {"", "Cher"},
		"  ":                {"", ""},
	} {
		f, l := FirstLast(in)
		if f != want[0] || l != want[1] {
			t.Errorf("FirstLast(%q) = %q, %q", in, f, l)
		}
	}
	if Timestamp(time.Time{}) != nil || TimestampPtr(nil) != nil || !Time(nil).IsZero() || TimePtr(nil) != nil {
		t.Fatal("zero values must map to nil and back")
	}
	now := time.Date(2026, 3, 4, 5, 6, 7, 8000, time.UTC)
	if got := Time(timestamppb.New(now)); !got.Equal(now) {
		t.Fatalf("round trip: %v", got)
	}
	if m := Map(Struct(map[string]any{"score": 42.0, "tier": "gold"})); m["score"] != 42.0 || m["tier"] != "gold" {
		t.Fatalf("struct round trip: %v", m)
	}
}
