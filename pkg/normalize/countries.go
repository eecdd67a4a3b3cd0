package normalize

import "strings"

// Many vendors keep an address's country as free text, usually the English
// name as their forms write it (HubSpot, Pipedrive, Salesforce without
// State and Country Picklists). The unified API speaks ISO 3166-1 alpha-2:
// connectors write the English name of a code and read names and codes back.
var countryNames = map[string]string{
	"AE": "United Arab Emirates", "AR": "Argentina", "AT": "Austria", "AU": "Australia", "BE": "Belgium", "BG": "Bulgaria",
	"BR": "Brazil", "CA": "Canada", "CH": "Switzerland", "CL": "Chile", "CN": "China", "CO": "Colombia", "CZ": "Czech Republic",
	"DE": "Germany", "DK": "Denmark", "EE": "Estonia", "EG": "Egypt", "ES": "Spain", "FI": "Finland", "FR": "France",
	"GB": "United Kingdom", "GR": "Greece", "HK": "Hong Kong", "HR": "Croatia", "HU": "Hungary", "ID": "Indonesia",
	"IE": "Ireland", "IL": "Israel", "IN": "India", "IS": "Iceland", "IT": "Italy", "JP": "Japan", "KE": "Kenya",
	"KR": "South Korea", "LT": "Lithuania", "LU": "Luxembourg", "LV": "Latvia", "MA": "Morocco", "MX": "Mexico",
	"MY": "Malaysia", "NG": "Nigeria", "NL": "Netherlands", "NO": "Norway", "NZ": "New Zealand", "PE": "Peru",
	"PH": "Philippines", "PK": "Pakistan", "PL": "Poland", "PT": "Portugal", "RO": "Romania", "RS": "Serbia",
	"SA": "Saudi Arabia", "SE": "Sweden", "SG": "Singapore", "SI": "Slovenia", "SK": "Slovakia", "TH": "Thailand",
	"TR": "Turkey", "TW": "Taiwan", "UA": "Ukraine", "US": "United States", "VN": "Vietnam", "ZA": "South Africa",
}

// countryAliases are other names people and imports write.
var countryAliases = map[string]string{
	"usa": "US", "u.s.": "US", "u.s.a.": "US", "united states of america": "US", "america": "US",
	"uk": "GB", "u.k.": "GB", "great britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
	"deutschland": "DE", "españa": "ES", "the netherlands": "NL", "holland": "NL", "schweiz": "CH", "suisse": "CH",
	"österreich": "AT", "czechia": "CZ", "republic of korea": "KR", "korea, republic of": "KR", "türkiye": "TR",
	"viet nam": "VN", "brasil": "BR", "méxico": "MX", "italia": "IT", "sverige": "SE", "norge": "NO", "danmark": "DK",
}

var countryCodes = func() map[string]string {
	out := map[string]string{}
	for code, name := range countryNames {
		out[strings.ToLower(name)] = code
	}
	for alias, code := range countryAliases {
		out[alias] = code
	}
	return out
}()

// CountryCode reads a country written as free text, a name or an ISO code
// in any case; "" when it names no country known here (the value stays in
// the record's raw payload).
func CountryCode(v string) string {
	v = strings.TrimSpace(v)
	if len(v) == 2 && isLetters(v) {
		return strings.ToUpper(v)
	}
	return countryCodes[strings.ToLower(v)]
}

// CountryName is the English name of an ISO country code, or the code
// itself when it is not known here.
func CountryName(code string) string {
	if name, ok := countryNames[strings.ToUpper(code)]; ok {
		return name
	}
	return code
}

func isLetters(s string) bool {
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
			return false
		}
	}
	return true
}
