// Package apierr builds the errors every Unimesh service returns: a canonical
// gRPC code with a google.rpc.ErrorInfo whose reason is stable, following
// AIP-193. Clients branch on the reason, never on the message.
package apierr

import (
	"errors"
	"fmt"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
)

// Domain is the ErrorInfo domain of every Unimesh error.
const Domain = "unimesh.dev"

// Stable reasons. They are part of the API: never rename one.
const (
	ReasonUnauthenticated        = "UNAUTHENTICATED"
	ReasonAPIKeyInvalid          = "API_KEY_INVALID"
	ReasonPermissionDenied       = "PERMISSION_DENIED"
	ReasonRateLimited            = "RATE_LIMITED"
	ReasonInvalidArgument        = "INVALID_ARGUMENT"
	ReasonInvalidPageToken       = "INVALID_PAGE_TOKEN"
	ReasonInvalidUpdateMask      = "INVALID_UPDATE_MASK"
	ReasonRequestTooLarge        = "REQUEST_TOO_LARGE"
	ReasonNotFound               = "NOT_FOUND"
	ReasonProjectNotFound        = "PROJECT_NOT_FOUND"
	ReasonAPIKeyNotFound         = "API_KEY_NOT_FOUND"
	ReasonConnectionNotFound     = "CONNECTION_NOT_FOUND"
	ReasonIntegrationNotFound    = "INTEGRATION_NOT_FOUND"
	ReasonRecordNotFound         = "RECORD_NOT_FOUND"
	ReasonConnectionNeedsReauth  = "CONNECTION_NEEDS_REAUTH"
	ReasonConnectionDisabled     = "CONNECTION_DISABLED"
	ReasonCategoryMismatch       = "CONNECTION_CATEGORY_MISMATCH"
	ReasonCredentialsMismatch    = "CREDENTIALS_NOT_SUPPORTED"
	ReasonOperationNotSupported  = "OPERATION_NOT_SUPPORTED_BY_PROVIDER"
	ReasonProviderRateLimited    = "PROVIDER_RATE_LIMITED"
	ReasonProviderUnavailable    = "PROVIDER_UNAVAILABLE"
	ReasonProviderRejected       = "PROVIDER_REJECTED_REQUEST"
	ReasonProviderPermission     = "PROVIDER_PERMISSION_DENIED"
	ReasonProviderError          = "PROVIDER_ERROR"
	ReasonProviderResponseTooBig = "PROVIDER_RESPONSE_TOO_LARGE"
	ReasonPassthroughRefused     = "PASSTHROUGH_REQUEST_REFUSED"
	ReasonAlreadyExists          = "ALREADY_EXISTS"
	ReasonInternal               = "INTERNAL"
	ReasonUnavailable            = "SERVICE_UNAVAILABLE"

	// Connect sessions, the OAuth flow and the console.
	ReasonConnectSessionNotFound = "CONNECT_SESSION_NOT_FOUND"
	ReasonConnectSessionExpired  = "CONNECT_SESSION_EXPIRED"
	ReasonConnectSessionUsed     = "CONNECT_SESSION_USED"
	ReasonConnectSessionRevoked  = "CONNECT_SESSION_REVOKED"
	ReasonIntegrationNotOffered  = "INTEGRATION_NOT_OFFERED"
	ReasonOAuthAppNotFound       = "OAUTH_APP_NOT_FOUND"
	ReasonOAuthNotSupported      = "OAUTH_NOT_SUPPORTED"
	ReasonOAuthStateInvalid      = "OAUTH_STATE_INVALID"
	ReasonOAuthStateExpired      = "OAUTH_STATE_EXPIRED"
	ReasonOAuthStateUsed         = "OAUTH_STATE_USED"
	ReasonOAuthBrowserMismatch   = "OAUTH_BROWSER_MISMATCH"
	ReasonOAuthDenied            = "OAUTH_ACCESS_DENIED"
	ReasonOAuthExchangeFailed    = "OAUTH_EXCHANGE_FAILED"
	ReasonCredentialsRejected    = "CREDENTIALS_REJECTED"
	ReasonConsoleSessionInvalid  = "CONSOLE_SESSION_INVALID"
)

// FieldViolation names one bad field of a request.
type FieldViolation struct {
	// Field is the path of the field in the request, in proto (snake_case) names,
	// such as "contact.emails[0].address".
	Field string
	// Description says what is wrong, in words a developer can act on.
	Description string
	// Reason is an optional stable code of the violation, such as "REQUIRED".
	Reason string
}

// New returns a status error with code, reason and message, and the given
// metadata pairs (key, value, key, value...) in its ErrorInfo.
func New(code codes.Code, reason, msg string, metadata ...string) error {
	return newStatus(code, reason, msg, metadata...).Err()
}

func newStatus(code codes.Code, reason, msg string, metadata ...string) *status.Status {
	info := &errdetails.ErrorInfo{Reason: reason, Domain: Domain}
	if len(metadata) > 0 {
		info.Metadata = make(map[string]string, len(metadata)/2)
		for i := 0; i+1 < len(metadata); i += 2 {
			info.Metadata[metadata[i]] = metadata[i+1]
		}
	}
	st := status.New(code, msg)
	withDetails, err := st.WithDetails(info)
	if err != nil {
		// Only fails for nil details; keep the bare status rather than lose the error.
		return st
	}
	return withDetails
}

// InvalidArgument returns INVALID_ARGUMENT with the field violations in a
// google.rpc.BadRequest, so that clients can point at the field.
func InvalidArgument(reason, msg string, violations ...FieldViolation) error {
	st := newStatus(codes.InvalidArgument, reason, msg)
	if len(violations) == 0 {
		return st.Err()
	}
	br := &errdetails.BadRequest{}
	for _, v := range violations {
		br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{
			Field: v.Field, Description: v.Description, Reason: v.Reason,
		})
	}
	withBR, err := st.WithDetails(br)
	if err != nil {
		return st.Err()
	}
	return withBR.Err()
}

// RateLimited returns RESOURCE_EXHAUSTED with a RetryInfo telling the client
// how long to wait.
func RateLimited(reason, msg string, retryAfter time.Duration, metadata ...string) error {
	st := newStatus(codes.ResourceExhausted, reason, msg, metadata...)
	if retryAfter <= 0 {
		return st.Err()
	}
	withRetry, err := st.WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(retryAfter)})
	if err != nil {
		return st.Err()
	}
	return withRetry.Err()
}

// NotFound returns NOT_FOUND with the reason.
func NotFound(reason, msg string, metadata ...string) error {
	return New(codes.NotFound, reason, msg, metadata...)
}

// Internal returns INTERNAL with a generic message. The cause is for the
// caller to log; it is never sent to the client.
func Internal(msg string) error {
	return New(codes.Internal, ReasonInternal, msg)
}

// Unimplemented reports an operation the connection's provider cannot serve.
func Unimplemented(integration, operation string) error {
	return New(codes.Unimplemented, ReasonOperationNotSupported,
		fmt.Sprintf("%s does not support %s", integration, operation),
		"integration", integration, "operation", operation)
}

// Reason returns the ErrorInfo reason of err, or "" when it has none.
func Reason(err error) string {
	if info := Info(err); info != nil {
		return info.GetReason()
	}
	return ""
}

// Info returns the ErrorInfo of err, or nil.
func Info(err error) *errdetails.ErrorInfo {
	st, ok := status.FromError(err)
	if !ok {
		return nil
	}
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info
		}
	}
	return nil
}

// RetryDelay returns the RetryInfo delay of err, if any.
func RetryDelay(err error) (time.Duration, bool) {
	st, ok := status.FromError(err)
	if !ok {
		return 0, false
	}
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok {
			return ri.GetRetryDelay().AsDuration(), true
		}
	}
	return 0, false
}

// Violations returns the field violations of err, if any.
func Violations(err error) []FieldViolation {
	st, ok := status.FromError(err)
	if !ok {
		return nil
	}
	var out []FieldViolation
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				out = append(out, FieldViolation{Field: v.GetField(), Description: v.GetDescription(), Reason: v.GetReason()})
			}
		}
	}
	return out
}

// IsStatus reports whether err already is a gRPC status error (built here or
// by gRPC), as opposed to a plain Go error that must not reach a client.
func IsStatus(err error) bool {
	var se interface{ GRPCStatus() *status.Status }
	return errors.As(err, &se)
}

// HTTPStatus is the HTTP status a gRPC code stands for, as the gateway
// answers it (google.rpc.Code's documented mapping).
func HTTPStatus(code codes.Code) int {
	switch code {
	case codes.OK:
		return 200
	case codes.Canceled:
		return 499
	case codes.InvalidArgument, codes.FailedPrecondition, codes.OutOfRange:
		return 400
	case codes.DeadlineExceeded:
		return 504
	case codes.NotFound:
		return 404
	case codes.AlreadyExists, codes.Aborted:
		return 409
	case codes.PermissionDenied:
		return 403
	case codes.Unauthenticated:
		return 401
	case codes.ResourceExhausted:
		return 429
	case codes.Unimplemented:
		return 501
	case codes.Unavailable:
		return 503
	}
	return 500
}
