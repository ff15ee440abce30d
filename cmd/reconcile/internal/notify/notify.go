// Package notify sends short reports (grants that expire soon) to people:
// a Notifier interface, a Slack-compatible incoming-webhook implementation
// (Slack, Mattermost, Rocket.Chat and Discord's /slack endpoint all accept
// {"text": ...}), and a Markdown writer for an issue body or a job summary.
// A webhook URL is a secret: it is never logged nor put in an error.
package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Message is one notification. Text uses Slack's mrkdwn (*bold*, <url|label>);
// Markdown is the same content in GitHub Markdown.
type Message struct {
	Subject  string
	Text     string
	Markdown string
}

// Notifier delivers a message.
type Notifier interface {
	Notify(ctx context.Context, m Message) error
}

// Webhook posts to a Slack-compatible incoming webhook.
type Webhook struct {
	url    string
	client *http.Client
	// Retries is how often a 429 or 5xx answer is retried (default 2).
	Retries int
}

// NewWebhook makes a Webhook for rawURL, which must be an absolute https URL
// (http only for localhost, for tests).
func NewWebhook(rawURL string, client *http.Client) (*Webhook, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return nil, errors.New("webhook URL is not an absolute URL")
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && (u.Hostname() == "127.0.0.1" || u.Hostname() == "localhost")) {
		return nil, errors.New("webhook URL must use https")
	}
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	return &Webhook{url: rawURL, client: client, Retries: 2}, nil
}

// Notify posts {"text": Subject + Text}. 429 and 5xx are retried, honouring
// Retry-After; any other non-2xx answer is an error.
func (w *Webhook) Notify(ctx context.Context, m Message) error {
	text := m.Text
	if m.Subject != "" {
		text = "*" + m.Subject + "*\n" + text
	}
	body, err := json.Marshal(map[string]string{"text": text})
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
		if err != nil {
			return errors.New("webhook: cannot build request")
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := w.client.Do(req)
		if err != nil {
			// *url.Error carries the URL, a secret: keep only the cause.
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err
			}
			return fmt.Errorf("webhook: post failed: %w", err)
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		if resp.StatusCode/100 == 2 {
			return nil
		}
		retryable := resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
		if !retryable || attempt >= w.Retries {
			return fmt.Errorf("webhook: answered %s", resp.Status)
		}
		wait := time.Second << attempt
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 && s < 120 {
			wait = time.Duration(s) * time.Second
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// Markdown writes the message as Markdown, e.g. into an issue body or
// $GITHUB_STEP_SUMMARY.
type Markdown struct{ W io.Writer }

// Notify writes "## Subject" and the Markdown body.
func (n Markdown) Notify(_ context.Context, m Message) error {
	var b bytes.Buffer
	if m.Subject != "" {
		fmt.Fprintf(&b, "## %s\n\n", m.Subject)
	}
	b.WriteString(m.Markdown)
	_, err := n.W.Write(b.Bytes())
	return err
}
