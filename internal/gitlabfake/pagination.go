package gitlabfake

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// countLimit is the size above which GitLab stops counting: X-Total,
// X-Total-Pages and the rel="last" link are left out for performance
// (docs: api/rest/index.md, "Other pagination headers").
const countLimit = 10000

// paginate writes one page of items with GitLab's offset-pagination
// headers and returns the slice to encode (docs: api/rest/index.md,
// "Offset-based pagination"): page (default 1) and per_page (default 20,
// max 100); X-Page, X-Per-Page, X-Next-Page and X-Prev-Page (empty at the
// ends), X-Total, X-Total-Pages (at least 1) and a Link header with
// rel="prev", "next", "first" and "last".
func paginate[T any](s *Server, w http.ResponseWriter, r *http.Request, items []T) []T {
	q := r.URL.Query()
	perPage, err := strconv.Atoi(q.Get("per_page"))
	if err != nil || perPage < 1 {
		perPage = 20
	}
	perPage = min(perPage, s.maxPerPage)
	page, err := strconv.Atoi(q.Get("page"))
	if err != nil || page < 1 {
		page = 1
	}
	total := len(items)
	totalPages := max((total+perPage-1)/perPage, 1)
	lo := min((page-1)*perPage, total)
	hi := min(lo+perPage, total)

	h := w.Header()
	h.Set("X-Page", strconv.Itoa(page))
	h.Set("X-Per-Page", strconv.Itoa(perPage))
	next, prev := "", ""
	if hi < total {
		next = strconv.Itoa(page + 1)
	}
	if page > 1 {
		prev = strconv.Itoa(min(page-1, totalPages))
	}
	h.Set("X-Next-Page", next)
	h.Set("X-Prev-Page", prev)
	counted := total <= countLimit
	if counted {
		h.Set("X-Total", strconv.Itoa(total))
		h.Set("X-Total-Pages", strconv.Itoa(totalPages))
	}
	var links []string
	link := func(p, rel string) {
		links = append(links, fmt.Sprintf("<%s>; rel=\"%s\"", pageURL(s, r, p, perPage), rel))
	}
	if prev != "" {
		link(prev, "prev")
	}
	if next != "" {
		link(next, "next")
	}
	link("1", "first")
	if counted {
		link(strconv.Itoa(totalPages), "last")
	}
	h.Set("Link", strings.Join(links, ", "))
	return items[lo:hi]
}

// pageURL is the request's URL with page and per_page replaced, as in
// GitLab's Link header (absolute, same query).
func pageURL(s *Server, r *http.Request, page string, perPage int) string {
	q := r.URL.Query()
	q.Set("page", page)
	q.Set("per_page", strconv.Itoa(perPage))
	q.Del("private_token")
	u := url.URL{Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: q.Encode()}
	return s.srv.URL + u.RequestURI()
}
