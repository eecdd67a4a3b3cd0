package pipedrive

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/providerhttp"
)

// errorBody is Pipedrive's error envelope: {success: false, error,
// error_info, data: null, additional_data: null}.
type errorBody struct {
	Error     string `json:"error"`
	ErrorInfo string `json:"error_info"`
}

// describe gives Pipedrive's own error message for our errors. The
// message never holds the token: Pipedrive does not echo credentials.
func describe(resp *providerhttp.Response) string {
	var b errorBody
	if json.Unmarshal(resp.Body, &b) != nil {
		return ""
	}
	return b.Error
}

// retryAfter reads how long a 429 asks to wait: Retry-After, else
// x-ratelimit-reset (the seconds until the rate-limit window resets).
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if d, ok := providerhttp.RetryAfter(h, now); ok {
		return d, true
	}
	v := strings.TrimSpace(h.Get("x-ratelimit-reset"))
	if v == "" {
		return 0, false
	}
	secs, err := strconv.ParseFloat(v, 64)
	if err != nil || secs < 0 {
		return 0, false
	}
	return time.Duration(secs * float64(time.Second)), true
}

// validationPrefix starts the message of a 400 that names fields:
// "Validation failed: title: is required; value: must be a number".
const validationPrefix = "Validation failed: "

var wireFieldRE = regexp.MustCompile(`^([A-Za-z0-9_]+)((?:\[\d+\]|\.[A-Za-z0-9_]+)*)$`)

// wireMap maps Pipedrive's field names (in its validation errors) to unified ones.
type wireMap map[string]string

// rejected turns a 400 of Pipedrive into the unified INVALID_ARGUMENT with
// a violation per field it names, on unified field names under object.
// customName names a custom field key ("custom_fields.<key>"). Other
// errors pass as they are.
func rejected(err error, object string, wire wireMap, customName func(key string) string) error {
	var pe *providerhttp.Error
	if !errors.As(err, &pe) || (pe.Response.StatusCode != http.StatusBadRequest && pe.Response.StatusCode != http.StatusUnprocessableEntity) {
		return err
	}
	var body errorBody
	if json.Unmarshal(pe.Response.Body, &body) != nil || body.Error == "" {
		return err
	}
	var vs []apierr.FieldViolation
	if rest, ok := strings.CutPrefix(body.Error, validationPrefix); ok {
		for _, part := range strings.Split(rest, "; ") {
			name, msg, ok := strings.Cut(part, ": ")
			if !ok {
				continue
			}
			vs = append(vs, apierr.FieldViolation{Field: unifiedPath(object, name, wire, customName), Description: msg, Reason: apierr.ReasonProviderRejected})
		}
	}
	if len(vs) == 0 {
		vs = append(vs, apierr.FieldViolation{Field: object, Description: body.Error, Reason: apierr.ReasonProviderRejected})
	}
	return apierr.InvalidArgument(apierr.ReasonProviderRejected, fmt.Sprintf("Pipedrive rejected the %s: %s", object, body.Error), vs...)
}

// unifiedPath maps a Pipedrive field path ("emails[1].label",
// "custom_fields.<key>", "<key>" of a v1 lead) to the unified one.
func unifiedPath(object, name string, wire wireMap, customName func(string) string) string {
	if hashKeyRE.MatchString(name) && customName != nil {
		return object + ".custom_fields." + customName(name)
	}
	m := wireFieldRE.FindStringSubmatch(name)
	if m == nil {
		return object
	}
	top, rest := m[1], m[2]
	if top == "custom_fields" && customName != nil && strings.HasPrefix(rest, ".") {
		return object + ".custom_fields." + customName(rest[1:])
	}
	if u, ok := wire[top]; ok {
		return object + "." + u + rest
	}
	return object
}

// badID refuses an id that cannot be one of Pipedrive's before any call:
// field is "id" for get and delete, "<object>.id" for update.
func badID(field, id, want string) error {
	return apierr.InvalidArgument(apierr.ReasonInvalidArgument, fmt.Sprintf("%s %q is not a Pipedrive id (%s)", field, id, want),
		apierr.FieldViolation{Field: field, Description: "must be " + want, Reason: apierr.ReasonInvalidArgument})
}

// numericID parses a Pipedrive integer id.
func numericID(field, id string) (int64, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 || strconv.FormatInt(n, 10) != id {
		return 0, badID(field, id, "a positive integer")
	}
	return n, nil
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// leadID checks a lead's UUID.
func leadID(field, id string) error {
	if !uuidRE.MatchString(id) {
		return badID(field, id, "a lead UUID such as 5f1f2bc0-1d6a-11eb-8d27-6f9b2a9e1f3c")
	}
	return nil
}
