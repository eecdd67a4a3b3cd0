package pipedrive

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/providerhttp"
)

// Page size limits: API v2 and API v1 both take at most 500 per page.
const maxLimit = 500

// envelope is Pipedrive's answer: {success, data, additional_data}.
type envelope struct {
	Success        bool            `json:"success"`
	Data           json.RawMessage `json:"data"`
	AdditionalData *additionalData `json:"additional_data"`
}

// additionalData carries paging: API v2's next_cursor, API v1's pagination
// block (and the flat form some v1 list schemas document).
type additionalData struct {
	NextCursor *string     `json:"next_cursor"`
	Pagination *pagination `json:"pagination"`
	pagination
}

type pagination struct {
	Start                 int  `json:"start"`
	Limit                 int  `json:"limit"`
	MoreItemsInCollection bool `json:"more_items_in_collection"`
	NextStart             *int `json:"next_start"`
}

// paging is the v1 paging block of an answer, wherever it is.
func (a *additionalData) paging() pagination {
	switch {
	case a == nil:
		return pagination{}
	case a.Pagination != nil:
		return *a.Pagination
	}
	return a.pagination
}

// item is one record as decoded and as Pipedrive sent it.
type item[T any] struct {
	rec T
	raw json.RawMessage
}

func badAnswer(c *connector.Conn, what string) error {
	return apierr.New(codes.Unavailable, apierr.ReasonProviderError,
		fmt.Sprintf("%s answered %s that is not the JSON expected", c.Integration, what), "integration", c.Integration)
}

// call sends one request and reads Pipedrive's envelope.
func call(ctx context.Context, c *connector.Conn, method, path string, q url.Values, in any) (*envelope, error) {
	req := providerhttp.Request{Method: method, Path: path, Query: q}
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("encode %s request body: %w", c.Integration, err)
		}
		req.Body = b
	}
	resp, err := c.HTTP.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	var env envelope
	if len(resp.Body) == 0 && method == http.MethodDelete {
		// A delete needs no answer body.
		return &envelope{Success: true}, nil
	}
	if err := json.Unmarshal(resp.Body, &env); err != nil {
		return nil, badAnswer(c, "a body")
	}
	if !env.Success {
		return nil, apierr.New(codes.FailedPrecondition, apierr.ReasonProviderError,
			c.Integration+" answered success: false", "integration", c.Integration)
	}
	return &env, nil
}

func decodeItem[T any](c *connector.Conn, raw json.RawMessage) (item[T], error) {
	var rec T
	if err := json.Unmarshal(raw, &rec); err != nil {
		return item[T]{}, badAnswer(c, "a record")
	}
	return item[T]{rec: rec, raw: raw}, nil
}

func decodeItems[T any](c *connector.Conn, data json.RawMessage) ([]item[T], error) {
	var raws []json.RawMessage
	if len(data) > 0 && string(data) != "null" {
		if err := json.Unmarshal(data, &raws); err != nil {
			return nil, badAnswer(c, "a list")
		}
	}
	out := make([]item[T], 0, len(raws))
	for _, raw := range raws {
		it, err := decodeItem[T](c, raw)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, nil
}

// since formats a modified-since time for updated_since: RFC 3339 to the
// second, rounded down so that "at or after" keeps every record it should.
func since(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }

// listV2 reads one page of an API v2 list: cursor paging.
func listV2[T any](ctx context.Context, c *connector.Conn, path string, q url.Values, limit int, cursor string, modifiedSince time.Time) ([]item[T], string, error) {
	if q == nil {
		q = url.Values{}
	}
	q.Set("limit", strconv.Itoa(min(max(limit, 1), maxLimit)))
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if !modifiedSince.IsZero() {
		q.Set("updated_since", since(modifiedSince))
	}
	env, err := call(ctx, c, http.MethodGet, path, q, nil)
	if err != nil {
		return nil, "", err
	}
	items, err := decodeItems[T](c, env.Data)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if env.AdditionalData != nil && env.AdditionalData.NextCursor != nil {
		next = *env.AdditionalData.NextCursor
	}
	return items, next, nil
}

// listV1 reads one page of an API v1 list: start/limit paging. next is the
// start of the next page, -1 on the last.
func listV1[T any](ctx context.Context, c *connector.Conn, path string, q url.Values, start, limit int) ([]item[T], int, error) {
	if q == nil {
		q = url.Values{}
	}
	q.Set("start", strconv.Itoa(start))
	q.Set("limit", strconv.Itoa(min(max(limit, 1), maxLimit)))
	env, err := call(ctx, c, http.MethodGet, path, q, nil)
	if err != nil {
		return nil, 0, err
	}
	items, err := decodeItems[T](c, env.Data)
	if err != nil {
		return nil, 0, err
	}
	p := env.AdditionalData.paging()
	next := -1
	if p.MoreItemsInCollection {
		next = start + len(items)
		if p.NextStart != nil {
			next = *p.NextStart
		}
	}
	return items, next, nil
}

// one reads or writes one record.
func one[T any](ctx context.Context, c *connector.Conn, method, path string, in any) (item[T], error) {
	env, err := call(ctx, c, method, path, nil, in)
	if err != nil {
		return item[T]{}, err
	}
	return decodeItem[T](c, env.Data)
}

// remove deletes one record.
func remove(ctx context.Context, c *connector.Conn, path string) error {
	_, err := call(ctx, c, http.MethodDelete, path, nil, nil)
	return err
}
