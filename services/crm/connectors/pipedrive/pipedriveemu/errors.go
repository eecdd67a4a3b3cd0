package pipedriveemu

import (
	"net/http"
	"sort"
	"strings"

	"github.com/unimesh/unimesh/pkg/emulator"
)

// errorInfo is the hint Pipedrive adds to every error body.
const errorInfo = "Please check developers.pipedrive.com for more information about Pipedrive API."

// ErrorBody is Pipedrive's error envelope, the same in v1 and v2.
type ErrorBody struct {
	Success        bool    `json:"success"`
	Error          string  `json:"error"`
	ErrorInfo      string  `json:"error_info"`
	Data           *string `json:"data"`
	AdditionalData *string `json:"additional_data"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	emulator.WriteJSON(w, status, ErrorBody{Error: msg, ErrorInfo: errorInfo})
}

// validation collects the problems of one request body, each as
// "field: message", and answers them as one 400 "Validation failed: ...".
type validation struct{ errs []string }

func (v *validation) add(field, msg string) { v.errs = append(v.errs, field+": "+msg) }

func (v *validation) ok() bool { return len(v.errs) == 0 }

// message is the error text: the problems sorted, so that it is stable.
func (v *validation) message() string {
	errs := append([]string(nil), v.errs...)
	sort.Strings(errs)
	return "Validation failed: " + strings.Join(errs, "; ")
}

func (v *validation) write(w http.ResponseWriter) { writeError(w, http.StatusBadRequest, v.message()) }

// badRequest is a validation failure returned from inside a store update.
type badRequest struct{ v *validation }

func (b badRequest) Error() string { return b.v.message() }

// notFound is a missing record found inside a store update.
type notFound struct{}

func (notFound) Error() string { return "not found" }

// oneEnvelope is a single-record answer.
type oneEnvelope struct {
	Success bool `json:"success"`
	Data    any  `json:"data"`
}

func writeOne(w http.ResponseWriter, status int, data any) {
	emulator.WriteJSON(w, status, oneEnvelope{Success: true, Data: data})
}

// v2List is API v2's list answer: cursor paging.
type v2List struct {
	Success        bool             `json:"success"`
	Data           any              `json:"data"`
	AdditionalData v2AdditionalData `json:"additional_data"`
}

type v2AdditionalData struct {
	NextCursor *string `json:"next_cursor"`
}

// v1List is API v1's list answer: offset paging.
type v1List struct {
	Success        bool             `json:"success"`
	Data           any              `json:"data"`
	AdditionalData v1AdditionalData `json:"additional_data"`
}

type v1AdditionalData struct {
	Pagination Pagination `json:"pagination"`
}

// Pagination is API v1's paging block.
type Pagination struct {
	Start                 int  `json:"start"`
	Limit                 int  `json:"limit"`
	MoreItemsInCollection bool `json:"more_items_in_collection"`
	NextStart             *int `json:"next_start,omitempty"`
}
