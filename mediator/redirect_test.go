package mediator

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

func TestRedirectWithMergesParamsIntoTheBaseQuery(t *testing.T) {
	w := httptest.NewRecorder()
	err := redirectWith(w, httptest.NewRequest("GET", "/authorize", nil), "https://idp.example/auth?tenant=a&scope=old",
		url.Values{"scope": {"openid groups"}, "state": {"s1"}})
	if err != nil || w.Code != http.StatusFound || w.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("err %v, status %d, headers %v", err, w.Code, w.Header())
	}
	u, err := url.Parse(w.Header().Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Host != "idp.example" || u.Path != "/auth" || q.Get("tenant") != "a" || q.Get("scope") != "openid groups" || q.Get("state") != "s1" || len(q["scope"]) != 1 {
		t.Errorf("Location %s: the base's own parameters stay, a param of the same name replaces it", u)
	}
	w = httptest.NewRecorder()
	if err := redirectWith(w, httptest.NewRequest("GET", "/", nil), "http://bad host/%zz", nil); err == nil || w.Code != http.StatusOK || w.Header().Get("Location") != "" {
		t.Errorf("a base that is not a URL writes nothing: err %v, status %d", err, w.Code)
	}
}
