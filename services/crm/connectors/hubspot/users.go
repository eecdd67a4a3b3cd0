package hubspot

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/normalize"
	"github.com/unimesh/unimesh/pkg/providerhttp"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
)

// Users are HubSpot's owners (/crm/v3/owners): active ones, then archived
// (deactivated) ones, which the owners API lists apart. Owners have no
// role; HubSpot has no modified-since filter for them, so the connector
// filters on updatedAt.

func ownerFrom(o owner) *crmv1.User {
	return &crmv1.User{
		Id:         o.ID,
		Name:       normalize.JoinName(o.FirstName, o.LastName),
		Email:      o.Email,
		Active:     !o.Archived,
		CreateTime: recordTime(o.CreatedAt),
		UpdateTime: recordTime(o.UpdatedAt),
	}
}

func decodeOwner(c *connector.Conn, raw json.RawMessage, includeRaw bool) (*crmv1.User, error) {
	var o owner
	if err := decode(c, raw, &o); err != nil {
		return nil, err
	}
	u := ownerFrom(o)
	if includeRaw {
		connector.SetRaw(u, normalize.RawStruct(raw))
	}
	return u, nil
}

func userObject() connector.Object[*crmv1.User] {
	return connector.Object[*crmv1.User]{
		List: listUsers,
		Get: func(ctx context.Context, c *connector.Conn, id string, p connector.GetParams) (*crmv1.User, error) {
			if _, err := strconv.ParseInt(id, 10, 32); err != nil || !isDigits(id) {
				return nil, badID("user", id, "an owner id, a number")
			}
			path := "/crm/v3/owners/" + url.PathEscape(id)
			resp, err := c.HTTP.Do(ctx, providerhttp.Request{Method: http.MethodGet, Path: path})
			if apierr.Reason(err) == apierr.ReasonRecordNotFound {
				// A deactivated owner is only found among the archived ones.
				resp, err = c.HTTP.Do(ctx, providerhttp.Request{Method: http.MethodGet, Path: path, Query: url.Values{"archived": {"true"}}})
			}
			if err != nil {
				return nil, err
			}
			return decodeOwner(c, resp.Body, p.IncludeRaw)
		},
	}
}

// listUsers pages through active owners, then archived ones; the cursor
// is "a.<after>" or "x.<after>".
func listUsers(ctx context.Context, c *connector.Conn, p connector.ListParams) (connector.Page[*crmv1.User], error) {
	archived, after := false, ""
	if p.Cursor != "" {
		phase, rest, ok := strings.Cut(p.Cursor, ".")
		if !ok || (phase != "a" && phase != "x") {
			return connector.Page[*crmv1.User]{}, apierr.InvalidArgument(apierr.ReasonInvalidPageToken, "the page token is not one HubSpot's connector issued")
		}
		archived, after = phase == "x", rest
	}
	var items []*crmv1.User
	for {
		q := url.Values{"limit": {strconv.Itoa(min(p.PageSize-len(items), maxListLimit))}, "archived": {strconv.FormatBool(archived)}}
		if after != "" {
			q.Set("after", after)
		}
		resp, err := c.HTTP.Do(ctx, providerhttp.Request{Method: http.MethodGet, Path: "/crm/v3/owners", Query: q})
		if err != nil {
			return connector.Page[*crmv1.User]{}, err
		}
		var pg page
		if err := decode(c, resp.Body, &pg); err != nil {
			return connector.Page[*crmv1.User]{}, err
		}
		for _, raw := range pg.Results {
			u, err := decodeOwner(c, raw, p.IncludeRaw)
			if err != nil {
				return connector.Page[*crmv1.User]{}, err
			}
			if !p.ModifiedSince.IsZero() && (u.GetUpdateTime() == nil || u.GetUpdateTime().AsTime().Before(p.ModifiedSince)) {
				continue
			}
			items = append(items, u)
		}
		phase := "a"
		if archived {
			phase = "x"
		}
		switch after = pg.Paging.after(); {
		case after != "":
			return connector.Page[*crmv1.User]{Items: items, NextCursor: phase + "." + after}, nil
		case archived:
			return connector.Page[*crmv1.User]{Items: items}, nil
		case len(items) >= p.PageSize:
			return connector.Page[*crmv1.User]{Items: items, NextCursor: "x."}, nil
		}
		archived = true
	}
}
