package sandboxapi

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// Seeder makes the sandbox's demo data: realistic, and the same on every
// start (a fixed random seed and a fixed base time), so that ids and
// records are stable across restarts and machines.
type Seeder struct {
	R    *rand.Rand
	Base time.Time
}

// NewSeeder returns a seeder for one product; seed tells products apart.
func NewSeeder(seed uint64) *Seeder {
	return &Seeder{
		R:    rand.New(rand.NewPCG(seed, 0x756e696d657368)),
		Base: time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC),
	}
}

// Pick returns one of xs.
func Pick[T any](s *Seeder, xs []T) T { return xs[s.R.IntN(len(xs))] }

// Time returns a time within days after the base, at a working hour.
func (s *Seeder) Time(days int) time.Time {
	return s.Base.Add(time.Duration(s.R.IntN(days*24*60)) * time.Minute)
}

// After returns a time up to days after t.
func (s *Seeder) After(t time.Time, days int) time.Time {
	return t.Add(time.Duration(1+s.R.IntN(max(1, days*24*60))) * time.Minute)
}

// Person is a generated person.
type Person struct {
	First, Last string
}

// Person returns a person's name.
func (s *Seeder) Person() Person { return Person{First: Pick(s, FirstNames), Last: Pick(s, LastNames)} }

// Email returns a plausible address at domain: "guido.vanrossum@...",
// "karen.sparckjones@..." — ASCII letters only, as mail systems make them.
func (s *Seeder) Email(p Person, domain string) string {
	return mailbox(p.First) + "." + mailbox(p.Last) + "@" + domain
}

// mailbox folds a name into the local part of an address.
func mailbox(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(r)
		case strings.ContainsRune("àáâäãå", r):
			b.WriteByte('a')
		case strings.ContainsRune("èéêë", r):
			b.WriteByte('e')
		case strings.ContainsRune("ìíîï", r):
			b.WriteByte('i')
		case strings.ContainsRune("òóôöõø", r):
			b.WriteByte('o')
		case strings.ContainsRune("ùúûü", r):
			b.WriteByte('u')
		case r == 'ñ':
			b.WriteByte('n')
		case r == 'ç':
			b.WriteByte('c')
		case r == 'ß':
			b.WriteString("ss")
		}
	}
	return b.String()
}

// Company returns a company name and its domain.
func (s *Seeder) Company() (name, domain string) {
	a, b := Pick(s, CompanyWords), Pick(s, CompanySuffixes)
	name = a + " " + b
	return name, strings.ToLower(strings.ReplaceAll(a, " ", "")) + ".example"
}

// City is a place with its postal and telephone conventions.
type City struct {
	Name, Region, Country, Zip, Dial string
	// Local is how many digits a local number has after the area code.
	Local int
}

// Address returns a street address in a random city, and the city.
func (s *Seeder) Address(kind string) (Address, City) {
	c := Pick(s, Cities)
	return Address{
		Line1:   fmt.Sprintf("%d %s", 1+s.R.IntN(240), Pick(s, Streets)),
		City:    c.Name,
		State:   c.Region,
		Zip:     c.Zip,
		Country: c.Country,
		Kind:    kind,
	}, c
}

// Phone returns a number in the city's international form, written as
// people write them: "+49 30 5550 1234".
func (s *Seeder) Phone(c City) string {
	head := c.Local - 4
	return fmt.Sprintf("%s %d%0*d %04d", c.Dial, 2+s.R.IntN(7), head-1, s.R.IntN(pow10(head-1)), s.R.IntN(10000))
}

func pow10(n int) int {
	p := 1
	for range n {
		p *= 10
	}
	return p
}

// Demo vocabulary.
var (
	FirstNames = []string{"Ada", "Grace", "Alan", "Katherine", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Frances",
		"Tim", "Radia", "Guido", "Hedy", "John", "Sophie", "Yukihiro", "Anita", "Bjarne", "Karen", "Leslie", "Shafi",
		"Donald", "Adele", "Niklaus", "Jean", "Vint", "Mary", "Edsger", "Lynn", "Amara", "Mateo", "Priya", "Lukas",
		"Chloé", "Kwame", "Ingrid", "Rafael", "Mei", "Omar"}
	LastNames = []string{"Lovelace", "Hopper", "Turing", "Johnson", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Thompson",
		"Allen", "Berners-Lee", "Perlman", "van Rossum", "Lamarr", "McCarthy", "Wilson", "Matsumoto", "Borg", "Stroustrup",
		"Spärck Jones", "Lamport", "Goldwasser", "Knuth", "Goldberg", "Wirth", "Sammet", "Cerf", "Shaw", "Dijkstra",
		"Conway", "Okafor", "García", "Raman", "Schmidt", "Dubois", "Mensah", "Larsen", "Costa", "Chen", "Haddad"}
	CompanyWords = []string{"Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne", "Tyrell",
		"Cyberdyne", "Soylent", "Wonka", "Aperture", "Black Mesa", "Massive Dynamic", "Oscorp", "Gringotts", "Monarch",
		"Nakatomi", "Pied Piper", "Dunder Mifflin", "Sterling Cooper", "Bluth", "Prestige", "Wernham Hogg", "Blue Sun",
		"Virtucon", "Gekko", "Kruger", "Ollivander", "Northwind", "Contoso", "Fabrikam", "Tailspin", "Litware", "Adatum",
		"Fourth Coffee", "Proseware", "Lamna", "Woodgrove"}
	CompanySuffixes = []string{"Inc.", "GmbH", "Ltd.", "LLC", "SA", "AG", "Group", "Labs", "Systems", "Holdings"}
	Industries      = []string{"Software", "Manufacturing", "Healthcare", "Financial Services", "Retail", "Logistics",
		"Education", "Media", "Energy", "Hospitality"}
	Streets = []string{"Market Street", "Hauptstraße", "High Street", "Rue de Rivoli", "Calle Mayor", "King Street",
		"Baker Street", "Friedrichstraße", "Main Street", "Oxford Road", "Via Roma", "Bahnhofstrasse"}
	Cities = []City{
		{"San Francisco", "CA", "US", "94105", "+1 415", 7},
		{"New York", "NY", "US", "10001", "+1 212", 7},
		{"Austin", "TX", "US", "78701", "+1 512", 7},
		{"Berlin", "Berlin", "DE", "10115", "+49 30", 8},
		{"Munich", "Bavaria", "DE", "80331", "+49 89", 8},
		{"London", "England", "GB", "EC1A 1BB", "+44 20", 8},
		{"Paris", "Île-de-France", "FR", "75001", "+33 1", 8},
		{"Madrid", "Madrid", "ES", "28013", "+34 91", 7},
		{"Amsterdam", "North Holland", "NL", "1012 AB", "+31 20", 7},
		{"Toronto", "ON", "CA", "M5H 2N2", "+1 416", 7},
		{"Sydney", "NSW", "AU", "2000", "+61 2", 8},
		{"Zurich", "ZH", "CH", "8001", "+41 44", 7},
	}
)
