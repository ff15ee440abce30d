package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestWebhookPostsSlackTextAndRetries429(t *testing.T) {
	var calls atomic.Int32
	var got map[string]string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		if r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("content type %q", r.Header.Get("Content-Type"))
		}
		_ = json.NewDecoder(r.Body).Decode(&got)
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()
	wh, err := NewWebhook(srv.URL+"/services/T000/B000/SECRET", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Notify(context.Background(), Message{Subject: "Expiring", Text: "alice: backend"}); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 2 || got["text"] != "*Expiring*\nalice: backend" {
		t.Errorf("calls %d, body %v", calls.Load(), got)
	}
}

func TestWebhookErrorsNeverContainTheURL(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
	}))
	secret := srv.URL + "/hooks/SECRET-TOKEN"
	wh, _ := NewWebhook(secret, nil)
	err := wh.Notify(context.Background(), Message{Text: "x"})
	srv.Close()
	if err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("err = %v, want an error without the URL", err)
	}
	err = wh.Notify(context.Background(), Message{Text: "x"}) // server gone: a transport error
	if err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("transport err = %v, want an error without the URL", err)
	}
	if _, err := NewWebhook("http://hooks.example.com/x", nil); err == nil {
		t.Error("a plain-http webhook to a remote host was accepted")
	}
}

func TestMarkdownNotifierWritesHeadingAndBody(t *testing.T) {
	var b bytes.Buffer
	_ = Markdown{W: &b}.Notify(context.Background(), Message{Subject: "S", Markdown: "- a\n"})
	if b.String() != "## S\n\n- a\n" {
		t.Errorf("got %q", b.String())
	}
}
