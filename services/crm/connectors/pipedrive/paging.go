package pipedrive

import (
	"context"
	"strconv"
	"strings"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/connector"
)

// stream is one Pipedrive list a unified list pages through: it reads up
// to limit records from pos ("" for the start) and returns the position of
// the rest, "" at its end.
type stream[T any] func(ctx context.Context, pos string, limit int) (recs []T, next string, err error)

// pageStreams pages through several Pipedrive lists as one unified list:
// activities then notes, active then archived leads. Its cursor says which
// list and where in it: "<list index>:<that list's position>". A page
// that ends a list is filled from the next one.
func pageStreams[T any](ctx context.Context, streams []stream[T], cursor string, size int) (connector.Page[T], error) {
	idx, pos := 0, ""
	if cursor != "" {
		i, p, ok := strings.Cut(cursor, ":")
		n, err := strconv.Atoi(i)
		if !ok || err != nil || n < 0 || n >= len(streams) {
			return connector.Page[T]{}, apierr.InvalidArgument(apierr.ReasonInvalidPageToken, "the page token is not one this list issued")
		}
		idx, pos = n, p
	}
	var out []T
	for idx < len(streams) && len(out) < size {
		recs, next, err := streams[idx](ctx, pos, size-len(out))
		if err != nil {
			return connector.Page[T]{}, err
		}
		out = append(out, recs...)
		if next != "" {
			return connector.Page[T]{Items: out, NextCursor: strconv.Itoa(idx) + ":" + next}, nil
		}
		idx, pos = idx+1, ""
	}
	page := connector.Page[T]{Items: out}
	if idx < len(streams) {
		page.NextCursor = strconv.Itoa(idx) + ":"
	}
	return page, nil
}

// offsetPos reads a v1 stream position: the start offset.
func offsetPos(pos string) (int, error) {
	if pos == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(pos)
	if err != nil || n < 0 {
		return 0, apierr.InvalidArgument(apierr.ReasonInvalidPageToken, "the page token is not one this list issued")
	}
	return n, nil
}

// offsetNext writes a v1 stream's next position ("" at its end).
func offsetNext(next int) string {
	if next < 0 {
		return ""
	}
	return strconv.Itoa(next)
}
