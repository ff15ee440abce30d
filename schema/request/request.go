// Package request turns an access request (a group, a person or a role, an
// end date, a reason) into an edit of groups/GROUP.yaml that changes only
// the lines of one member entry, checks that the edited config validates
// (group policy included), and describes the effective change and who may
// approve it. It is pure: the config comes in as an fs.FS and the edited
// bytes go out, so the same code serves a local checkout and a commit read
// through the GitHub API. It also parses the GitHub issue form a request can
// come from, treating every field as hostile.
package request

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"
	"testing/fstest"
	"time"

	"github.com/access-as-code/access/schema"
	"github.com/access-as-code/access/schema/accessdiff"
	"github.com/access-as-code/access/schema/approvals"
)

// Request is one access request. Names are taken as given and must match
// existing files and users exactly.
type Request struct {
	Group  string
	User   string // a users.yaml id; exactly one of User and Role
	Role   string
	Until  *time.Time
	Reason string
	// Requester is the users.yaml id of who asks (they never approve it);
	// "" when unknown.
	Requester string
}

// Result is a validated edit.
type Result struct {
	File      string // relative to the config root, e.g. groups/backend.yaml
	Op        string // OpAdded or OpExtended
	Before    []byte
	After     []byte
	Report    *accessdiff.Report
	Approvals *approvals.Result
	Head      *schema.Config // the edited config
}

// nameRE is what a group, role or user name from a request may look like
// before it is even looked up: no path separators, no dot-dot, no spaces.
var nameRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._@+-]{0,127}$`)

// Apply checks req against the config in fsys, edits the group's file and
// validates the result at now. Errors list every problem; nothing is
// written (the caller writes Result.After).
func Apply(fsys fs.FS, req Request, now time.Time) (*Result, error) {
	base, err := schema.Load(fsys)
	if err != nil {
		return nil, fmt.Errorf("the config does not load, so no request can be checked against it: %w", err)
	}
	if err := checkNames(base, req); err != nil {
		return nil, err
	}
	if req.Until != nil && !req.Until.After(now) {
		return nil, fmt.Errorf("until %s is not in the future", formatTime(*req.Until))
	}
	if err := checkExtension(base, req); err != nil {
		return nil, err
	}
	file := path.Join("groups", req.Group+".yaml")
	before, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	after, op, err := Edit(file, before, Entry{User: req.User, Role: req.Role, Until: req.Until, Reason: req.Reason})
	if err != nil {
		return nil, err
	}
	head, err := schema.Check(overlay{fsys, file, after}, now)
	if err != nil {
		return nil, fmt.Errorf("the request does not validate:\n%w", err)
	}
	b, h := accessdiff.CompileChanged(base, head, now)
	report := accessdiff.Compute(b, h)
	res := approvals.Evaluate(approvals.Input{Base: b, Head: h, Diff: report, Author: req.Requester, Now: now})
	return &Result{File: file, Op: op, Before: before, After: after, Report: report, Approvals: res, Head: head}, nil
}

// checkNames: the group, user or role exist exactly as written; a near
// miss gets a suggestion.
func checkNames(c *schema.Config, req Request) error {
	var errs []error
	name := func(kind, s string, ok bool, candidates func() []string) {
		switch {
		case !nameRE.MatchString(s) || strings.Contains(s, ".."):
			errs = append(errs, fmt.Errorf("%s %q is not a valid name", kind, s))
		case !ok:
			msg := fmt.Sprintf("no %s %q", kind, s)
			if m := schema.Suggest(s, candidates()); m != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", m)
			}
			errs = append(errs, errors.New(msg))
		}
	}
	name("group", req.Group, c.Groups[req.Group] != nil, c.GroupNames)
	switch {
	case req.User != "" && req.Role != "":
		errs = append(errs, fmt.Errorf("give a user or a role, not both"))
	case req.User != "":
		name("user", req.User, c.User(req.User) != nil && c.User(req.User).ID == req.User, c.UserIDs)
	case req.Role != "":
		name("role", req.Role, c.Roles[req.Role] != nil, c.RoleNames)
	default:
		errs = append(errs, fmt.Errorf("no user: give a users.yaml id (or a role)"))
	}
	return errors.Join(errs...)
}

// checkExtension refuses a request that would not extend an existing
// direct entry: the same or an earlier end gives nothing.
func checkExtension(c *schema.Config, req Request) error {
	for _, m := range c.Groups[req.Group].Members {
		if (req.User == "" || m.User != req.User) && (req.Role == "" || m.Role != req.Role) {
			continue
		}
		if m.Until != nil && req.Until != nil && !req.Until.After(*m.Until) {
			return fmt.Errorf("%s is already a member of %s until %s, which is not before %s", refName(req), req.Group, formatTime(*m.Until), formatTime(*req.Until))
		}
	}
	return nil
}

func refName(req Request) string {
	if req.User != "" {
		return req.User
	}
	return "role " + req.Role
}

// ParseUntil reads --until: a date (the start of that day in UTC), an RFC
// 3339 time, or a duration (30d, 72h, 7d12h) from now.
func ParseUntil(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := schema.ParseTime(s); err == nil {
		return t, nil
	}
	d, err := schema.ParseDuration(s)
	if err != nil || d <= 0 {
		return time.Time{}, fmt.Errorf("until %q: want a date (2026-12-31), an RFC 3339 time or a duration such as 30d or 72h", s)
	}
	return now.Add(time.Duration(d)).UTC(), nil
}

// overlay is fsys with one file replaced.
type overlay struct {
	fs.FS
	name string
	data []byte
}

func (o overlay) Open(name string) (fs.File, error) {
	if name == o.name {
		return fstest.MapFS{name: &fstest.MapFile{Data: o.data, Mode: 0o644}}.Open(name)
	}
	return o.FS.Open(name)
}

// ReadDir keeps directory listings working when the base FS implements it.
func (o overlay) ReadDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(o.FS, name) }

// Stat reports the replaced file's new size.
func (o overlay) Stat(name string) (fs.FileInfo, error) {
	if name == o.name {
		return fs.Stat(fstest.MapFS{name: &fstest.MapFile{Data: o.data, Mode: 0o644}}, name)
	}
	return fs.Stat(o.FS, name)
}
