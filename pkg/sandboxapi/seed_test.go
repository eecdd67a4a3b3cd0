package sandboxapi

import (
	"net/mail"
	"testing"
)

func TestSeededEmailsAreValidAddresses(t *testing.T) {
	s := NewSeeder(1)
	for _, first := range FirstNames {
		for _, last := range LastNames {
			addr := s.Email(Person{First: first, Last: last}, "acme.example")
			if a, err := mail.ParseAddress(addr); err != nil || a.Address != addr {
				t.Fatalf("%s %s → %q is not an address: %v", first, last, addr, err)
			}
		}
	}
	if got := s.Email(Person{First: "Chloé", Last: "Spärck Jones"}, "x.example"); got != "chloe.sparckjones@x.example" {
		t.Fatalf("got %q", got)
	}
}
