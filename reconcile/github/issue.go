package github

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/access-as-code/access/schema"
	"github.com/access-as-code/access/schema/request"
)

// RequestLabel is the label the issue form sets and the workflow filters on.
const RequestLabel = "access-request"

// IssueEvent is the part of an `issues` webhook payload a request needs
// (docs.github.com/en/webhooks/webhook-events-and-payloads#issues).
type IssueEvent struct {
	Action string `json:"action"`
	Issue  struct {
		Number int    `json:"number"`
		Body   string `json:"body"`
		User   struct {
			Login string `json:"login"`
			Type  string `json:"type"`
		} `json:"user"`
		Labels []struct {
			Name string `json:"name"`
		} `json:"labels"`
		PullRequest json.RawMessage `json:"pull_request"`
	} `json:"issue"`
	Repository struct {
		FullName string `json:"full_name"`
	} `json:"repository"`
}

// ParseIssueEvent reads an `issues` event payload ($GITHUB_EVENT_PATH).
func ParseIssueEvent(data []byte) (*IssueEvent, error) {
	var ev IssueEvent
	if err := json.Unmarshal(data, &ev); err != nil {
		return nil, fmt.Errorf("issue event: %w", err)
	}
	if ev.Issue.Number <= 0 {
		return nil, fmt.Errorf("issue event: no issue number; is this an issues event?")
	}
	if len(ev.Issue.PullRequest) > 0 && string(ev.Issue.PullRequest) != "null" {
		return nil, fmt.Errorf("issue event: #%d is a pull request, not an access request issue", ev.Issue.Number)
	}
	return &ev, nil
}

// HasLabel reports whether the issue carries label.
func (ev *IssueEvent) HasLabel(label string) bool {
	for _, l := range ev.Issue.Labels {
		if l.Name == label {
			return true
		}
	}
	return false
}

// IssueRequest is where an issue's request goes.
type IssueRequest struct {
	Base, Dir string
	Local     fs.FS // the checkout, for blobs whose hash matches; may be nil
	Now       time.Time
}

// RequestFromIssue turns an issue-form issue into a request pull request and
// tells the requester on the issue: the pull request's link, or what to fix.
// Every field of the form is hostile input: names must be existing files and
// users exactly, dates strict, the reason is written as one quoted string.
// A rejected request is commented on and returned as *Rejected.
func (c *Client) RequestFromIssue(ctx context.Context, ev *IssueEvent, opts IssueRequest) (*Opened, error) {
	opened, err := c.requestFromIssue(ctx, ev, opts)
	var rej *Rejected
	switch {
	case err == nil:
		msg := fmt.Sprintf("Opened %s for this request. An owner of the group approves it there; merging it grants the access.\n\n%s",
			opened.URL, approverLine(opened.Result))
		err = c.Comment(ctx, ev.Issue.Number, msg)
		return opened, err
	case errors.As(err, &rej):
		msg := "This access request could not be opened:\n\n```\n" + strings.ReplaceAll(rej.Error(), "```", "'''") +
			"\n```\n\nEdit the issue to fix it; the request is checked again on every edit."
		return nil, errors.Join(err, c.Comment(ctx, ev.Issue.Number, msg))
	default:
		msg := "This access request could not be opened because of an error on our side; the workflow run's log has the details."
		return nil, errors.Join(err, c.Comment(ctx, ev.Issue.Number, msg))
	}
}

func (c *Client) requestFromIssue(ctx context.Context, ev *IssueEvent, opts IssueRequest) (*Opened, error) {
	form, err := request.ParseForm(ev.Issue.Body)
	if err != nil {
		return nil, &Rejected{err}
	}
	login := ev.Issue.User.Login
	if !request.ValidLogin(login) {
		return nil, &Rejected{fmt.Errorf("the issue's author %q is not a GitHub login a request can be recorded for", login)}
	}
	snap, err := c.Snapshot(ctx, opts.Base, opts.Dir, opts.Local)
	if err != nil {
		return nil, err
	}
	cfg, err := schema.Load(snap.FS)
	if err != nil {
		return nil, fmt.Errorf("the config on %s does not load: %w", opts.Base, err)
	}
	req := request.Request{Group: form.Group, User: form.User, Reason: form.Reason}
	if me := cfg.UserByGitHub(login); me != nil {
		req.Requester = me.ID
		if req.User == "" {
			req.User = me.ID
		}
	}
	var errs []error
	if req.Group == "" {
		errs = append(errs, fmt.Errorf("the Group field is empty: name the group, as in groups/<name>.yaml"))
	}
	if req.User == "" {
		errs = append(errs, fmt.Errorf("the Person field is empty and your GitHub login %s is not in users.yaml: give your users.yaml id", login))
	}
	if req.Reason == "" {
		errs = append(errs, fmt.Errorf("the Reason field is empty: say why you need the access, for the owners who approve it"))
	}
	if form.Until != "" {
		t, err := request.ParseUntil(form.Until, opts.Now)
		if err != nil {
			errs = append(errs, err)
		}
		req.Until = &t
	}
	if len(errs) > 0 {
		return nil, &Rejected{errors.Join(errs...)}
	}
	return c.OpenRequest(ctx, snap, RequestInput{Request: req, Login: login, Issue: ev.Issue.Number, Now: opts.Now})
}

// approverLine names who may approve, for the issue comment.
func approverLine(res *request.Result) string {
	var who []string
	seen := map[string]bool{}
	for _, q := range res.Approvals.Requirements {
		for _, a := range q.Approvers {
			if !seen[a] {
				seen[a] = true
				who = append(who, a)
			}
		}
	}
	if len(who) == 0 {
		return "No approval is needed."
	}
	return "Who can approve: " + strings.Join(who, ", ") + "."
}
