package salesforceemu

import (
	"strings"
)

// Salesforce record ids: a 3-character key prefix naming the object, a
// 2-character pod, a reserved character and a 9-character counter make the
// 15-character, case-sensitive id; 3 more characters make the 18-character,
// case-insensitive-safe id. Each of the 3 suffix characters encodes which
// of 5 characters of the 15-character id are upper case letters.

const (
	base62         = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	checksumDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
	// pod stands for the instance the emulated org lives on.
	pod = "Hs"
)

// makeID builds the 18-character id of the n-th record with key prefix. The
// counter's digits are in ASCII order, so ids sort as records were created.
func makeID(prefix string, n int64) string {
	digits := make([]byte, 9)
	for i := 8; i >= 0; i-- {
		digits[i] = base62[n%62]
		n /= 62
	}
	return to18(prefix + pod + "0" + string(digits))
}

// checksum is the 3-character suffix of a 15-character id.
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

func to18(id15 string) string { return id15 + checksum(id15) }

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

// canonicalID turns a 15- or 18-character id into the canonical
// 18-character form. An 18-character id may come with its case lost (it is
// meant to survive case-insensitive systems): the suffix restores it.
func canonicalID(id string) (string, bool) {
	if !isAlnum(id) {
		return "", false
	}
	switch len(id) {
	case 15:
		return to18(id), true
	case 18:
		suffix := strings.ToUpper(id[15:])
		b := []byte(id[:15])
		for chunk := 0; chunk < 3; chunk++ {
			flags := strings.IndexByte(checksumDigits, suffix[chunk])
			if flags < 0 {
				return "", false
			}
			for i := 0; i < 5; i++ {
				c := b[chunk*5+i]
				upper := flags&(1<<i) != 0
				isLetter := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
				switch {
				case upper && !isLetter:
					return "", false
				case upper:
					b[chunk*5+i] = byte(strings.ToUpper(string(c))[0])
				case isLetter:
					b[chunk*5+i] = byte(strings.ToLower(string(c))[0])
				}
			}
		}
		return string(b) + suffix, true
	}
	return "", false
}
