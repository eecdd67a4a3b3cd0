package pagetoken

import (
	"testing"

	"github.com/unimesh/unimesh/pkg/apierr"
)

func TestRoundTripAndBinding(t *testing.T) {
	scope := Scope("crm.contacts", "conn_1", "2026-01-01T00:00:00Z")
	tok := Encode(scope, "cursor:abc/def?x=1")
	got, err := Decode(scope, tok)
	if err != nil || got != "cursor:abc/def?x=1" {
		t.Fatalf("Decode = %q, %v", got, err)
	}
	if Encode(scope, "") != "" {
		t.Fatal("last page must have an empty token")
	}
	if c, err := Decode(scope, ""); err != nil || c != "" {
		t.Fatalf("empty token = %q, %v", c, err)
	}
	cases := map[string]string{
		"other scope": tok,
		"garbage":     "%%%",
		"truncated":   tok[:6],
	}
	for name, token := range cases {
		s := scope
		if name == "other scope" {
			s = Scope("crm.contacts", "conn_2", "2026-01-01T00:00:00Z")
		}
		if _, err := Decode(s, token); apierr.Reason(err) != apierr.ReasonInvalidPageToken {
			t.Errorf("%s: err = %v, want %s", name, err, apierr.ReasonInvalidPageToken)
		}
	}
}
