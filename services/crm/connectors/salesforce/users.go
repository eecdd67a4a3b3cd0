package salesforce

import (
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
)

// userObject lists the org's standard users (the ones that own records);
// the role is the user's role, else the profile.
func userObject(s *state) *object[*crmv1.User] {
	return &object[*crmv1.User]{s: s, name: "user", readOnly: true, sources: []*source[*crmv1.User]{{
		sobject: "User", prefix: prefixUser, fields: []string{"Name", "Email", "IsActive", "UserRole.Name", "Profile.Name"}, read: userOf,
		// Standard users own records; the org's automated and Chatter users do not.
		filter: []string{"UserType = 'Standard'"},
	}}}
}

func userOf(r record, _ *env) *crmv1.User {
	role := r.rel("UserRole").str("Name")
	if role == "" {
		role = r.rel("Profile").str("Name")
	}
	return &crmv1.User{
		Id:         refOf(r, "Id"),
		Name:       r.str("Name"),
		Email:      r.str("Email"),
		Active:     r.boolean("IsActive"),
		Role:       role,
		CreateTime: timestampOf(r, "CreatedDate"),
		UpdateTime: timestampOf(r, "LastModifiedDate"),
	}
}
