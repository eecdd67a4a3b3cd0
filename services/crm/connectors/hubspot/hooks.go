package hubspot

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/unimesh/unimesh/pkg/providerhttp"
)

// hooks adapt the HTTP client to HubSpot.
func hooks() providerhttp.Hooks {
	return providerhttp.Hooks{Describe: describe, RetryAfter: retryAfter, Classify: classify}
}

// describe gives HubSpot's own words for an error: its message (or, for a
// validation error, the messages of its errors, shorter than the JSON dump
// in its message), its category and correlation id. HubSpot's messages
// never echo the token.
func describe(resp *providerhttp.Response) string {
	var body errorBody
	if json.Unmarshal(resp.Body, &body) != nil {
		return ""
	}
	msg := body.Message
	if issues := propertyIssues(&body); len(issues) > 0 {
		parts := make([]string, 0, len(issues))
		for _, is := range issues {
			parts = append(parts, is.Name+": "+is.Message)
		}
		msg = strings.Join(parts, "; ")
	}
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	var extra []string
	if body.Category != "" {
		extra = append(extra, body.Category)
	}
	if body.PolicyName != "" {
		extra = append(extra, "policy "+body.PolicyName)
	}
	if body.CorrelationID != "" {
		extra = append(extra, "correlation id "+body.CorrelationID)
	}
	if len(extra) > 0 {
		msg += " (" + strings.Join(extra, ", ") + ")"
	}
	return strings.TrimSpace(msg)
}

// Waits derived from HubSpot's rate-limit headers.
const (
	// maxIntervalWait bounds the wait read from the rolling window's length.
	maxIntervalWait = 10 * time.Second
	// secondlyWait is the wait for a per-second limit, and for a 429
	// without HubSpot's headers: the search endpoints' (5 per second) send none.
	secondlyWait = time.Second
	// dailyWait is the RetryInfo of an exhausted daily allowance: it resets
	// at midnight in the account's time zone, which the headers do not give.
	dailyWait = time.Hour
)

// retryAfter reads how long to wait after a 429. HubSpot sends no
// Retry-After; its X-HubSpot-RateLimit-* headers say which allowance is
// spent: the daily one (an hour, reported, never waited out within a
// call's budget), the per-second one (a second), or the rolling window
// (its length, X-HubSpot-RateLimit-Interval-Milliseconds, at most 10 s).
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if d, ok := providerhttp.RetryAfter(h, now); ok {
		return d, true
	}
	num := func(name string) (int64, bool) {
		n, err := strconv.ParseInt(strings.TrimSpace(h.Get(name)), 10, 64)
		return n, err == nil
	}
	if left, ok := num("X-HubSpot-RateLimit-Daily-Remaining"); ok && left <= 0 {
		return dailyWait, true
	}
	if left, ok := num("X-HubSpot-RateLimit-Remaining"); ok && left <= 0 {
		if ms, ok := num("X-HubSpot-RateLimit-Interval-Milliseconds"); ok && ms > 0 {
			return min(time.Duration(ms)*time.Millisecond, maxIntervalWait), true
		}
	}
	if left, ok := num("X-HubSpot-RateLimit-Secondly-Remaining"); ok && left <= 0 {
		return secondlyWait, true
	}
	if ms, ok := num("X-HubSpot-RateLimit-Interval-Milliseconds"); ok && ms > 0 {
		return min(time.Duration(ms)*time.Millisecond, maxIntervalWait), true
	}
	return secondlyWait, true
}

// classify: HubSpot answers 477 Migration in Progress while it moves an
// account between data centres; it is a temporary unavailability.
func classify(resp *providerhttp.Response) int {
	if resp.StatusCode == 477 {
		return http.StatusServiceUnavailable
	}
	return resp.StatusCode
}
