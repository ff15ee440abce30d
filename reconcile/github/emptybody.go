package github

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// errEmptyBody is a 200 answer to a GET that carries no body. GitHub's REST
// API always answers a successful read with JSON (a list is at least "[]"),
// so an empty body is a broken answer, from a proxy or a connection that a
// cancellation raced. go-github decodes an empty body as success, which
// would read an empty list of invitations as "nobody invited"; failing the
// attempt here lets the retry loop try again instead.
var errEmptyBody = errors.New("200 answer with an empty body")

// nonEmptyReads wraps a transport so that a GET answered 200 with no body
// fails the attempt. The body is read whole: GitHub's pages are small.
type nonEmptyReads struct{ base http.RoundTripper }

func (t nonEmptyReads) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil || req.Method != http.MethodGet || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("GET %s: reading the answer: %w", req.URL.Path, err)
	}
	if len(body) == 0 {
		return nil, fmt.Errorf("GET %s: %w", req.URL.Path, errEmptyBody)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// withNonEmptyReads returns a client like c (nil: the default client) whose
// transport refuses empty 200 answers to GETs.
func withNonEmptyReads(c *http.Client) *http.Client {
	out := &http.Client{}
	if c != nil {
		*out = *c
	}
	base := out.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	out.Transport = nonEmptyReads{base: base}
	return out
}
