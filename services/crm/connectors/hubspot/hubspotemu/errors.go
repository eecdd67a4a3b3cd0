package hubspotemu

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/unimesh/unimesh/pkg/emulator"
)

// apiError is HubSpot's error body. Rate-limit answers add errorType and
// policyName to it.
type apiError struct {
	Status        string              `json:"status"`
	Message       string              `json:"message"`
	CorrelationID string              `json:"correlationId"`
	Category      string              `json:"category"`
	SubCategory   string              `json:"subCategory,omitempty"`
	Context       map[string][]string `json:"context,omitempty"`
	Errors        []errorDetail       `json:"errors,omitempty"`
	Links         map[string]string   `json:"links,omitempty"`
	ErrorType     string              `json:"errorType,omitempty"`
	PolicyName    string              `json:"policyName,omitempty"`
}

type errorDetail struct {
	Message string              `json:"message"`
	Code    string              `json:"code,omitempty"`
	In      string              `json:"in,omitempty"`
	Context map[string][]string `json:"context,omitempty"`
}

// correlationID makes a UUID-shaped id, distinct per answer and
// deterministic for a given sequence of requests.
func (e *Emulator) correlationID() string {
	n := e.correlator.Add(1)
	return fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x", 0x5c0ffee0+n, n&0xffff, (n>>4)&0xfff, (n>>8)&0xfff, n*7919)
}

func (e *Emulator) writeError(w http.ResponseWriter, status int, body apiError) {
	body.Status = "error"
	body.CorrelationID = e.correlationID()
	emulator.WriteJSON(w, status, body)
}

// propertyError is one invalid property value, as HubSpot lists them.
type propertyError struct {
	Name    string
	Code    string // PROPERTY_DOESNT_EXIST, READ_ONLY_VALUE, INVALID_OPTION, ...
	Message string
}

// validationResult is the legacy per-property entry HubSpot still embeds,
// as JSON, in the message of a VALIDATION_ERROR.
type validationResult struct {
	IsValid               bool   `json:"isValid"`
	Message               string `json:"message"`
	Error                 string `json:"error"`
	Name                  string `json:"name"`
	LocalizedErrorMessage string `json:"localizedErrorMessage"`
	PortalID              int    `json:"portalId"`
}

// writePropertyErrors answers 400 VALIDATION_ERROR for invalid property
// values: the message carries the JSON list of validation results, as
// HubSpot's does, and errors[] names each property in context.propertyName.
func (e *Emulator) writePropertyErrors(w http.ResponseWriter, errs []propertyError) {
	results := make([]validationResult, 0, len(errs))
	details := make([]errorDetail, 0, len(errs))
	for _, pe := range errs {
		results = append(results, validationResult{Message: pe.Message, Error: pe.Code, Name: pe.Name,
			LocalizedErrorMessage: pe.Message, PortalID: PortalID})
		details = append(details, errorDetail{Message: pe.Message, Code: pe.Code,
			Context: map[string][]string{"propertyName": {pe.Name}}})
	}
	list, _ := json.Marshal(results)
	e.writeError(w, http.StatusBadRequest, apiError{Category: "VALIDATION_ERROR",
		Message: "Property values were not valid: " + string(list), Errors: details})
}

func (e *Emulator) badRequest(w http.ResponseWriter, msg string, details ...errorDetail) {
	e.writeError(w, http.StatusBadRequest, apiError{Category: "VALIDATION_ERROR", Message: msg, Errors: details})
}

func (e *Emulator) notFound(w http.ResponseWriter, msg string, id string) {
	body := apiError{Category: "OBJECT_NOT_FOUND", Message: msg}
	if id != "" {
		body.Context = map[string][]string{"id": {id}}
	}
	e.writeError(w, http.StatusNotFound, body)
}

// decodeBody reads a JSON request body into v, answering HubSpot's 400 for
// malformed JSON.
func (e *Emulator) decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 3<<20))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		e.badRequest(w, "Invalid input JSON: "+err.Error())
		return false
	}
	return true
}
