package gateway

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	rpccode "google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/unimesh/unimesh/pkg/apierr"
)

// errorBody is the AIP-193 JSON form of an error.
type errorBody struct {
	Error struct {
		Code    int               `json:"code"`
		Message string            `json:"message"`
		Status  string            `json:"status"`
		Details []json.RawMessage `json:"details,omitempty"`
	} `json:"error"`
}

// writeStatus writes st as an AIP-193 JSON error with the HTTP status its
// code maps to, and Retry-After when it carries a RetryInfo.
func writeStatus(w http.ResponseWriter, st *status.Status) {
	httpStatus := runtime.HTTPStatusFromCode(st.Code())
	if st.Code() == codes.InvalidArgument && strings.Contains(st.Message(), "request body too large") {
		// http.MaxBytesReader tripped while grpc-gateway read the body.
		st = status.Convert(apierr.New(codes.InvalidArgument, apierr.ReasonRequestTooLarge, "request body too large"))
	}
	if apierr.Reason(st.Err()) == apierr.ReasonRequestTooLarge {
		httpStatus = http.StatusRequestEntityTooLarge
	}
	var body errorBody
	body.Error.Code = httpStatus
	body.Error.Message = st.Message()
	body.Error.Status = rpccode.Code(st.Code()).String() // "INVALID_ARGUMENT", as AIP-193 shows it
	hasInfo := false
	for _, d := range st.Proto().GetDetails() {
		if d.MessageIs(&errdetails.ErrorInfo{}) {
			hasInfo = true
		}
		if d.MessageIs(&errdetails.RetryInfo{}) {
			var ri errdetails.RetryInfo
			if d.UnmarshalTo(&ri) == nil {
				secs := int(math.Ceil(ri.GetRetryDelay().AsDuration().Seconds()))
				w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
			}
		}
		if b, err := protojson.Marshal(d); err == nil {
			body.Error.Details = append(body.Error.Details, b)
		}
	}
	if !hasInfo {
		// Errors from gRPC itself (a bad route parameter, an unreachable
		// service) still get a reason, so clients can always branch on one.
		reason := rpccode.Code(st.Code()).String()
		if st.Code() == codes.Unavailable {
			reason = apierr.ReasonUnavailable
		}
		info, _ := anypb.New(&errdetails.ErrorInfo{Reason: reason, Domain: apierr.Domain})
		if b, err := protojson.Marshal(info); err == nil {
			body.Error.Details = append(body.Error.Details, b)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(httpStatus)
	_ = json.NewEncoder(w).Encode(body)
}

// writeError writes a gateway-made error.
func writeError(w http.ResponseWriter, code codes.Code, reason, msg string) {
	writeStatus(w, status.Convert(apierr.New(code, reason, msg)))
}

func errorHandler(_ context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, _ *http.Request, err error) {
	st := status.Convert(err)
	if st.Code() == codes.Unknown && !apierr.IsStatus(err) {
		// A transport-level failure between the gateway and a service.
		st = status.New(codes.Unavailable, "the service is unavailable")
	}
	writeStatus(w, st)
}

func routingErrorHandler(_ context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, r *http.Request, httpStatus int) {
	switch httpStatus {
	case http.StatusMethodNotAllowed:
		writeError(w, codes.Unimplemented, "METHOD_NOT_ALLOWED", r.Method+" is not allowed on "+r.URL.Path)
	case http.StatusBadRequest:
		writeError(w, codes.InvalidArgument, apierr.ReasonInvalidArgument, "bad request")
	default:
		writeError(w, codes.NotFound, "ROUTE_NOT_FOUND", "no API route for "+r.Method+" "+r.URL.Path+"; see /openapi.json")
	}
}
