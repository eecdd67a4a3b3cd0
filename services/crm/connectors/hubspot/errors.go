package hubspot

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"google.golang.org/grpc/codes"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/providerhttp"
)

// badID refuses, before any call, an id that cannot be one of HubSpot's.
func badID(object, id, want string) error {
	msg := fmt.Sprintf("%q is not a HubSpot %s id (%s)", id, object, want)
	return apierr.InvalidArgument(apierr.ReasonInvalidArgument, msg,
		apierr.FieldViolation{Field: "id", Description: msg, Reason: apierr.ReasonInvalidArgument})
}

// checkRecordID validates the id of a record of the objects API: a number.
func checkRecordID(object, id string) error {
	if !isDigits(id) || len(id) > 20 {
		return badID(object, id, "a number")
	}
	return nil
}

// errorOf reads HubSpot's error body from a provider error.
func errorOf(err error) (*providerhttp.Error, *errorBody) {
	var pe *providerhttp.Error
	if !errors.As(err, &pe) || pe.Response == nil {
		return nil, nil
	}
	var body errorBody
	if json.Unmarshal(pe.Response.Body, &body) != nil {
		return pe, nil
	}
	return pe, &body
}

// legacyResult is an entry of the validation list HubSpot writes, as JSON,
// into the message of a VALIDATION_ERROR ("Property values were not valid: [...]").
type legacyResult struct {
	Name    string `json:"name"`
	Message string `json:"message"`
	Error   string `json:"error"`
}

// propertyIssues lists the invalid properties of a VALIDATION_ERROR: from
// errors[].context.propertyName, or else from the JSON list in the message.
func propertyIssues(body *errorBody) []legacyResult {
	var out []legacyResult
	for _, e := range body.Errors {
		for _, name := range e.Context["propertyName"] {
			out = append(out, legacyResult{Name: name, Message: e.Message, Error: e.Code})
		}
	}
	if len(out) > 0 {
		return out
	}
	if i := strings.Index(body.Message, "["); i >= 0 && strings.HasPrefix(body.Message, "Property values were not valid") {
		var list []legacyResult
		if json.Unmarshal([]byte(body.Message[i:]), &list) == nil {
			return list
		}
	}
	return nil
}

// writeError turns HubSpot's refusal of a write into the API's error: the
// invalid properties become field violations on the unified fields (wire
// maps HubSpot properties to them; custom properties are
// custom_fields.<name>), invalid associations violations of the field that
// asked for them; a 409 for an existing contact ALREADY_EXISTS. Other
// errors pass as they are.
func writeError(err error, object string, wire map[string]string, defs propDefs, links []*link) error {
	pe, body := errorOf(err)
	if pe == nil || body == nil {
		return err
	}
	if pe.Response.StatusCode == http.StatusConflict && body.Category == "CONFLICT" {
		if id := existingID(body.Message); id != "" {
			return apierr.New(codes.AlreadyExists, apierr.ReasonAlreadyExists,
				fmt.Sprintf("HubSpot already has %s %s with this email address", object, id), "existing_id", id, "integration", Slug)
		}
		return err
	}
	if pe.Response.StatusCode != http.StatusBadRequest && pe.Response.StatusCode != http.StatusUnprocessableEntity {
		return err
	}
	var vs []apierr.FieldViolation
	for _, issue := range propertyIssues(body) {
		field := object
		switch unified, ok := wire[issue.Name]; {
		case ok:
			field += "." + unified
		case defs[issue.Name].Custom:
			field += ".custom_fields." + issue.Name
		}
		vs = append(vs, apierr.FieldViolation{Field: field, Description: issue.Message, Reason: apierr.ReasonProviderRejected})
	}
	for _, e := range body.Errors {
		for _, id := range e.Context["toObjectId"] {
			for _, l := range links {
				if slices.Contains(l.ids, id) {
					vs = append(vs, apierr.FieldViolation{Field: object + "." + l.field, Description: e.Message, Reason: apierr.ReasonProviderRejected})
				}
			}
		}
	}
	if len(vs) == 0 {
		return err
	}
	return apierr.InvalidArgument(apierr.ReasonProviderRejected,
		fmt.Sprintf("HubSpot rejected the %s: %s: %s", object, vs[0].Field, vs[0].Description), vs...)
}

var existingIDRe = regexp.MustCompile(`Existing ID: ?([0-9]+)`)

// existingID reads the id HubSpot names in a 409 for a duplicate contact.
func existingID(msg string) string {
	if m := existingIDRe.FindStringSubmatch(msg); m != nil {
		return m[1]
	}
	return ""
}
