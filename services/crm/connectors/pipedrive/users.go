package pipedrive

import (
	"context"
	"net/http"
	"strconv"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/connector"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
)

// Users are the company's Pipedrive users (API v1 /api/v1/users), read
// only. Pipedrive answers them all at once; pages and modified-since (on
// the user's "modified" time) are applied here. role is "admin" for
// Pipedrive admins, else "regular", Pipedrive's two user kinds.
func usersObject() connector.Object[*crmv1.User] {
	return connector.Object[*crmv1.User]{List: listUsers, Get: getUser}
}

func userToUser(u user) *crmv1.User {
	role := "regular"
	admin := bool(u.IsAdmin)
	for _, a := range u.Access {
		admin = admin || (a.App == "global" && bool(a.Admin))
	}
	if admin {
		role = "admin"
	}
	updated := u.Modified
	if parseTime(updated).IsZero() {
		updated = u.Created
	}
	return &crmv1.User{
		Id: u.ID.id(), Name: u.Name, Email: u.Email, Active: bool(u.ActiveFlag), Role: role,
		CreateTime: ts(u.Created), UpdateTime: ts(updated),
	}
}

func listUsers(ctx context.Context, c *connector.Conn, p connector.ListParams) (connector.Page[*crmv1.User], error) {
	start, err := offsetPos(p.Cursor)
	if err != nil {
		return connector.Page[*crmv1.User]{}, err
	}
	env, err := call(ctx, c, http.MethodGet, "/api/v1/users", nil, nil)
	if err != nil {
		return connector.Page[*crmv1.User]{}, err
	}
	items, err := decodeItems[user](c, env.Data)
	if err != nil {
		return connector.Page[*crmv1.User]{}, err
	}
	var all []*crmv1.User
	for _, it := range items {
		rec := userToUser(it.rec)
		if !p.ModifiedSince.IsZero() && rec.GetUpdateTime().AsTime().Before(p.ModifiedSince) {
			continue
		}
		all = append(all, withRaw(rec, it.raw, p.IncludeRaw))
	}
	if start > len(all) {
		return connector.Page[*crmv1.User]{}, apierr.InvalidArgument(apierr.ReasonInvalidPageToken, "the page token is past the end of the list")
	}
	end := min(start+p.PageSize, len(all))
	page := connector.Page[*crmv1.User]{Items: all[start:end]}
	if end < len(all) {
		page.NextCursor = strconv.Itoa(end)
	}
	return page, nil
}

func getUser(ctx context.Context, c *connector.Conn, id string, p connector.GetParams) (*crmv1.User, error) {
	if _, err := numericID("id", id); err != nil {
		return nil, err
	}
	it, err := one[user](ctx, c, http.MethodGet, "/api/v1/users/"+id, nil)
	if err != nil {
		return nil, err
	}
	return withRaw(userToUser(it.rec), it.raw, p.IncludeRaw), nil
}
