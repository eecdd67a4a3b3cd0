package connector

import (
	"sort"
	"strings"

	"google.golang.org/protobuf/proto"
)

// Enum maps one of a provider's value sets to a unified enum, both ways.
//
// Several provider values may read as one unified value — the lossy ones,
// such as "pending" and "on_hold" both reading ON_HOLD; the provider value
// itself is kept in the record's remote_<field>. A write sends the provider
// value Write names for the unified one, unless the record's remote value is
// another provider value of that same unified value: a record read and
// written back keeps its provider value.
type Enum[E comparable] struct {
	// Provider names the provider in messages, such as "Sandbox HR".
	Provider string
	// Read maps every provider value to the unified value it reads as.
	Read map[string]E
	// Write maps the unified values the provider can take to the provider value sent.
	Write map[E]string
	// Other is the unified OTHER value, what unknown provider values read as.
	Other E
	// Required says the provider always holds a value: an update that unsets
	// the enum without a remote value is refused instead of clearing it.
	Required bool
}

// ToProto reads a provider value: unset for "", Other for a value not in Read.
func (m Enum[E]) ToProto(v string) E {
	if e, ok := m.Read[v]; ok || v == "" {
		return e
	}
	return m.Other
}

// ToProvider is the provider value to write for e, given the record's
// remote value. An unset or OTHER e sends the remote value as is; OTHER
// without one, or a value the provider cannot take, is refused, naming field. It returns "" when there is
// nothing to write (unset e and no remote value).
func (m Enum[E]) ToProvider(field string, e E, remote string) (string, error) {
	if w, ok := m.Write[e]; ok {
		if remote != "" && remote != w {
			if r, known := m.Read[remote]; known && r == e {
				return remote, nil
			}
		}
		return w, nil
	}
	var unset E
	switch {
	case remote != "" && (e == unset || e == m.Other || m.Read[remote] == e):
		// A remote value that says something else than e is a stale one
		// (read before the client changed the enum): sending it would
		// silently write another value than the one asked for.
		return remote, nil
	case e == unset:
		return "", nil
	case e == m.Other:
		return "", BadField(field, "%s is OTHER: set remote_%s to one of %s's values: %s", field, field, m.Provider, strings.Join(m.Values(), ", "))
	}
	return "", BadField(field, "%s has no value for %v; set remote_%s to one of: %s", m.Provider, e, field, strings.Join(m.Values(), ", "))
}

// Values are the provider's values, sorted.
func (m Enum[E]) Values() []string {
	out := make([]string, 0, len(m.Read))
	for v := range m.Read {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// EnumWriters returns the Fields writers of an enum field and its remote
// twin, which both write the provider's key: the enum's value wins when both
// are written, whatever the order; remote_<field> alone is sent as is. An
// update that unsets both clears the provider's value ("") — or is refused
// when the enum is Required, because a masked field is never dropped.
func EnumWriters[T proto.Message, E comparable](m Enum[E], key, field string, get func(T) (E, string)) (enum, remote func(T, map[string]any) error) {
	clear := func(b map[string]any) error {
		if m.Required {
			return BadField(field, "%s always has a %s: set %s, or remote_%s to one of %s", m.Provider, field, field, field, strings.Join(m.Values(), ", "))
		}
		b[key] = ""
		b[enumWrittenKey(key)] = true
		return nil
	}
	enum = func(rec T, b map[string]any) error {
		e, r := get(rec)
		v, err := m.ToProvider(field, e, r)
		switch {
		case err != nil:
			return err
		case v == "":
			return clear(b)
		}
		b[key] = v
		b[enumWrittenKey(key)] = true
		return nil
	}
	remote = func(rec T, b map[string]any) error {
		if written, _ := b[enumWrittenKey(key)].(bool); written {
			return nil
		}
		var unset E
		switch e, r := get(rec); {
		case r != "":
			b[key] = r
		case e == unset:
			return clear(b)
		}
		return nil
	}
	return enum, remote
}

// enumWrittenKey marks, inside a body being built, that the enum wrote key.
// Body removes such marks before the body is sent.
func enumWrittenKey(key string) string { return "\x00enum:" + key }
