package pipedriveemu

import (
	"net/http"
	"strconv"
)

func (e *Emulator) presentUser(u User) User {
	u.IsYou = u.ID == e.me()
	return u
}

// listUsers serves GET /api/v1/users: every user of the company at once.
func (e *Emulator) listUsers(w http.ResponseWriter, r *http.Request) {
	all := e.Users.All()
	out := make([]User, 0, len(all))
	for _, u := range all {
		out = append(out, e.presentUser(u))
	}
	writeOne(w, http.StatusOK, out)
}

// getMe answers GET /v1/users/me: the token's user, with the company it
// belongs to (company_domain is the subdomain of its Pipedrive host).
func (e *Emulator) getMe(w http.ResponseWriter, _ *http.Request) {
	u, _, found := e.Users.Get(strconv.FormatInt(e.me(), 10))
	if !found {
		writeError(w, http.StatusNotFound, "User not found")
		return
	}
	writeOne(w, http.StatusOK, struct {
		User
		CompanyDomain string `json:"company_domain"`
	}{e.presentUser(u), e.companyDomain})
}

func (e *Emulator) getUser(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		writeError(w, http.StatusBadRequest, "Validation failed: id: must be a positive integer")
		return
	}
	u, _, found := e.Users.Get(strconv.FormatInt(id, 10))
	if !found {
		writeError(w, http.StatusNotFound, "User not found")
		return
	}
	writeOne(w, http.StatusOK, e.presentUser(u))
}
