package salesforceemu

import (
	"encoding/json"
	"math/big"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	defaultBatch = 2000
	minBatch     = 200
	maxOffset    = 2000
	// locatorTTL is how long an unread query cursor lives (Salesforce: 15 minutes of inactivity).
	locatorTTL  = 15 * time.Minute
	maxLocators = 200
)

func (e *Emulator) queryError(w http.ResponseWriter, q string, err *soqlErr) {
	writeErrors(w, http.StatusBadRequest, sfError{ErrorCode: err.code, Message: errorMessage(q, err.pos, err.msg)})
}

// batchSize reads "Sforce-Query-Options: batchSize=n", 200 to 2000.
func batchSize(r *http.Request) int {
	for _, opt := range strings.Split(r.Header.Get("Sforce-Query-Options"), ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(opt), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "batchSize") {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			continue
		}
		return min(max(n, minBatch), defaultBatch)
	}
	return defaultBatch
}

func (e *Emulator) query(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	if strings.TrimSpace(q) == "" {
		writeErrors(w, http.StatusBadRequest, sfError{ErrorCode: "MALFORMED_QUERY", Message: "A query string has to be specified"})
		return
	}
	parsed, perr := parseSOQL(q, e.store.Now())
	if perr != nil {
		e.queryError(w, q, perr)
		return
	}
	o, perr := e.resolve(parsed)
	if perr != nil {
		e.queryError(w, q, perr)
		return
	}
	if parsed.offset > maxOffset {
		writeErrors(w, http.StatusBadRequest, sfError{ErrorCode: "NUMBER_OUTSIDE_VALID_RANGE", Message: "Maximum SOQL offset allowed is 2000"})
		return
	}
	rows := e.run(o, parsed)
	if parsed.count {
		body := &object{}
		body.set("totalSize", json.RawMessage(strconv.Itoa(len(rows))))
		body.set("done", json.RawMessage("true"))
		body.set("records", json.RawMessage("[]"))
		writeRaw(w, http.StatusOK, body)
		return
	}
	out := make([]json.RawMessage, len(rows))
	for i, rec := range rows {
		out[i], _ = e.renderRecord(o, rec, parsed.fields).MarshalJSON()
	}
	e.writeBatch(w, &locator{rows: out, batch: batchSize(r)}, 0)
}

// writeBatch writes the batch of l starting at offset, leaving a query
// locator for the rest.
func (e *Emulator) writeBatch(w http.ResponseWriter, l *locator, offset int) {
	end := min(offset+l.batch, len(l.rows))
	body := &object{}
	body.set("totalSize", json.RawMessage(strconv.Itoa(len(l.rows))))
	body.set("done", json.RawMessage(strconv.FormatBool(end >= len(l.rows))))
	if end < len(l.rows) {
		id := e.locators.keep(l, e.store.Now())
		body.set("nextRecordsUrl", mustJSON(dataPath+"/query/"+id+"-"+strconv.Itoa(end)))
	}
	recs := l.rows[offset:end]
	if recs == nil {
		recs = []json.RawMessage{}
	}
	body.set("records", mustJSON(recs))
	writeRaw(w, http.StatusOK, body)
}

var locatorRe = regexp.MustCompile(`^(01g[0-9A-Za-z]{15})-([0-9]+)$`)

func (e *Emulator) queryMore(w http.ResponseWriter, raw string) {
	m := locatorRe.FindStringSubmatch(raw)
	var l *locator
	offset := 0
	if m != nil {
		offset, _ = strconv.Atoi(m[2])
		l = e.locators.get(m[1], e.store.Now())
	}
	if l == nil || offset > len(l.rows) {
		writeErrors(w, http.StatusBadRequest, sfError{ErrorCode: "INVALID_QUERY_LOCATOR", Message: "invalid query locator"})
		return
	}
	e.writeBatch(w, l, offset)
}

// locator is the rest of a query's results, kept for nextRecordsUrl.
type locator struct {
	id       string
	rows     []json.RawMessage
	batch    int
	lastUsed time.Time
}

type locatorStore struct {
	mu   sync.Mutex
	seq  int64
	byID map[string]*locator
}

func newLocatorStore() *locatorStore { return &locatorStore{byID: map[string]*locator{}} }

func (s *locatorStore) keep(l *locator, now time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	l.lastUsed = now
	if l.id != "" {
		return l.id
	}
	for id, old := range s.byID {
		if now.Sub(old.lastUsed) > locatorTTL {
			delete(s.byID, id)
		}
	}
	for len(s.byID) >= maxLocators {
		var oldest *locator
		for _, c := range s.byID {
			if oldest == nil || c.lastUsed.Before(oldest.lastUsed) {
				oldest = c
			}
		}
		delete(s.byID, oldest.id)
	}
	s.seq++
	l.id = makeID("01g", 3_000_000+s.seq)
	s.byID[l.id] = l
	return l.id
}

func (s *locatorStore) get(id string, now time.Time) *locator {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.byID[id]
	if l == nil || now.Sub(l.lastUsed) > locatorTTL {
		return nil
	}
	l.lastUsed = now
	return l
}

// --- resolution ---------------------------------------------------------------

func typeErr(pos int, f *field, want string, quoted bool) *soqlErr {
	q := "should not be enclosed in quotes"
	if quoted {
		q = "should be enclosed in quotes"
	}
	return &soqlErr{code: "INVALID_FIELD", pos: pos, msg: "value of filter criterion for field '" + f.Name + "' must be of type " + want + " and " + q}
}

// resolveField finds the field a path names, walking lookups.
func (e *Emulator) resolveField(o *sobject, ref *fieldRef) *soqlErr {
	cur := o
	for i, part := range ref.path {
		last := i == len(ref.path)-1
		if last {
			f := cur.field(part)
			if f == nil {
				// On a polymorphic lookup (Who, What), any of its objects may hold the field.
				if i > 0 {
					if prev := o.relationshipPath(ref.path[:i], e); prev != nil {
						for _, t := range prev.ReferenceTo {
							if tf := e.objects[strings.ToLower(t)].field(part); tf != nil {
								ref.f = tf
								return nil
							}
						}
					}
				}
				return &soqlErr{code: "INVALID_FIELD", pos: ref.pos, msg: noSuchColumn(cur, ref.String())}
			}
			ref.f = f
			return nil
		}
		rel := cur.relationship(part)
		if rel == nil {
			return &soqlErr{code: "INVALID_FIELD", pos: ref.pos, msg: "Didn't understand relationship '" + part + "' in field path. If you are " +
				"attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your " +
				"WSDL or the describe call for the appropriate names."}
		}
		cur = e.objects[strings.ToLower(rel.ReferenceTo[0])]
	}
	return nil
}

// relationshipPath returns the lookup field the relationship path ends at.
func (o *sobject) relationshipPath(path []string, e *Emulator) *field {
	cur := o
	var rel *field
	for _, part := range path {
		rel = cur.relationship(part)
		if rel == nil {
			return nil
		}
		cur = e.objects[strings.ToLower(rel.ReferenceTo[0])]
	}
	return rel
}

func (e *Emulator) resolve(q *soqlQuery) (*sobject, *soqlErr) {
	o := e.objects[strings.ToLower(q.from)]
	if o == nil {
		return nil, &soqlErr{code: "INVALID_TYPE", pos: q.fromPos, msg: "sObject type '" + q.from + "' is not supported. If you are attempting " +
			"to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names."}
	}
	for i := range q.fields {
		if err := e.resolveField(o, &q.fields[i]); err != nil {
			return nil, err
		}
	}
	for i := range q.order {
		if err := e.resolveField(o, &q.order[i].field); err != nil {
			return nil, err
		}
	}
	var walk func(n node) (node, *soqlErr)
	walk = func(n node) (node, *soqlErr) {
		switch x := n.(type) {
		case andNode:
			l, err := walk(x.l)
			if err != nil {
				return nil, err
			}
			r, err := walk(x.r)
			return andNode{l, r}, err
		case orNode:
			l, err := walk(x.l)
			if err != nil {
				return nil, err
			}
			r, err := walk(x.r)
			return orNode{l, r}, err
		case notNode:
			c, err := walk(x.n)
			return notNode{c}, err
		case condNode:
			if err := e.resolveField(o, &x.field); err != nil {
				return nil, err
			}
			for _, v := range x.values {
				if err := checkValue(x.field.f, x.op, v); err != nil {
					return nil, err
				}
			}
			return x, nil
		}
		return n, nil
	}
	if q.where != nil {
		w, err := walk(q.where)
		if err != nil {
			return nil, err
		}
		q.where = w
	}
	return o, nil
}

// checkValue refuses a literal of the wrong type for its field, with
// Salesforce's words.
func checkValue(f *field, op string, v value) *soqlErr {
	if v.isNull() {
		if op == "=" || op == "!=" || op == "IN" || op == "NOTIN" {
			return nil
		}
		return &soqlErr{code: "MALFORMED_QUERY", pos: v.pos, msg: "invalid operator on null"}
	}
	switch f.Type {
	case tBoolean:
		if !v.isBool() {
			return typeErr(v.pos, f, "boolean", false)
		}
	case tDate:
		if v.kind != tkDate && v.kind != tkDateLiteral {
			return typeErr(v.pos, f, "date", false)
		}
	case tDatetime:
		if v.kind != tkDatetime && v.kind != tkDateLiteral {
			return typeErr(v.pos, f, "dateTime", false)
		}
	case tCurrency, tPercent, tDouble, tInt:
		if v.kind != tkNumber {
			want := "double"
			if f.Type == tInt {
				want = "int"
			}
			return typeErr(v.pos, f, want, false)
		}
	case tAddress:
		return &soqlErr{code: "INVALID_FIELD", pos: v.pos, msg: "field '" + f.Name + "' can not be filtered in a query call"}
	default:
		if v.kind != tkString {
			return typeErr(v.pos, f, "string", true)
		}
	}
	if op == "LIKE" && v.kind != tkString {
		return &soqlErr{code: "INVALID_FIELD", pos: v.pos, msg: "invalid operator on field '" + f.Name + "'"}
	}
	return nil
}

// --- evaluation ---------------------------------------------------------------

// valueOf reads a path of rec, walking lookups.
func (e *Emulator) valueOf(o *sobject, rec Record, path []string) any {
	for len(path) > 1 {
		rel := o.relationship(path[0])
		if rel == nil {
			return nil
		}
		to, target, ok := e.find(str(rec, rel.Name))
		if !ok {
			return nil
		}
		o, rec, path = to, target, path[1:]
	}
	return rec[o.field(path[0]).Name]
}

func (e *Emulator) run(o *sobject, q *soqlQuery) []Record {
	all := e.coll(o).All()
	var rows []Record
	for _, rec := range all {
		if q.where == nil || e.eval(o, rec, q.where) {
			rows = append(rows, rec)
		}
	}
	if len(q.order) > 0 {
		sort.SliceStable(rows, func(i, j int) bool {
			for _, it := range q.order {
				a, b := e.valueOf(o, rows[i], it.field.path), e.valueOf(o, rows[j], it.field.path)
				switch {
				case a == nil && b == nil:
					continue
				case a == nil:
					return it.nullsFirst
				case b == nil:
					return !it.nullsFirst
				}
				c := compare(it.field.f, a, b)
				if c == 0 {
					continue
				}
				return c < 0 != it.desc
			}
			return false
		})
	}
	if q.offset > 0 {
		rows = rows[min(q.offset, len(rows)):]
	}
	if q.limit >= 0 && len(rows) > q.limit {
		rows = rows[:q.limit]
	}
	return rows
}

func (e *Emulator) eval(o *sobject, rec Record, n node) bool {
	switch x := n.(type) {
	case andNode:
		return e.eval(o, rec, x.l) && e.eval(o, rec, x.r)
	case orNode:
		return e.eval(o, rec, x.l) || e.eval(o, rec, x.r)
	case notNode:
		return !e.eval(o, rec, x.n)
	case condNode:
		got := e.valueOf(o, rec, x.field.path)
		switch x.op {
		case "IN", "NOTIN":
			in := false
			for _, v := range x.values {
				in = in || matches(x.field.f, got, "=", v)
			}
			return in == (x.op == "IN")
		}
		return matches(x.field.f, got, x.op, x.values[0])
	}
	return false
}

// matches compares a stored value with a literal.
func matches(f *field, got any, op string, v value) bool {
	if v.isNull() {
		return (got == nil) == (op == "=")
	}
	if got == nil {
		return op == "!="
	}
	var c int
	switch f.Type {
	case tBoolean:
		want := strings.EqualFold(v.text, "true")
		c = map[bool]int{true: 0, false: 1}[got == want]
		if op != "=" && op != "!=" {
			return false
		}
	case tDate, tDatetime:
		t := storedTime(f, got)
		if v.kind == tkDateLiteral || v.kind == tkDate && f.Type == tDate {
			// A date or date literal is a range: equal means within it.
			switch {
			case t.Before(v.t):
				c = -1
			case !t.Before(v.end):
				c = 1
			}
		} else {
			c = t.Compare(v.t)
		}
	case tCurrency, tPercent, tDouble, tInt:
		r, _ := new(big.Rat).SetString(got.(string))
		c = r.Cmp(v.num)
	case tID, tReference:
		a := got.(string)
		b, ok := canonicalID(v.text)
		if !ok {
			b = v.text
		}
		if op == "LIKE" {
			return like(a, v.text)
		}
		// Ids compare as their case-sensitive 15 characters.
		c = strings.Compare(a[:min(15, len(a))], b[:min(15, len(b))])
	default:
		if op == "LIKE" {
			return like(got.(string), v.text)
		}
		c = strings.Compare(strings.ToLower(got.(string)), strings.ToLower(v.text))
	}
	switch op {
	case "=":
		return c == 0
	case "!=":
		return c != 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	}
	return false
}

func storedTime(f *field, v any) time.Time {
	s, _ := v.(string)
	if f.Type == tDate {
		t, _ := parseDate(s)
		return t
	}
	t, _ := parseTime(s)
	return t
}

// compare orders two stored values of f.
func compare(f *field, a, b any) int {
	switch f.Type {
	case tBoolean:
		ab, bb := a == true, b == true
		switch {
		case ab == bb:
			return 0
		case !ab:
			return -1
		}
		return 1
	case tDate, tDatetime:
		return storedTime(f, a).Compare(storedTime(f, b))
	case tCurrency, tPercent, tDouble, tInt:
		ra, _ := new(big.Rat).SetString(a.(string))
		rb, _ := new(big.Rat).SetString(b.(string))
		return ra.Cmp(rb)
	case tID, tReference:
		return strings.Compare(a.(string), b.(string))
	}
	as, _ := a.(string)
	bs, _ := b.(string)
	return strings.Compare(strings.ToLower(as), strings.ToLower(bs))
}

// like is SOQL's LIKE: % any characters, _ one, case-insensitive.
func like(s, pattern string) bool {
	var re strings.Builder
	re.WriteString("(?is)^")
	for _, r := range pattern {
		switch r {
		case '%':
			re.WriteString(".*")
		case '_':
			re.WriteString(".")
		default:
			re.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	re.WriteString("$")
	ok, _ := regexp.MatchString(re.String(), s)
	return ok
}
