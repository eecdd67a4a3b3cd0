package sandbox

import (
	"math/big"
	"regexp"
	"strings"
)

// Money is exact: amounts are big.Rat values parsed from and written back to
// decimal strings, never floats.

var decimalRe = regexp.MustCompile(`^-?[0-9]{1,15}(\.[0-9]+)?$`)

// parseDec parses a decimal string with at most maxDP decimals.
func parseDec(s string, maxDP int) (*big.Rat, bool) {
	if !decimalRe.MatchString(s) {
		return nil, false
	}
	if _, frac, ok := strings.Cut(s, "."); ok && len(frac) > maxDP {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}

// mustDec parses a decimal the emulator wrote itself (or zero for "").
func mustDec(s string) *big.Rat {
	if s == "" {
		return new(big.Rat)
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic("sandbox: not a decimal: " + s)
	}
	return r
}

// cents writes an amount with exactly two decimals, rounding half away from
// zero (big.Rat.FloatString's rule).
func cents(r *big.Rat) string {
	s := r.FloatString(2)
	if s == "-0.00" {
		return "0.00"
	}
	return s
}

// roundCents rounds an amount to the cent.
func roundCents(r *big.Rat) *big.Rat { return mustDec(cents(r)) }

// plain writes a decimal without trailing zeros but with at least minDP
// decimals: plain(1.5, 2) = "1.50", plain(0.175, 0) = "0.175", plain(2, 0) = "2".
func plain(r *big.Rat, minDP int) string {
	s := r.FloatString(8)
	whole, frac, _ := strings.Cut(s, ".")
	frac = strings.TrimRight(frac, "0")
	for len(frac) < minDP {
		frac += "0"
	}
	if whole == "-0" {
		whole = "0"
	}
	if frac == "" {
		return whole
	}
	return whole + "." + frac
}

func add(a, b *big.Rat) *big.Rat { return new(big.Rat).Add(a, b) }
func sub(a, b *big.Rat) *big.Rat { return new(big.Rat).Sub(a, b) }
func mul(a, b *big.Rat) *big.Rat { return new(big.Rat).Mul(a, b) }

// sum adds decimal strings.
func sum(xs ...string) *big.Rat {
	t := new(big.Rat)
	for _, x := range xs {
		t.Add(t, mustDec(x))
	}
	return t
}

var hundred = big.NewRat(100, 1)

// percentOf turns a fraction into a percentage string: "0.175" → "17.5".
// It reports false for a value that is not a decimal.
func percentOf(fraction string) (string, bool) {
	r, ok := parseDec(fraction, 8)
	if !ok {
		return "", false
	}
	return plain(mul(r, hundred), 0), true
}
