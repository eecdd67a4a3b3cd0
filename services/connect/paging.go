package connect

import (
	"strconv"
	"strings"
	"time"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/pagetoken"
	"github.com/unimesh/unimesh/pkg/store"
)

func pageSize(n int32) int {
	switch {
	case n <= 0:
		return connector.DefaultPageSize
	case n > connector.MaxPageSize:
		return connector.MaxPageSize
	}
	return int(n)
}

func encodeCursor(scope string, t time.Time, id string) string {
	return pagetoken.Encode(scope, strconv.FormatInt(t.UnixMicro(), 10)+":"+id)
}

func decodeCursor(scope, token string) (*store.Cursor, error) {
	raw, err := pagetoken.Decode(scope, token)
	if err != nil || raw == "" {
		return nil, err
	}
	micros, id, ok := strings.Cut(raw, ":")
	n, perr := strconv.ParseInt(micros, 10, 64)
	if !ok || perr != nil {
		return nil, apierr.InvalidArgument(apierr.ReasonInvalidPageToken, "page_token is not a token this API issued")
	}
	return &store.Cursor{CreateTime: time.UnixMicro(n).UTC(), ID: id}, nil
}
