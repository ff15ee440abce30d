package mediator

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// GraphSource reads a person's transitive group memberships from Microsoft
// Graph, authenticated as an application (client credentials).
type GraphSource struct {
	base   string
	client *http.Client
	// maxWait caps one Retry-After pause; throttling beyond 3 tries is an error.
	maxWait time.Duration
}

// NewGraphSource builds the source. ctx carries hc (nil = default) to the
// token requests and bounds the token source's life.
func NewGraphSource(ctx context.Context, graphURL, tokenURL, clientID, secret string, hc *http.Client) *GraphSource {
	scope := DefaultGraphURL + "/.default"
	if !strings.HasPrefix(graphURL, DefaultGraphURL) {
		scope = strings.TrimRight(graphURL, "/") + "/.default"
	}
	cc := clientcredentials.Config{ClientID: clientID, ClientSecret: secret, TokenURL: tokenURL, Scopes: []string{scope}}
	if hc != nil {
		ctx = context.WithValue(ctx, oauth2.HTTPClient, hc)
	}
	return &GraphSource{base: strings.TrimRight(graphURL, "/"), client: cc.Client(ctx), maxWait: 30 * time.Second}
}

type graphPage struct {
	Value []struct {
		ID          string `json:"id"`
		DisplayName string `json:"displayName"`
	} `json:"value"`
	NextLink string `json:"@odata.nextLink"`
}

// Groups implements Source. The person is the Entra object id from the ID
// token (oid), else the email or username as userPrincipalName. Each group
// is named twice, by display name and by object id, because Entra puts ids
// in the groups claim unless configured otherwise: group_map and the
// patterns may use either.
func (s *GraphSource) Groups(ctx context.Context, who Identity) ([]string, error) {
	key := who.ObjectID
	for _, k := range []string{who.Email, who.Username} {
		if key == "" {
			key = k
		}
	}
	if key == "" {
		return nil, ErrUnknownPerson
	}
	next := s.base + "/v1.0/users/" + url.PathEscape(key) +
		"/transitiveMemberOf/microsoft.graph.group?$select=id,displayName&$top=999"
	var names []string
	for next != "" {
		var page graphPage
		if err := s.get(ctx, next, &page); err != nil {
			return nil, fmt.Errorf("graph groups of %s: %w", key, err)
		}
		for _, g := range page.Value {
			names = append(names, g.DisplayName, g.ID)
		}
		next = page.NextLink // absolute and opaque: followed as given
	}
	return names, nil
}

func (s *GraphSource) get(ctx context.Context, u string, into any) error {
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Accept", "application/json")
		resp, err := s.client.Do(req)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
		resp.Body.Close()
		if err != nil {
			return err
		}
		switch {
		case resp.StatusCode == http.StatusOK:
			return json.Unmarshal(body, into)
		case resp.StatusCode == http.StatusNotFound:
			return ErrUnknownPerson
		case (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500) && attempt < 3:
			wait := time.Second << attempt
			if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
				wait = time.Duration(s) * time.Second
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(min(wait, s.maxWait)):
			}
		default:
			var e struct {
				Error struct {
					Code string `json:"code"`
				} `json:"error"`
			}
			_ = json.Unmarshal(body, &e)
			return fmt.Errorf("HTTP %d %s", resp.StatusCode, e.Error.Code)
		}
	}
}
