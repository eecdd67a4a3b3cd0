package salesforce

import (
	"strconv"
	"strings"
	"time"
)

// soql builds one SELECT. Only values the connector has checked (ids,
// times, numbers) or quoted with quote ever reach a query.
type soql struct {
	fields []string
	from   string
	where  []string
	order  string
	limit  int
}

func (q soql) String() string {
	var b strings.Builder
	b.WriteString("SELECT ")
	b.WriteString(strings.Join(q.fields, ", "))
	b.WriteString(" FROM ")
	b.WriteString(q.from)
	if len(q.where) > 0 {
		b.WriteString(" WHERE ")
		b.WriteString(strings.Join(q.where, " AND "))
	}
	if q.order != "" {
		b.WriteString(" ORDER BY ")
		b.WriteString(q.order)
	}
	if q.limit > 0 {
		b.WriteString(" LIMIT ")
		b.WriteString(strconv.Itoa(q.limit))
	}
	return b.String()
}

// quote writes a SOQL string literal.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	return "'" + r.Replace(s) + "'"
}

// soqlTime writes a SOQL datetime literal. SOQL takes whole seconds, so
// the time is floored; the caller filters the sub-second rest itself.
func soqlTime(t time.Time) string {
	return t.UTC().Truncate(time.Second).Format("2006-01-02T15:04:05Z")
}
