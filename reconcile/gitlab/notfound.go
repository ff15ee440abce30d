package gitlab

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
)

// The client library answers every 404 with ErrNotFound and drops the
// body, yet only GitLab's own message tells a missing group from, say, a
// proxy's or an unknown route's 404. A request whose context carries a
// notFoundNote has the message of a 404 answer left there by the
// transport.

type notFoundKey struct{}

// notFoundNote holds the "message" (or "error") of the last 404 answer to
// the requests made with its context.
type notFoundNote struct {
	mu  sync.Mutex
	msg string
}

func withNotFoundNote(ctx context.Context) (context.Context, *notFoundNote) {
	n := &notFoundNote{}
	return context.WithValue(ctx, notFoundKey{}, n), n
}

func (n *notFoundNote) message() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.msg
}

// noteNotFound reads a 404 body (at most 64 KiB) into the request's note,
// if it has one, and leaves the library an identical body to read.
func noteNotFound(req *http.Request, resp *http.Response) {
	n, ok := req.Context().Value(notFoundKey{}).(*notFoundNote)
	if !ok || resp.StatusCode != http.StatusNotFound {
		return
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	var body struct {
		Message any `json:"message"`
		Error   any `json:"error"`
	}
	msg := strings.TrimSpace(string(b))
	if err == nil && json.Unmarshal(b, &body) == nil {
		switch {
		case body.Message != nil:
			msg = strings.TrimSpace(toString(body.Message))
		case body.Error != nil:
			msg = strings.TrimSpace(toString(body.Error))
		}
	}
	if len(msg) > 200 {
		msg = msg[:200] + "..."
	}
	n.mu.Lock()
	n.msg = msg
	n.mu.Unlock()
}

func toString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}
