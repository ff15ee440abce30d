package oktafake

import (
	"net/url"
	"time"
)

// The JSON objects of the Management API, with the fields Okta documents
// (Groups API "Group object", Users API "User object"); fields the fake has
// no state for carry fixed, plausible values.

type href struct {
	Href string `json:"href"`
}

type logo struct {
	Name string `json:"name"`
	Href string `json:"href"`
	Type string `json:"type"`
}

// groupObj is the Group object of the Groups API.
type groupObj struct {
	ID                    string    `json:"id"`
	Created               time.Time `json:"created"`
	LastUpdated           time.Time `json:"lastUpdated"`
	LastMembershipUpdated time.Time `json:"lastMembershipUpdated"`
	ObjectClass           []string  `json:"objectClass"`
	Type                  string    `json:"type"`
	Profile               struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	} `json:"profile"`
	Links struct {
		Logo  []logo `json:"logo"`
		Users href   `json:"users"`
		Apps  href   `json:"apps"`
	} `json:"_links"`
}

// groupJSON builds a Group object. Caller holds s.mu.
func (s *Server) groupJSON(g *group) *groupObj {
	oc := "okta:user_group"
	if g.typ == TypeApp {
		oc = "okta:windows_security_principal"
	}
	base := s.ts.URL + "/api/v1/groups/" + g.id
	o := &groupObj{ID: g.id, Created: g.created, LastUpdated: g.updated, LastMembershipUpdated: g.membersUpdated,
		ObjectClass: []string{oc}, Type: g.typ}
	o.Profile.Name, o.Profile.Description = g.name, g.description
	o.Links.Logo = []logo{{Name: "medium", Href: s.ts.URL + "/img/logos/groups/okta-medium.png", Type: "image/png"}}
	o.Links.Users, o.Links.Apps = href{base + "/users"}, href{base + "/apps"}
	return o
}

// userObj is the User object of the Users API.
type userObj struct {
	ID              string     `json:"id"`
	Status          string     `json:"status"`
	Created         time.Time  `json:"created"`
	Activated       *time.Time `json:"activated"`
	StatusChanged   time.Time  `json:"statusChanged"`
	LastLogin       *time.Time `json:"lastLogin"`
	LastUpdated     time.Time  `json:"lastUpdated"`
	PasswordChanged time.Time  `json:"passwordChanged"`
	Type            struct {
		ID string `json:"id"`
	} `json:"type"`
	Profile struct {
		FirstName   string  `json:"firstName"`
		LastName    string  `json:"lastName"`
		MobilePhone *string `json:"mobilePhone"`
		SecondEmail *string `json:"secondEmail"`
		Login       string  `json:"login"`
		Email       string  `json:"email"`
	} `json:"profile"`
	Credentials struct {
		Provider struct {
			Type string `json:"type"`
			Name string `json:"name"`
		} `json:"provider"`
	} `json:"credentials"`
	Links struct {
		Self href `json:"self"`
	} `json:"_links"`
}

// userJSON builds a User object. Caller holds s.mu.
func (s *Server) userJSON(u *user) *userObj {
	o := &userObj{ID: u.id, Status: u.status, Created: u.created, StatusChanged: u.updated,
		LastUpdated: u.updated, PasswordChanged: u.created}
	if u.status != StatusStaged {
		o.Activated = &u.created
	}
	o.Type.ID = "otyfake000000000001"
	o.Profile.FirstName, o.Profile.LastName = firstName(u.login), "Fake"
	o.Profile.Login, o.Profile.Email = u.login, u.email
	o.Credentials.Provider.Type, o.Credentials.Provider.Name = "OKTA", "OKTA"
	o.Links.Self = href{s.ts.URL + "/api/v1/users/" + url.PathEscape(u.id)}
	return o
}
