package gitlab

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	gl "gitlab.com/gitlab-org/api/client-go"

	"github.com/access-as-code/access/reconcile"
	"github.com/access-as-code/access/schema"
)

// ErrCreateGroupUnsupported is returned for an OpCreateGroup change:
// reconcile creates Okta groups only; a GitLab group must exist first.
var ErrCreateGroupUnsupported = errors.New("creating GitLab groups is not supported: create the group in GitLab first")

// ErrLastOwner marks GitLab's refusal to remove or demote the last owner
// of a group.
var ErrLastOwner = errors.New("GitLab refuses to remove or demote the last owner of a group: make someone else an owner first")

// Apply makes one change. Adding a present member, removing an absent one
// and setting the level a member already has all succeed.
func (p *Provider) Apply(ctx context.Context, c reconcile.Change) error {
	who := c.Login
	if who == "" {
		who = c.User
	}
	wrap := func(err error) error {
		if err == nil {
			return nil
		}
		var rl *reconcile.RateLimitError
		if errors.As(err, &rl) {
			// Keep the type for the engine, with the change in the message.
			return &reconcile.RateLimitError{Target: rl.Target, Reset: rl.Reset, Err: fmt.Errorf("%s %s in %s: %w", c.Op, who, c.Group, rl.Err)}
		}
		return fmt.Errorf("gitlab: %s %s in %s: %w", c.Op, who, c.Group, err)
	}
	if c.Op == reconcile.OpCreateGroup {
		return fmt.Errorf("gitlab: create group %s: %w", c.Group, ErrCreateGroupUnsupported)
	}
	uid, err := p.accountID(ctx, c, who)
	if err != nil {
		return wrap(err)
	}
	switch c.Op {
	case reconcile.OpAdd, reconcile.OpUpdate:
		level := schema.AccessLevel(c.Access).Value()
		if level == 0 {
			return wrap(fmt.Errorf("unknown access level %q (want guest, reporter, developer, maintainer or owner)", c.Access))
		}
		if c.Op == reconcile.OpAdd {
			return wrap(p.add(ctx, c.Group, uid, level))
		}
		return wrap(p.update(ctx, c.Group, uid, level, true))
	case reconcile.OpRemove:
		return wrap(p.remove(ctx, c.Group, uid))
	default:
		return wrap(fmt.Errorf("unknown op %q", c.Op))
	}
}

// accountID is the change's GitLab user id, looked up by username when the
// plan did not carry it.
func (p *Provider) accountID(ctx context.Context, c reconcile.Change, who string) (int64, error) {
	if c.AccountID != "" {
		id, err := strconv.ParseInt(c.AccountID, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("account id %q is not a GitLab user id", c.AccountID)
		}
		return id, nil
	}
	a, err := p.userByName(ctx, who)
	if err != nil {
		return 0, err
	}
	if a == nil {
		return 0, fmt.Errorf("no GitLab user %q", who)
	}
	return strconv.ParseInt(a.ID, 10, 64)
}

// add is POST /groups/:id/members. 409 "Member already exists" means the
// goal may be met already (terraform-provider-gitlab #993): the member is
// re-read and its level corrected if it differs.
func (p *Provider) add(ctx context.Context, group string, uid int64, level int) error {
	lv := gl.AccessLevelValue(level)
	resp, err := p.do(ctx, "POST member of "+group, func(o ...gl.RequestOptionFunc) (*gl.Response, error) {
		_, r, e := p.c.GroupMembers.AddGroupMember(group, &gl.AddGroupMemberOptions{UserID: &uid, AccessLevel: &lv}, o...)
		return r, e
	})
	if status(resp, err) != http.StatusConflict {
		return err
	}
	var m *gl.GroupMember
	_, err = p.do(ctx, "GET member of "+group, func(o ...gl.RequestOptionFunc) (*gl.Response, error) {
		var r *gl.Response
		var e error
		m, r, e = p.c.GroupMembers.GetGroupMember(group, uid, o...)
		return r, e
	})
	if err != nil {
		return fmt.Errorf("re-read after 409 Member already exists: %w", err)
	}
	if int(m.AccessLevel) == level {
		return nil
	}
	return p.update(ctx, group, uid, level, false)
}

// update is PUT /groups/:id/members/:user_id. A 404 means the person is
// not a direct member (possibly only inherited): then they are added.
func (p *Provider) update(ctx context.Context, group string, uid int64, level int, addIfMissing bool) error {
	lv := gl.AccessLevelValue(level)
	resp, err := p.do(ctx, "PUT member of "+group, func(o ...gl.RequestOptionFunc) (*gl.Response, error) {
		_, r, e := p.c.GroupMembers.EditGroupMember(group, uid, &gl.EditGroupMemberOptions{AccessLevel: &lv}, o...)
		return r, e
	})
	switch status(resp, err) {
	case http.StatusNotFound:
		if addIfMissing {
			return p.add(ctx, group, uid, level)
		}
	case http.StatusForbidden:
		return p.explainForbidden(ctx, group, uid, err)
	}
	return err
}

// remove is DELETE /groups/:id/members/:user_id with skip_subresources=true
// (the person's own memberships in subgroups and projects stay;
// terraform-provider-gitlab #1194) and unassign_issuables=false. A 404
// means already absent.
func (p *Provider) remove(ctx context.Context, group string, uid int64) error {
	skip, unassign := true, false
	resp, err := p.do(ctx, "DELETE member of "+group, func(o ...gl.RequestOptionFunc) (*gl.Response, error) {
		return p.c.GroupMembers.RemoveGroupMember(group, uid, &gl.RemoveGroupMemberOptions{SkipSubresources: &skip, UnassignIssuables: &unassign}, o...)
	})
	switch status(resp, err) {
	case http.StatusNotFound:
		return nil
	case http.StatusForbidden:
		return p.explainForbidden(ctx, group, uid, err)
	}
	return err
}

// explainForbidden tells GitLab's last-owner refusal (also a plain 403)
// from a token without permission, by reading the member's level.
func (p *Provider) explainForbidden(ctx context.Context, group string, uid int64, err error) error {
	var m *gl.GroupMember
	_, gerr := p.do(ctx, "GET member of "+group, func(o ...gl.RequestOptionFunc) (*gl.Response, error) {
		var r *gl.Response
		var e error
		m, r, e = p.c.GroupMembers.GetGroupMember(group, uid, o...)
		return r, e
	})
	if gerr == nil && m.AccessLevel == gl.OwnerPermissions {
		return fmt.Errorf("%w (%w)", ErrLastOwner, err)
	}
	return fmt.Errorf("permission denied: the token needs the Owner role (or admin) on the group: %w", err)
}
