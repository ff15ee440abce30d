package graphfake

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"golang.org/x/oauth2/clientcredentials"
)

func TestTransitiveMembershipIsPagedWithNextLink(t *testing.T) {
	s := New(WithPageSize(2))
	defer s.Close()
	s.AddUser("alice@example.com", "alice@example.com")
	for _, g := range []string{"a", "b", "c", "parent"} {
		s.AddGroup(g)
	}
	for _, g := range []string{"a", "b", "c"} {
		s.AddMember(g, "alice@example.com")
	}
	s.AddMember("parent", "c") // nested: alice is in parent through c
	cc := clientcredentials.Config{ClientID: s.ClientID(), ClientSecret: s.ClientSecret(), TokenURL: s.TokenURL("t"),
		Scopes: []string{"https://graph.microsoft.com/.default"}}
	client := cc.Client(context.Background())
	next := s.URL() + "/v1.0/users/alice@example.com/transitiveMemberOf/microsoft.graph.group"
	var names []string
	pages := 0
	for next != "" {
		resp, err := client.Get(next)
		if err != nil {
			t.Fatal(err)
		}
		var page struct {
			Value []struct {
				DisplayName string `json:"displayName"`
			} `json:"value"`
			Next string `json:"@odata.nextLink"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		for _, v := range page.Value {
			names = append(names, v.DisplayName)
		}
		next, pages = page.Next, pages+1
	}
	if pages != 2 || len(names) != 4 {
		t.Errorf("%d pages, groups %v; want 2 pages, a b c parent", pages, names)
	}
}

func TestUnknownUserAndBadTokenAndThrottling(t *testing.T) {
	s := New()
	defer s.Close()
	resp, _ := http.Get(s.URL() + "/v1.0/users/nobody/transitiveMemberOf")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no token: HTTP %d, want 401", resp.StatusCode)
	}
	cc := clientcredentials.Config{ClientID: s.ClientID(), ClientSecret: "wrong", TokenURL: s.TokenURL("t"),
		Scopes: []string{"https://graph.microsoft.com/.default"}}
	if _, err := cc.Token(context.Background()); err == nil {
		t.Error("a wrong client secret got a token")
	}
	cc.ClientSecret = s.ClientSecret()
	client := cc.Client(context.Background())
	resp, _ = client.Get(s.URL() + "/v1.0/users/nobody/transitiveMemberOf")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown user: HTTP %d, want 404", resp.StatusCode)
	}
	s.Throttle(1, 7)
	resp, _ = client.Get(s.URL() + "/v1.0/users/nobody/transitiveMemberOf")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "7" {
		t.Errorf("throttled: HTTP %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}
