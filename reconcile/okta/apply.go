package okta

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/okta/okta-sdk-golang/v2/okta"

	"github.com/access-as-code/access/reconcile"
)

// Apply makes one change. Adding a present member and removing an absent
// one succeed (Okta answers 204 to both); create_group of a group that
// exists succeeds and remembers it. Errors name the group and the person.
func (p *Provider) Apply(ctx context.Context, c reconcile.Change) error {
	var err error
	switch c.Op {
	case reconcile.OpCreateGroup:
		err = p.createGroup(ctx, c.Group)
	case reconcile.OpAdd, reconcile.OpRemove:
		err = p.membership(ctx, c)
	case reconcile.OpUpdate:
		err = errors.New("Okta group memberships have no access level to update")
	default:
		err = fmt.Errorf("unknown change %q", c.Op)
	}
	if err != nil {
		who := c.Login
		if who == "" {
			who = c.User
		} else if c.User != "" && c.User != c.Login {
			who = fmt.Sprintf("%s (%s)", c.User, c.Login)
		}
		if c.Op == reconcile.OpCreateGroup {
			return fmt.Errorf("okta: create group %q: %w", c.Group, err)
		}
		return fmt.Errorf("okta: %s %s in group %q: %w", c.Op, who, c.Group, err)
	}
	return nil
}

func (p *Provider) membership(ctx context.Context, c reconcile.Change) error {
	gid, err := p.groupID(ctx, c.Group)
	if err != nil {
		return err
	}
	uid := c.AccountID
	if uid == "" {
		login := c.Login
		if login == "" {
			login = c.User
		}
		a, err := p.getUser(ctx, login)
		if err != nil {
			return err
		}
		if a == nil {
			if c.Op == reconcile.OpRemove {
				return nil // no such account: it is in no group
			}
			return fmt.Errorf("no Okta account has login %q", login)
		}
		uid = a.ID
	}
	var resp *okta.Response
	if c.Op == reconcile.OpAdd {
		resp, err = p.client.Group.AddUserToGroup(ctx, gid, uid)
	} else {
		resp, err = p.client.Group.RemoveUserFromGroup(ctx, gid, uid)
		if statusOf(resp) == http.StatusNotFound && errorCode(err) == "E0000007" {
			// The user no longer exists, so is in no group. (A missing
			// group cannot be the cause: its id was just read.)
			p.log.InfoContext(ctx, "okta remove: account already gone", "group", c.Group, "account_id", uid)
			return nil
		}
	}
	if err != nil {
		return apiError(resp, err)
	}
	return nil
}

// groupID is the id of a managed group: remembered from Observe or
// create_group, else looked up once. Unmanageable groups are refused here
// too, so that no plan can write to them.
func (p *Provider) groupID(ctx context.Context, name string) (string, error) {
	p.mu.Lock()
	gi, ok := p.groups[name]
	p.mu.Unlock()
	if !ok {
		found, err := p.findGroups(ctx, []string{name})
		if err != nil {
			return "", err
		}
		rules, err := p.activeRuleTargets(ctx)
		if err != nil {
			return "", err
		}
		og, _ := p.choose(name, found[name], rules)
		if !og.Exists {
			return "", fmt.Errorf("okta group %q does not exist", name)
		}
		gi = groupInfo{id: og.ID, unmanageable: og.Unmanageable}
		p.remember(name, gi)
	}
	if gi.unmanageable != "" {
		return "", fmt.Errorf("group cannot be managed: %s", gi.unmanageable)
	}
	return gi.id, nil
}

// createGroup creates an OKTA_GROUP unless one with the name exists. A
// POST is not retried blindly (it may have succeeded before the connection
// broke): after a failure the group is looked up again first.
func (p *Provider) createGroup(ctx context.Context, name string) error {
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		found, err := p.findGroups(ctx, []string{name})
		if err != nil {
			return err
		}
		// Not remembered: groupID checks group rules before any write.
		if og, _ := p.choose(name, found[name], nil); og.Exists {
			p.log.InfoContext(ctx, "okta group exists", "group", name, "id", og.ID)
			return nil
		}
		g, resp, err := p.client.Group.CreateGroup(ctx, okta.Group{Profile: &okta.GroupProfile{
			Name: name, Description: "Managed by access-config; changes here are reverted",
		}})
		if err == nil {
			p.remember(name, groupInfo{id: g.Id})
			return nil
		}
		lastErr = apiError(resp, err)
		var rl *reconcile.RateLimitError
		status := statusOf(resp)
		retry := status >= 500 || status == 0 && !errors.As(err, &rl) && ctx.Err() == nil ||
			status == http.StatusBadRequest && errorCode(err) == "E0000001" // created meanwhile
		if !retry {
			return lastErr
		}
	}
	return lastErr
}
