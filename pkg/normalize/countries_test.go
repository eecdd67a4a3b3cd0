package normalize

import "testing"

func TestCountries(t *testing.T) {
	for in, want := range map[string]string{
		"United States": "US", "us": "US", " GB ": "GB", "Deutschland": "DE", "czech republic": "CZ", "Czechia": "CZ",
		"U.S.A.": "US", "Narnia": "", "12": "", "": "",
	} {
		if got := CountryCode(in); got != want {
			t.Errorf("CountryCode(%q) = %q, want %q", in, got, want)
		}
	}
	for code, want := range map[string]string{"DE": "Germany", "gb": "United Kingdom", "XK": "XK"} {
		if got := CountryName(code); got != want {
			t.Errorf("CountryName(%q) = %q, want %q", code, got, want)
		}
	}
}
