package hubspotemu

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/unimesh/unimesh/pkg/emulator"
)

type wireOwner struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	Type      string `json:"type"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	UserID    int64  `json:"userId"`
	CreatedAt string `json:"createdAt"`
	UpdatedAt string `json:"updatedAt"`
	Archived  bool   `json:"archived"`
	Teams     []Team `json:"teams,omitempty"`
}

func (o Owner) wire() wireOwner {
	return wireOwner{ID: o.ID, Email: o.Email, Type: "PERSON", FirstName: o.FirstName, LastName: o.LastName,
		UserID: o.UserID, CreatedAt: formatTime(o.CreatedAt), UpdatedAt: formatTime(o.UpdatedAt), Archived: o.Archived, Teams: o.Teams}
}

// listOwners answers GET /crm/v3/owners: active owners, or archived ones
// with archived=true; limit defaults to 100 and goes up to 500.
func (e *Emulator) listOwners(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 100
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 500 {
			e.badRequest(w, "limit must be between 1 and 500, was "+s)
			return
		}
		limit = n
	}
	archived, email := q.Get("archived") == "true", q.Get("email")
	items, next, _, err := e.owners.List(emulator.Query[Owner]{After: q.Get("after"), Limit: limit, Match: func(o *Owner) bool {
		return o.Archived == archived && (email == "" || strings.EqualFold(o.Email, email))
	}})
	if errors.Is(err, emulator.ErrBadCursor) {
		e.badRequest(w, "Invalid paging cursor: "+q.Get("after"))
		return
	}
	results := make([]wireOwner, 0, len(items))
	for _, o := range items {
		results = append(results, o.wire())
	}
	body := map[string]any{"results": results}
	if next != "" {
		body["paging"] = map[string]any{"next": map[string]string{"after": next,
			"link": "https://api.hubapi.com/crm/v3/owners?after=" + url.QueryEscape(next)}}
	}
	emulator.WriteJSON(w, http.StatusOK, body)
}

// getOwner answers GET /crm/v3/owners/{ownerId}; the id is an integer.
func (e *Emulator) getOwner(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := strconv.ParseInt(id, 10, 32); err != nil {
		e.badRequest(w, fmt.Sprintf("Unable to process JSON: ownerId %q is not an integer", id))
		return
	}
	o, _, ok := e.owners.Get(id)
	if !ok || o.Archived != (r.URL.Query().Get("archived") == "true") {
		e.notFound(w, fmt.Sprintf("Owner %s not found", id), id)
		return
	}
	emulator.WriteJSON(w, http.StatusOK, o.wire())
}
