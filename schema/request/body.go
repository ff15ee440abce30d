package request

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/access-as-code/access/schema/accessdiff"
	"github.com/access-as-code/access/schema/approvals"
)

// requesterPrefix starts the first line of a request pull request's body:
// the GitHub login of who asked, for approvals to treat as the author when
// a bot opened the pull request.
const requesterPrefix = "<!-- access-as-code:requester "

// loginRE is a GitHub login: alphanumerics and single hyphens, at most 39.
var loginRE = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9]|-[A-Za-z0-9]){0,38}$`)

// ValidLogin reports whether s can be a GitHub login.
func ValidLogin(s string) bool { return len(s) <= 39 && loginRE.MatchString(s) }

// Requester returns the login recorded by RequesterLine on the first line
// of body, "" when there is none. Only the first line counts: text a
// requester typed lands further down and cannot pose as the record.
func Requester(body string) string {
	first, _, _ := strings.Cut(body, "\n")
	first = strings.TrimSpace(first)
	rest, ok := strings.CutPrefix(first, requesterPrefix)
	if !ok {
		return ""
	}
	login, ok := strings.CutSuffix(rest, " -->")
	if !ok || !ValidLogin(login) {
		return ""
	}
	return login
}

// RequesterLine is the machine-readable record of who asked.
func RequesterLine(login string) string { return requesterPrefix + login + " -->" }

// Branch is the request's branch: access-request/<user>-<group>-<yyyymmdd>
// (the role's name for a role request).
func Branch(req Request, now time.Time) string {
	who := req.User
	if who == "" {
		who = req.Role
	}
	return "access-request/" + who + "-" + req.Group + "-" + now.UTC().Format("20060102")
}

// Title is the pull request's title.
func Title(req Request, op string) string {
	verb := "Add " + refName(req) + " to " + req.Group
	if op == OpExtended {
		verb = "Extend " + refName(req) + " in " + req.Group
	}
	if req.Until != nil {
		verb += " until " + formatTime(*req.Until)
	}
	return verb
}

// Body is the pull request's description: the requester record (when the
// login is known), what is asked and why, the effective change and who may
// approve it. issue is the issue number it came from, 0 for none.
func Body(req Request, res *Result, login string, issue int) (string, error) {
	var b strings.Builder
	if ValidLogin(login) {
		b.WriteString(RequesterLine(login) + "\n")
	}
	b.WriteString("## Access request\n\n")
	fmt.Fprintf(&b, "%s.\n\n", Title(req, res.Op))
	if req.Reason != "" {
		fmt.Fprintf(&b, "Reason: %s\n\n", inline(req.Reason))
	}
	if ValidLogin(login) {
		fmt.Fprintf(&b, "Requested by @%s", login)
		if issue > 0 {
			fmt.Fprintf(&b, " in #%d", issue)
		}
		b.WriteString(".\n\n")
	}
	b.WriteString("### Effective change\n\n")
	var diff strings.Builder
	if err := accessdiff.WriteMarkdown(&diff, res.Report); err != nil {
		return "", err
	}
	if diff.Len() > maxDiff {
		// GitHub refuses a description over 65,536 characters; a role with
		// many members can produce one.
		diff.Reset()
		diff.WriteString("The effective change is too long for this description: run `reconcile diff --base main` on this branch.\n")
	}
	b.WriteString(diff.String())
	b.WriteString("\n")
	if err := approvals.WriteMarkdown(&b, res.Approvals); err != nil {
		return "", err
	}
	b.WriteString("\nOpened by `reconcile request`. Merging this pull request grants the access.\n")
	return b.String(), nil
}

// maxDiff leaves room in the description for everything else.
const maxDiff = 50000

// inline renders untrusted text as one inert markdown line: no HTML, no
// mentions, no links, no headings.
func inline(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "@", "@\u200b", "[", "\\[", "]", "\\]",
		"`", "\\`", "*", "\\*", "_", "\\_", "#", "\\#", "|", "\\|")
	return r.Replace(s)
}

// Author is who counts as a pull request's author for approvals: the
// requester recorded in the body when a bot opened it (a request made
// through the issue form), else the login that opened it. So nobody
// approves their own request by having a bot open it.
func Author(login string, isBot bool, body string) string {
	if r := Requester(body); isBot && r != "" {
		return r
	}
	return login
}
