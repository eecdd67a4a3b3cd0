package salesforce

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/providerhttp"
)

// parseErrors reads Salesforce's error array; the OAuth endpoints' object
// ({"error", "error_description"}) reads as one error too.
func parseErrors(b []byte) []apiError {
	var list []apiError
	if json.Unmarshal(b, &list) == nil {
		return list
	}
	var oauth struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(b, &oauth) == nil && oauth.Error != "" {
		return []apiError{{ErrorCode: oauth.Error, Message: oauth.Description}}
	}
	return nil
}

func hasCode(resp *providerhttp.Response, code string) bool {
	for _, e := range parseErrors(resp.Body) {
		if e.ErrorCode == code {
			return true
		}
	}
	return false
}

// describeError puts Salesforce's error codes and messages in our error's
// text. They name fields and values, never the session.
func describeError(resp *providerhttp.Response) string {
	var parts []string
	for _, e := range parseErrors(resp.Body) {
		msg := strings.TrimSpace(e.Message)
		if len(msg) > 600 {
			msg = msg[:600] + "…"
		}
		parts = append(parts, e.ErrorCode+": "+msg)
	}
	return strings.Join(parts, "; ")
}

// classify reads Salesforce's 403 REQUEST_LIMIT_EXCEEDED as the rate limit
// it is (a 429): reads wait and retry within the budget, writes do not,
// and the caller gets PROVIDER_RATE_LIMITED.
func classify(resp *providerhttp.Response) int {
	if resp.StatusCode == http.StatusForbidden && hasCode(resp, "REQUEST_LIMIT_EXCEEDED") {
		return http.StatusTooManyRequests
	}
	return resp.StatusCode
}

const (
	// allocationWait is how long to wait once the org's daily allocation is
	// used up. Salesforce counts requests over a rolling 24 hours and does
	// not say when one frees up; a minute neither hammers it nor sits out
	// what frees meanwhile.
	allocationWait = time.Minute
	// concurrencyWait is how long to wait on a REQUEST_LIMIT_EXCEEDED within
	// the allocation: the concurrent long-running request limit, which
	// frees as soon as a running request ends.
	concurrencyWait = 2 * time.Second
)

// retryAfter reads how long to wait from a rate-limited answer. Salesforce
// sends no Retry-After; its Sforce-Limit-Info header (api-usage=used/limit)
// says whether the daily allocation is used up.
func retryAfter(h http.Header, _ time.Time) (time.Duration, bool) {
	if h.Get("Retry-After") != "" {
		return 0, false // the default reads it
	}
	if used, limit, ok := apiUsage(h); ok && used >= limit {
		return allocationWait, true
	}
	return concurrencyWait, true
}

// apiUsage reads "Sforce-Limit-Info: api-usage=18/15000".
func apiUsage(h http.Header) (used, limit int, ok bool) {
	for _, part := range strings.Split(h.Get("Sforce-Limit-Info"), ",") {
		v, found := strings.CutPrefix(strings.TrimSpace(part), "api-usage=")
		if !found {
			continue
		}
		a, b, found := strings.Cut(v, "/")
		u, err1 := strconv.Atoi(strings.TrimSpace(a))
		l, err2 := strconv.Atoi(strings.TrimSpace(b))
		if found && err1 == nil && err2 == nil && l > 0 {
			return u, l, true
		}
	}
	return 0, 0, false
}

// writeError turns Salesforce's refusal of a write (a 400 with its error
// array) into field violations on the unified fields, through wire (the
// sObject's field → the unified field); custom fields are
// custom_fields.<name>. Other errors pass as they are.
func writeError(err error, object string, wire map[string]string) error {
	var pe *providerhttp.Error
	if !errors.As(err, &pe) || pe.Response.StatusCode != http.StatusBadRequest {
		return err
	}
	list := parseErrors(pe.Response.Body)
	if len(list) == 0 {
		return err
	}
	var vs []apierr.FieldViolation
	for _, e := range list {
		desc := e.ErrorCode + ": " + e.Message
		seen := map[string]bool{}
		for _, f := range e.Fields {
			path := object + "." + unifiedField(f, wire)
			if unifiedField(f, wire) == "" {
				path = object
			}
			if !seen[path] {
				seen[path] = true
				vs = append(vs, apierr.FieldViolation{Field: path, Description: desc, Reason: apierr.ReasonProviderRejected})
			}
		}
		if len(e.Fields) == 0 {
			vs = append(vs, apierr.FieldViolation{Field: object, Description: desc, Reason: apierr.ReasonProviderRejected})
		}
	}
	return apierr.InvalidArgument(apierr.ReasonProviderRejected,
		fmt.Sprintf("Salesforce rejected the %s: %s: %s", object, list[0].ErrorCode, list[0].Message), vs...)
}

func unifiedField(f string, wire map[string]string) string {
	if u, ok := wire[f]; ok {
		return u
	}
	for k, u := range wire {
		if strings.EqualFold(k, f) {
			return u
		}
	}
	if strings.HasSuffix(strings.ToLower(f), "__c") {
		return "custom_fields." + f
	}
	return ""
}
