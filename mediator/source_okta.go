package mediator

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/okta/okta-sdk-golang/v2/okta"
)

// OktaSource reads a person's groups from Okta through the Okta SDK, with
// the SDK's response cache off so that a removal is seen at once.
type OktaSource struct {
	client *okta.Client
}

// NewOktaSource builds the source from okta_org_url and OKTA_API_TOKEN; hc
// may be nil.
func NewOktaSource(ctx context.Context, orgURL, token string, hc *http.Client) (*OktaSource, error) {
	opts := []okta.ConfigSetter{okta.WithOrgUrl(orgURL), okta.WithToken(token), okta.WithCache(false),
		okta.WithRateLimitMaxRetries(3), okta.WithRequestTimeout(30)}
	if hc != nil {
		opts = append(opts, okta.WithHttpClientPtr(hc))
	}
	if u, err := url.Parse(orgURL); err == nil && u.Scheme == "http" {
		// Only for a local fake: a real org is always HTTPS.
		opts = append(opts, okta.WithTestingDisableHttpsCheck(true))
	}
	_, c, err := okta.NewClient(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("okta client: %w", err)
	}
	return &OktaSource{client: c}, nil
}

// Groups implements Source. The person is looked up by email (Okta's
// login, usually), else by username. A suspended or deprovisioned person
// has no groups.
func (s *OktaSource) Groups(ctx context.Context, who Identity) ([]string, error) {
	key := who.Email
	if key == "" {
		key = who.Username
	}
	if key == "" {
		return nil, ErrUnknownPerson
	}
	u, resp, err := s.client.User.GetUser(ctx, key)
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusNotFound {
			return nil, fmt.Errorf("okta user %s: %w", key, ErrUnknownPerson)
		}
		return nil, fmt.Errorf("okta user %s: %w", key, err)
	}
	switch u.Status {
	case "SUSPENDED", "DEPROVISIONED":
		return nil, nil
	}
	groups, resp, err := s.client.User.ListUserGroups(ctx, u.Id)
	if err != nil {
		return nil, fmt.Errorf("okta groups of %s: %w", key, err)
	}
	var names []string
	for {
		for _, g := range groups {
			if g.Profile != nil {
				names = append(names, g.Profile.Name)
			}
		}
		if resp == nil || !resp.HasNextPage() {
			return names, nil
		}
		groups = nil
		if resp, err = resp.Next(ctx, &groups); err != nil {
			return nil, fmt.Errorf("okta groups of %s: %w", key, err)
		}
	}
}
