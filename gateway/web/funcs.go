package web

import (
	"html/template"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"
)

// funcs are the templates' helpers.
func (s *server) funcs() template.FuncMap {
	return template.FuncMap{
		// iso is a timestamp for <time datetime>.
		"iso": func(t *timestamppb.Timestamp) string {
			if t == nil {
				return ""
			}
			return t.AsTime().UTC().Format(time.RFC3339)
		},
		// human is a timestamp for people: UTC, to the minute, the same
		// for every operator wherever they are.
		"human": func(t *timestamppb.Timestamp) string {
			if t == nil {
				return ""
			}
			return t.AsTime().UTC().Format("2 Jan 2006, 15:04 UTC")
		},
		"join": strings.Join,
		"ms": func(v float64) string {
			return strconv.FormatFloat(v, 'f', 1, 64)
		},
	}
}
