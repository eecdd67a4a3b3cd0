package web

import (
	"context"
	"net/http"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/unimesh/unimesh/pkg/apierr"
)

// failure is how a page shows an error of connect.
type failure struct {
	Status int
	Title  string
	Detail string
	Reason string
}

// Reasons of the pages' own refusals, in the same form as connect's.
const (
	reasonCSRF          = "CSRF_TOKEN_INVALID"
	reasonOrigin        = "ORIGIN_MISMATCH"
	reasonPageNotFound  = "PAGE_NOT_FOUND"
	reasonMissingFields = "REQUIRED_FIELDS_MISSING"
)

// classify turns an error of connect into what a page may show. connect's
// messages for the caller's own mistakes are meant for people; internal
// failures, and transport errors (which carry no reason), are logged here
// and shown only as a generic sentence with a reason code for support.
func (s *server) classify(ctx context.Context, what string, err error) failure {
	st := status.Convert(err)
	reason := apierr.Reason(err)
	f := failure{Status: apierr.HTTPStatus(st.Code()), Title: "This did not work", Detail: st.Message(), Reason: reason}
	switch {
	case st.Code() == codes.Unavailable && reason == apierr.ReasonProviderUnavailable:
		f.Status = http.StatusBadGateway
	case st.Code() == codes.Unavailable, st.Code() == codes.Canceled:
		s.logger.WarnContext(ctx, "web: connect unavailable", "call", what, "error", err.Error())
		f.Status, f.Reason = http.StatusServiceUnavailable, apierr.ReasonUnavailable
		f.Title, f.Detail = "Unimesh is unavailable right now", "Try again in a moment."
	case st.Code() == codes.DeadlineExceeded && reason == "":
		f.Status, f.Reason = http.StatusGatewayTimeout, "DEADLINE_EXCEEDED"
		f.Title, f.Detail = "This took too long", "Try again in a moment."
	case reason == "" || st.Code() == codes.Internal || st.Code() == codes.Unknown || st.Code() == codes.DataLoss:
		s.logger.ErrorContext(ctx, "web: connect failed", "call", what, "code", st.Code().String(), "error", err.Error())
		f.Status, f.Reason = http.StatusInternalServerError, apierr.ReasonInternal
		f.Title, f.Detail = "Something went wrong on our side", "Try again in a moment. If it keeps happening, contact support with the code below."
	}
	return f
}

// connectFailure words the errors an end user meets on the connect pages
// and at the OAuth callback.
func (s *server) connectFailure(ctx context.Context, what string, err error) failure {
	f := s.classify(ctx, what, err)
	switch f.Reason {
	case apierr.ReasonConnectSessionNotFound:
		f.Status, f.Title = http.StatusNotFound, "This link is not valid"
		f.Detail = "Check that you opened the whole link, or ask whoever sent it for a new one."
	case apierr.ReasonConnectSessionExpired:
		f.Status, f.Title = http.StatusGone, "This link has expired"
		f.Detail = "Connect links only work for a limited time. Ask whoever sent it for a new one."
	case apierr.ReasonConnectSessionUsed:
		f.Status, f.Title = http.StatusGone, "This link has already been used"
		f.Detail = "Each connect link works once. To connect again, ask whoever sent it for a new one."
	case apierr.ReasonConnectSessionRevoked:
		f.Status, f.Title = http.StatusGone, "This link was withdrawn"
		f.Detail = "Whoever sent it has withdrawn it. Ask them for a new one if you still need to connect."
	case apierr.ReasonIntegrationNotOffered:
		f.Status, f.Title = http.StatusNotFound, "This link does not offer that app"
		f.Detail = "Go back to the list of apps this link offers."
	case apierr.ReasonOAuthStateUsed:
		f.Status, f.Title = http.StatusGone, "This sign-in was already used"
	case apierr.ReasonOAuthStateInvalid:
		f.Status, f.Title = http.StatusBadRequest, "This sign-in could not be verified"
	case apierr.ReasonOAuthStateExpired:
		f.Status, f.Title = http.StatusBadRequest, "The sign-in took too long"
	case apierr.ReasonOAuthBrowserMismatch:
		f.Status, f.Title = http.StatusForbidden, "Finish signing in in the same browser"
	case apierr.ReasonOAuthDenied:
		// The end user's own choice, not a failure of the page.
		f.Status, f.Title = http.StatusOK, "Access was declined"
		f.Detail += ". To try again, open the connect link you were given once more."
	case apierr.ReasonOAuthExchangeFailed, apierr.ReasonOAuthAppNotFound, apierr.ReasonOAuthNotSupported:
		f.Status, f.Title = http.StatusBadRequest, "The sign-in could not be completed"
	}
	return f
}

// sessionGone reports the errors after which a connect link is of no
// more use: they get the error page rather than the form again.
func sessionGone(reason string) bool {
	switch reason {
	case apierr.ReasonConnectSessionNotFound, apierr.ReasonConnectSessionExpired,
		apierr.ReasonConnectSessionUsed, apierr.ReasonConnectSessionRevoked, apierr.ReasonIntegrationNotOffered:
		return true
	}
	return false
}
