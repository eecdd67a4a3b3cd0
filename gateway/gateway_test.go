package gateway

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/unimesh/unimesh/pkg/apierr"
)

func TestErrorsBecomeAIP193(t *testing.T) {
	cases := []struct {
		name       string
		err        error
		httpStatus int
		status     string
		reason     string
		retryAfter string
	}{
		{"field violation", apierr.InvalidArgument(apierr.ReasonInvalidArgument, "bad", apierr.FieldViolation{Field: "page_size", Description: "x"}),
			400, "INVALID_ARGUMENT", apierr.ReasonInvalidArgument, ""},
		{"not found", apierr.NotFound(apierr.ReasonConnectionNotFound, "no connection"), 404, "NOT_FOUND", apierr.ReasonConnectionNotFound, ""},
		{"provider rate limit", apierr.RateLimited(apierr.ReasonProviderRateLimited, "slow down", 1500*time.Millisecond),
			429, "RESOURCE_EXHAUSTED", apierr.ReasonProviderRateLimited, "2"},
		{"needs re-auth", apierr.New(codes.FailedPrecondition, apierr.ReasonConnectionNeedsReauth, "reconnect"), 400, "FAILED_PRECONDITION", apierr.ReasonConnectionNeedsReauth, ""},
		{"unsupported", apierr.Unimplemented("acme", "delete user"), 501, "UNIMPLEMENTED", apierr.ReasonOperationNotSupported, ""},
		{"body too large", status.Error(codes.InvalidArgument, "http: request body too large"), 413, "INVALID_ARGUMENT", apierr.ReasonRequestTooLarge, ""},
		{"a status without ErrorInfo still gets a reason", status.Error(codes.DeadlineExceeded, "slow"), 504, "DEADLINE_EXCEEDED", "DEADLINE_EXCEEDED", ""},
		{"a transport failure", errors.New("connection refused"), 503, "UNAVAILABLE", apierr.ReasonUnavailable, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			errorHandler(t.Context(), nil, nil, w, httptest.NewRequest("GET", "/", nil), c.err)
			var body struct {
				Error struct {
					Code    int
					Status  string
					Message string
					Details []map[string]any
				}
			}
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			reason := ""
			for _, d := range body.Error.Details {
				if d["@type"] == "type.googleapis.com/google.rpc.ErrorInfo" {
					reason, _ = d["reason"].(string)
				}
			}
			if w.Code != c.httpStatus || body.Error.Code != c.httpStatus || body.Error.Status != c.status || reason != c.reason ||
				w.Header().Get("Retry-After") != c.retryAfter || w.Header().Get("Content-Type") != "application/json" {
				t.Fatalf("got %d %+v reason %q Retry-After %q: %s", w.Code, body.Error, reason, w.Header().Get("Retry-After"), w.Body.String())
			}
		})
	}
}

func TestKeyLimiter(t *testing.T) {
	l := newKeyLimiter(2, 3)
	now := time.Unix(100, 0)
	for i := range 3 {
		if ok, _ := l.allow("a", now); !ok {
			t.Fatalf("request %d of the burst refused", i)
		}
	}
	ok, wait := l.allow("a", now)
	if ok || wait <= 0 || wait > time.Second {
		t.Fatalf("past the burst: %v, wait %v", ok, wait)
	}
	if ok, _ := l.allow("b", now); !ok {
		t.Fatal("another key is limited by the first")
	}
	if ok, _ := l.allow("a", now.Add(600*time.Millisecond)); !ok {
		t.Fatal("the bucket did not refill at 2 per second")
	}
}

func TestOpenAPIDocument(t *testing.T) {
	b, err := openAPIDocument()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["info"].(map[string]any)["title"] != "Unimesh API" || doc["securityDefinitions"] == nil || len(doc["paths"].(map[string]any)) < 100 {
		t.Fatalf("document: info %v, %d paths", doc["info"], len(doc["paths"].(map[string]any)))
	}
}
