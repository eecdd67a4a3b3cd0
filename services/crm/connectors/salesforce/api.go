package salesforce

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/providerhttp"
)

// The REST resources the connector calls, all under /services/data/v60.0.

const (
	minBatch = 200
	maxBatch = 2000
)

func badAnswer(what string) error {
	return apierr.New(codes.Unavailable, apierr.ReasonProviderError, "Salesforce answered "+what+" that is not the JSON expected",
		"integration", Slug)
}

// query runs a SOQL query and reads its batches, following nextRecordsUrl,
// until want records are in or the results end (want <= 0: all of them).
// The batch size asked for (Sforce-Query-Options) is the smallest that
// holds want records, so that one call usually brings them all.
func query(ctx context.Context, c *connector.Conn, q string, want int) ([]record, error) {
	batch := maxBatch
	if want > 0 {
		batch = min(max(want, minBatch), maxBatch)
	}
	hdr := http.Header{"Sforce-Query-Options": {"batchSize=" + strconv.Itoa(batch)}}
	req := providerhttp.Request{Method: http.MethodGet, Path: apiPath + "/query", Query: url.Values{"q": {q}}, Header: hdr}
	var out []record
	for pages := 0; ; pages++ {
		if pages > 10000 {
			return nil, badAnswer("query locators that never end")
		}
		resp, err := c.HTTP.Do(ctx, req)
		if err != nil {
			return nil, err
		}
		var res queryResult
		if err := json.Unmarshal(resp.Body, &res); err != nil {
			return nil, badAnswer("a query result")
		}
		for _, raw := range res.Records {
			r, err := parseRecord(raw)
			if err != nil {
				return nil, badAnswer("a record")
			}
			out = append(out, r)
		}
		if res.Done || res.NextRecordsURL == "" || want > 0 && len(out) >= want {
			return out, nil
		}
		// The locator is a path on the instance, under the API version.
		if !strings.HasPrefix(res.NextRecordsURL, apiPath+"/query/") || strings.ContainsAny(res.NextRecordsURL, "?#") {
			return nil, badAnswer("a nextRecordsUrl")
		}
		req = providerhttp.Request{Method: http.MethodGet, Path: res.NextRecordsURL, Header: hdr}
	}
}

func sobjectPath(sobject string, id ...string) string {
	p := apiPath + "/sobjects/" + sobject
	for _, s := range id {
		p += "/" + url.PathEscape(s)
	}
	return p
}

// getRecord reads a record's fields (sObject Rows, GET with ?fields=).
func getRecord(ctx context.Context, c *connector.Conn, sobject, id string, fields []string) (record, error) {
	resp, err := c.HTTP.Do(ctx, providerhttp.Request{Method: http.MethodGet, Path: sobjectPath(sobject, id),
		Query: url.Values{"fields": {strings.Join(fields, ",")}}})
	if err != nil {
		return record{}, err
	}
	r, err := parseRecord(resp.Body)
	if err != nil {
		return record{}, badAnswer("a record")
	}
	return r, nil
}

func encode(body map[string]any) ([]byte, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("encode Salesforce request: %w", err)
	}
	return b, nil
}

// createRecord creates a record (sObject Create) and returns its id.
func createRecord(ctx context.Context, c *connector.Conn, sobject string, body map[string]any) (string, error) {
	b, err := encode(body)
	if err != nil {
		return "", err
	}
	resp, err := c.HTTP.Do(ctx, providerhttp.Request{Method: http.MethodPost, Path: sobjectPath(sobject), Body: b})
	if err != nil {
		return "", err
	}
	var res createResult
	if err := json.Unmarshal(resp.Body, &res); err != nil || !res.Success {
		return "", badAnswer("a create result")
	}
	id, ok := normalizeID(res.ID)
	if !ok {
		return "", badAnswer("an id")
	}
	return id, nil
}

// updateRecord changes the fields of body (sObject Rows, PATCH → 204).
func updateRecord(ctx context.Context, c *connector.Conn, sobject, id string, body map[string]any) error {
	b, err := encode(body)
	if err != nil {
		return err
	}
	_, err = c.HTTP.Do(ctx, providerhttp.Request{Method: http.MethodPatch, Path: sobjectPath(sobject, id), Body: b})
	return err
}

// deleteRecord moves a record to the recycle bin (sObject Rows, DELETE → 204).
func deleteRecord(ctx context.Context, c *connector.Conn, sobject, id string) error {
	_, err := c.HTTP.Do(ctx, providerhttp.Request{Method: http.MethodDelete, Path: sobjectPath(sobject, id)})
	return err
}

// describeObject reads an sObject's describe.
func describeObject(ctx context.Context, c *connector.Conn, sobject string) (*describe, error) {
	resp, err := c.HTTP.Do(ctx, providerhttp.Request{Method: http.MethodGet, Path: sobjectPath(sobject, "describe")})
	if err != nil {
		return nil, err
	}
	var res describeResult
	if err := json.Unmarshal(resp.Body, &res); err != nil {
		return nil, badAnswer("a describe")
	}
	return newDescribe(res), nil
}
