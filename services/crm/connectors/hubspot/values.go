package hubspot

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/normalize"
)

// timeLayout is how the connector writes timestamps: UTC with
// milliseconds, as HubSpot writes them.
const timeLayout = "2006-01-02T15:04:05.000Z"

// parseTime reads a HubSpot date or datetime value in every form HubSpot
// uses: ISO 8601 with or without milliseconds ("2024-01-05T10:00:00.000Z"),
// a date ("2024-01-05", date properties), or Unix milliseconds (legacy
// values and some calculated properties).
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if isDigits(s) {
		ms, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, false
		}
		return time.UnixMilli(ms).UTC(), true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000Z0700", "2006-01-02T15:04:05Z0700", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// timestamp converts a HubSpot time value; nil when empty or unreadable.
func timestamp(s string) *timestamppb.Timestamp {
	t, ok := parseTime(s)
	if !ok {
		return nil
	}
	return timestamppb.New(t)
}

// recordTime converts a record's createdAt or updatedAt; nil for the zero
// time and for the Unix epoch, which HubSpot gives its default pipelines
// as their creation time.
func recordTime(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() || t.Unix() == 0 {
		return nil
	}
	return timestamppb.New(t)
}

// dateOf reads a date-only value: "2024-01-05" as is, a timestamp as its
// UTC date (HubSpot keeps close dates at midnight UTC).
func dateOf(s string) string {
	t, ok := parseTime(s)
	if !ok {
		return ""
	}
	return t.Format("2006-01-02")
}

// writeTime writes a unified timestamp as HubSpot's; "" for nil (clears).
func writeTime(ts *timestamppb.Timestamp) string {
	if ts == nil {
		return ""
	}
	return normalize.Time(ts).Format(timeLayout)
}

// midnightUTC writes a unified date (YYYY-MM-DD) as a datetime at
// midnight UTC, the form HubSpot takes for date-like datetime properties
// such as closedate.
func midnightUTC(field, date string) (string, error) {
	if date == "" {
		return "", nil
	}
	t, err := time.Parse("2006-01-02", date)
	if err != nil {
		return "", connector.BadField(field, "%q is not a date (YYYY-MM-DD)", date)
	}
	return t.Format(timeLayout), nil
}

var decimalRe = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// isDecimal reports whether s is a plain decimal number, the form HubSpot
// writes number properties in.
func isDecimal(s string) bool { return decimalRe.MatchString(s) }

// percent turns a 0..1 probability into a percentage without float noise
// (0.29*100 = 28.999999999999996).
func percent(p float64) float64 { return math.Round(p*100*1e6) / 1e6 }

// probabilityString writes a 0..1 probability as HubSpot does: "0.2", "1.0".
func probabilityString(p float64) string {
	s := strconv.FormatFloat(p, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// splitList reads a multi-value property: HubSpot separates values with ";".
func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ";") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// checkID validates a reference to a HubSpot record: ids are numbers.
func checkID(field, id string) error {
	if id != "" && !isDigits(id) {
		return connector.BadField(field, "%q is not a HubSpot record id (a number)", id)
	}
	return nil
}

func checkIDs(field string, ids []string) error {
	for i, id := range ids {
		if id == "" || !isDigits(id) {
			return connector.BadField(field+"["+strconv.Itoa(i)+"]", "%q is not a HubSpot record id (a number)", id)
		}
	}
	return nil
}
