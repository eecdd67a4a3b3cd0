package salesforce

import (
	"strings"

	"github.com/unimesh/unimesh/pkg/connector"
)

// Key prefixes: the first 3 characters of an id say which object it is a
// record of.
const (
	prefixAccount     = "001"
	prefixContact     = "003"
	prefixUser        = "005"
	prefixOpportunity = "006"
	prefixLead        = "00Q"
	prefixTask        = "00T"
	prefixEvent       = "00U"
	prefixStage       = "01J"
)

const checksumDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

// checksum is the 3-character suffix that makes a 15-character id the
// 18-character one: each character says which of 5 characters are upper case.
func checksum(id15 string) string {
	var b strings.Builder
	for chunk := 0; chunk < 3; chunk++ {
		flags := 0
		for i := 0; i < 5; i++ {
			if c := id15[chunk*5+i]; c >= 'A' && c <= 'Z' {
				flags |= 1 << i
			}
		}
		b.WriteByte(checksumDigits[flags])
	}
	return b.String()
}

// normalizeID returns the canonical 18-character form of a 15- or
// 18-character Salesforce id. The 18-character form survives systems that
// lose case: its suffix restores the case of the first 15 characters, and
// an id whose suffix cannot be right is refused.
func normalizeID(id string) (string, bool) {
	if !isAlnum(id) {
		return "", false
	}
	switch len(id) {
	case 15:
		return id + checksum(id), true
	case 18:
		suffix := strings.ToUpper(id[15:])
		b := []byte(id[:15])
		for chunk := 0; chunk < 3; chunk++ {
			flags := strings.IndexByte(checksumDigits, suffix[chunk])
			if flags < 0 {
				return "", false
			}
			for i := 0; i < 5; i++ {
				c := &b[chunk*5+i]
				letter := *c >= 'A' && *c <= 'Z' || *c >= 'a' && *c <= 'z'
				switch upper := flags&(1<<i) != 0; {
				case upper && !letter:
					return "", false
				case upper:
					*c = strings.ToUpper(string(*c))[0]
				case letter:
					*c = strings.ToLower(string(*c))[0]
				}
			}
		}
		return string(b) + suffix, true
	}
	return "", false
}

// refID checks a reference to a record of one of the objects the prefixes
// name, for a write; "" stays "".
func refID(field, id string, prefixes ...string) (string, error) {
	if id == "" {
		return "", nil
	}
	n, ok := normalizeID(id)
	if !ok {
		return "", connector.BadField(field, "%q is not a Salesforce id (15 or 18 letters and digits)", id)
	}
	for _, p := range prefixes {
		if n[:3] == p {
			return n, nil
		}
	}
	return "", connector.BadField(field, "%q is not the id of a %s (its ids start with %s)", id, objectOfPrefix(prefixes[0]), strings.Join(prefixes, " or "))
}

func objectOfPrefix(p string) string {
	return map[string]string{prefixAccount: "company (Account)", prefixContact: "contact (Contact)", prefixUser: "user (User)",
		prefixOpportunity: "deal (Opportunity)", prefixLead: "lead (Lead)", prefixTask: "Task", prefixEvent: "Event",
		prefixStage: "stage (OpportunityStage)"}[p]
}
