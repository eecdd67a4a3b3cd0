package salesforceemu

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// The SOQL subset the emulator runs, parsed as the SOQL reference writes it:
//
//	SELECT field[, field...] | COUNT()
//	FROM sObject
//	[WHERE condition [AND|OR condition...]]   (NOT, parentheses; =, !=, <>, <, <=, >, >=,
//	                                            LIKE, IN (...), NOT IN (...))
//	[ORDER BY field [ASC|DESC] [NULLS FIRST|LAST][, ...]]
//	[LIMIT n] [OFFSET n]
//
// Fields may walk lookups (Account.Name, Owner.Name, Who.Name). Values are
// 'quoted strings' (with \' \\ \n escapes), numbers, true, false, null,
// dates (2024-01-05), datetimes (2024-01-05T10:00:00Z, ...+01:00), and the
// date literals TODAY, YESTERDAY, TOMORROW, LAST_N_DAYS:n and NEXT_N_DAYS:n.

type tokKind int

const (
	tkEOF tokKind = iota
	tkIdent
	tkString
	tkNumber
	tkDate
	tkDatetime
	tkDateLiteral
	tkSymbol
)

type token struct {
	kind tokKind
	text string // as written (strings: unescaped)
	pos  int    // byte offset in the query
}

// soqlErr is a query error at a position.
type soqlErr struct {
	code string
	pos  int
	msg  string
}

func (e *soqlErr) Error() string { return e.msg }

func unexpected(t token) *soqlErr {
	text := t.text
	switch t.kind {
	case tkEOF:
		text = "<EOF>"
	case tkString:
		text = "'" + t.text + "'"
	}
	return &soqlErr{code: "MALFORMED_QUERY", pos: t.pos, msg: "unexpected token: " + text}
}

func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool      { return c >= '0' && c <= '9' }

func lex(q string) ([]token, *soqlErr) {
	var out []token
	i := 0
	for i < len(q) {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '\'':
			start := i
			var b strings.Builder
			i++
			closed := false
			for i < len(q) {
				if q[i] == '\\' && i+1 < len(q) {
					switch q[i+1] {
					case 'n':
						b.WriteByte('\n')
					case 't':
						b.WriteByte('\t')
					case 'r':
						b.WriteByte('\r')
					default:
						b.WriteByte(q[i+1])
					}
					i += 2
					continue
				}
				if q[i] == '\'' {
					closed = true
					i++
					break
				}
				b.WriteByte(q[i])
				i++
			}
			if !closed {
				return nil, &soqlErr{code: "MALFORMED_QUERY", pos: start, msg: "line 1:" + strconv.Itoa(start) + " mismatched character '<EOF>' expecting '''"}
			}
			out = append(out, token{kind: tkString, text: b.String(), pos: start})
		case isDigit(c) || (c == '-' || c == '+') && i+1 < len(q) && isDigit(q[i+1]):
			start := i
			i++
			for i < len(q) && (isDigit(q[i]) || strings.IndexByte(".-:+TZ", q[i]) >= 0) {
				i++
			}
			text := q[start:i]
			kind := tkNumber
			switch {
			case len(text) >= 19 && text[4] == '-' && text[10] == 'T':
				kind = tkDatetime
			case len(text) == 10 && text[4] == '-' && text[7] == '-':
				kind = tkDate
			}
			out = append(out, token{kind: kind, text: text, pos: start})
		case isIdentStart(c):
			start := i
			for i < len(q) && (isIdentStart(q[i]) || isDigit(q[i]) || q[i] == '.') {
				i++
			}
			kind := tkIdent
			// LAST_N_DAYS:30 is one date literal.
			if i < len(q) && q[i] == ':' && i+1 < len(q) && isDigit(q[i+1]) {
				i++
				for i < len(q) && isDigit(q[i]) {
					i++
				}
				kind = tkDateLiteral
			}
			out = append(out, token{kind: kind, text: q[start:i], pos: start})
		default:
			start := i
			two := ""
			if i+1 < len(q) {
				two = q[i : i+2]
			}
			switch {
			case two == "!=" || two == "<>" || two == "<=" || two == ">=":
				out = append(out, token{kind: tkSymbol, text: two, pos: start})
				i += 2
			case strings.IndexByte(",()=<>", c) >= 0:
				out = append(out, token{kind: tkSymbol, text: string(c), pos: start})
				i++
			default:
				return nil, &soqlErr{code: "MALFORMED_QUERY", pos: start, msg: fmt.Sprintf("line 1:%d no viable alternative at character '%c'", start, c)}
			}
		}
	}
	return append(out, token{kind: tkEOF, pos: len(q)}), nil
}

// fieldRef is a field of the SELECT, WHERE or ORDER BY, as written.
type fieldRef struct {
	path []string
	pos  int
	// set when resolved: the field at the end of the path.
	f *field
}

func (r fieldRef) String() string { return strings.Join(r.path, ".") }

// value is a literal.
type value struct {
	kind tokKind // tkString, tkNumber, tkDate, tkDatetime, tkDateLiteral, tkIdent (true/false/null)
	text string
	pos  int
	num  *big.Rat
	t    time.Time // dates and datetimes; the start of a date literal's range
	end  time.Time // the end of a date literal's range (exclusive)
}

func (v value) isNull() bool { return v.kind == tkIdent && strings.EqualFold(v.text, "null") }
func (v value) isBool() bool {
	return v.kind == tkIdent && (strings.EqualFold(v.text, "true") || strings.EqualFold(v.text, "false"))
}

// node is a WHERE expression.
type node interface{}

type andNode struct{ l, r node }
type orNode struct{ l, r node }
type notNode struct{ n node }
type condNode struct {
	field  fieldRef
	op     string // = != < <= > >= LIKE IN NOTIN
	values []value
}

type orderItem struct {
	field      fieldRef
	desc       bool
	nullsFirst bool
}

type soqlQuery struct {
	text    string
	count   bool
	fields  []fieldRef
	from    string
	fromPos int
	where   node
	order   []orderItem
	limit   int // -1: none
	offset  int
}

type parser struct {
	toks []token
	i    int
	now  time.Time
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tkEOF {
		p.i++
	}
	return t
}

func (p *parser) keyword(words ...string) bool {
	t := p.peek()
	if t.kind != tkIdent {
		return false
	}
	for _, w := range words {
		if strings.EqualFold(t.text, w) {
			return true
		}
	}
	return false
}

func (p *parser) expectKeyword(w string) *soqlErr {
	if !p.keyword(w) {
		return unexpected(p.peek())
	}
	p.next()
	return nil
}

func (p *parser) symbol(s string) bool {
	t := p.peek()
	return t.kind == tkSymbol && t.text == s
}

func (p *parser) expectSymbol(s string) *soqlErr {
	if !p.symbol(s) {
		return unexpected(p.peek())
	}
	p.next()
	return nil
}

var reserved = map[string]bool{"select": true, "from": true, "where": true, "and": true, "or": true, "not": true, "order": true,
	"by": true, "limit": true, "offset": true, "asc": true, "desc": true, "nulls": true, "in": true, "like": true, "null": true,
	"true": true, "false": true}

func (p *parser) fieldRef() (fieldRef, *soqlErr) {
	t := p.peek()
	if t.kind != tkIdent || reserved[strings.ToLower(t.text)] {
		return fieldRef{}, unexpected(t)
	}
	p.next()
	return fieldRef{path: strings.Split(t.text, "."), pos: t.pos}, nil
}

func parseSOQL(q string, now time.Time) (*soqlQuery, *soqlErr) {
	toks, err := lex(q)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, now: now}
	out := &soqlQuery{text: q, limit: -1}
	if err := p.expectKeyword("SELECT"); err != nil {
		return nil, err
	}
	if p.keyword("COUNT") && p.toks[p.i+1].kind == tkSymbol && p.toks[p.i+1].text == "(" {
		p.next()
		p.next()
		if err := p.expectSymbol(")"); err != nil {
			return nil, err
		}
		out.count = true
	} else {
		for {
			f, err := p.fieldRef()
			if err != nil {
				return nil, err
			}
			out.fields = append(out.fields, f)
			if !p.symbol(",") {
				break
			}
			p.next()
		}
	}
	if err := p.expectKeyword("FROM"); err != nil {
		return nil, err
	}
	t := p.next()
	if t.kind != tkIdent || strings.Contains(t.text, ".") || reserved[strings.ToLower(t.text)] {
		return nil, unexpected(t)
	}
	out.from, out.fromPos = t.text, t.pos
	if p.keyword("WHERE") {
		p.next()
		w, err := p.orExpr()
		if err != nil {
			return nil, err
		}
		out.where = w
	}
	if p.keyword("ORDER") {
		p.next()
		if err := p.expectKeyword("BY"); err != nil {
			return nil, err
		}
		for {
			f, err := p.fieldRef()
			if err != nil {
				return nil, err
			}
			it := orderItem{field: f}
			if p.keyword("ASC", "DESC") {
				it.desc = strings.EqualFold(p.next().text, "DESC")
			}
			// SOQL puts nulls first in ascending order and last in descending order.
			it.nullsFirst = !it.desc
			if p.keyword("NULLS") {
				p.next()
				if !p.keyword("FIRST", "LAST") {
					return nil, unexpected(p.peek())
				}
				it.nullsFirst = strings.EqualFold(p.next().text, "FIRST")
			}
			out.order = append(out.order, it)
			if !p.symbol(",") {
				break
			}
			p.next()
		}
	}
	if p.keyword("LIMIT") {
		p.next()
		n, err := p.integer()
		if err != nil {
			return nil, err
		}
		out.limit = n
	}
	if p.keyword("OFFSET") {
		p.next()
		n, err := p.integer()
		if err != nil {
			return nil, err
		}
		out.offset = n
	}
	if t := p.peek(); t.kind != tkEOF {
		return nil, unexpected(t)
	}
	return out, nil
}

func (p *parser) integer() (int, *soqlErr) {
	t := p.next()
	n, err := strconv.Atoi(t.text)
	if t.kind != tkNumber || err != nil || n < 0 {
		return 0, unexpected(t)
	}
	return n, nil
}

func (p *parser) orExpr() (node, *soqlErr) {
	l, err := p.andExpr()
	if err != nil {
		return nil, err
	}
	for p.keyword("OR") {
		p.next()
		r, err := p.andExpr()
		if err != nil {
			return nil, err
		}
		l = orNode{l, r}
	}
	return l, nil
}

func (p *parser) andExpr() (node, *soqlErr) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.keyword("AND") {
		p.next()
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		l = andNode{l, r}
	}
	return l, nil
}

func (p *parser) unary() (node, *soqlErr) {
	if p.keyword("NOT") {
		p.next()
		n, err := p.unary()
		if err != nil {
			return nil, err
		}
		return notNode{n}, nil
	}
	if p.symbol("(") {
		p.next()
		n, err := p.orExpr()
		if err != nil {
			return nil, err
		}
		if err := p.expectSymbol(")"); err != nil {
			return nil, err
		}
		return n, nil
	}
	return p.condition()
}

func (p *parser) condition() (node, *soqlErr) {
	f, err := p.fieldRef()
	if err != nil {
		return nil, err
	}
	c := condNode{field: f}
	switch t := p.peek(); {
	case t.kind == tkSymbol && strings.Contains("= != <> < <= > >=", t.text) && t.text != "(" && t.text != ")" && t.text != ",":
		p.next()
		c.op = t.text
		if c.op == "<>" {
			c.op = "!="
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		c.values = []value{v}
	case p.keyword("LIKE"):
		p.next()
		c.op = "LIKE"
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		c.values = []value{v}
	case p.keyword("IN"), p.keyword("NOT"):
		c.op = "IN"
		if p.keyword("NOT") {
			p.next()
			c.op = "NOTIN"
			if !p.keyword("IN") {
				return nil, unexpected(p.peek())
			}
		}
		p.next()
		if err := p.expectSymbol("("); err != nil {
			return nil, err
		}
		for {
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			c.values = append(c.values, v)
			if !p.symbol(",") {
				break
			}
			p.next()
		}
		if err := p.expectSymbol(")"); err != nil {
			return nil, err
		}
	default:
		return nil, unexpected(t)
	}
	return c, nil
}

func (p *parser) value() (value, *soqlErr) {
	t := p.next()
	v := value{kind: t.kind, text: t.text, pos: t.pos}
	switch t.kind {
	case tkString:
	case tkNumber:
		r, ok := new(big.Rat).SetString(t.text)
		if !ok {
			return v, unexpected(t)
		}
		v.num = r
	case tkDate:
		d, ok := parseDate(t.text)
		if !ok {
			return v, &soqlErr{code: "MALFORMED_QUERY", pos: t.pos, msg: "line 1:" + strconv.Itoa(t.pos) + " no viable alternative at character '" + t.text + "'"}
		}
		v.t, v.end = d, d.AddDate(0, 0, 1)
	case tkDatetime:
		d, ok := parseTime(t.text)
		if !ok {
			return v, &soqlErr{code: "MALFORMED_QUERY", pos: t.pos, msg: "line 1:" + strconv.Itoa(t.pos) + " no viable alternative at character '" + t.text + "'"}
		}
		v.t = d
	case tkDateLiteral:
		name, nstr, _ := strings.Cut(strings.ToUpper(t.text), ":")
		n, _ := strconv.Atoi(nstr)
		today := time.Date(p.now.Year(), p.now.Month(), p.now.Day(), 0, 0, 0, 0, time.UTC)
		switch name {
		case "LAST_N_DAYS":
			v.t, v.end = today.AddDate(0, 0, -n), today.AddDate(0, 0, 1)
		case "NEXT_N_DAYS":
			v.t, v.end = today.AddDate(0, 0, 1), today.AddDate(0, 0, n+1)
		default:
			return v, &soqlErr{code: "MALFORMED_QUERY", pos: t.pos, msg: "line 1:" + strconv.Itoa(t.pos) + " no viable alternative at character '" + t.text + "'"}
		}
	case tkIdent:
		switch strings.ToUpper(t.text) {
		case "TRUE", "FALSE", "NULL":
		case "TODAY", "YESTERDAY", "TOMORROW":
			today := time.Date(p.now.Year(), p.now.Month(), p.now.Day(), 0, 0, 0, 0, time.UTC)
			shift := map[string]int{"TODAY": 0, "YESTERDAY": -1, "TOMORROW": 1}[strings.ToUpper(t.text)]
			v.kind = tkDateLiteral
			v.t = today.AddDate(0, 0, shift)
			v.end = v.t.AddDate(0, 0, 1)
		default:
			return v, unexpected(t)
		}
	default:
		return v, unexpected(t)
	}
	return v, nil
}

// errorMessage writes a query error the way Salesforce does: the query's
// line, a caret under the culprit, its row and column, then the text.
func errorMessage(q string, pos int, msg string) string {
	if pos > len(q) {
		pos = len(q)
	}
	row := strings.Count(q[:pos], "\n") + 1
	lineStart := strings.LastIndex(q[:pos], "\n") + 1
	lineEnd := strings.IndexByte(q[pos:], '\n')
	line := q[lineStart:]
	if lineEnd >= 0 {
		line = q[lineStart : pos+lineEnd]
	}
	col := pos - lineStart + 1
	return fmt.Sprintf("\n%s\n%s^\nERROR at Row:%d:Column:%d\n%s", line, strings.Repeat(" ", col-1), row, col, msg)
}
