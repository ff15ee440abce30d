package schema

import (
	"testing"
	"time"
)

// exampleNow is "today" for the example config and the corpus.
var exampleNow = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

func TestExampleConfigValidatesClean(t *testing.T) {
	c, err := CheckDir("../access-config", exampleNow)
	if err != nil {
		t.Fatalf("example config is invalid:\n%v", err)
	}
	if len(c.Users) != 12 || len(c.Groups) < 6 || len(c.Roles) != 3 || len(c.Apps) != 2 {
		t.Fatalf("example config: %d users, %d groups, %d roles, %d apps", len(c.Users), len(c.Groups), len(c.Roles), len(c.Apps))
	}
	if u := c.User("judy"); u == nil || u.GitLab != "" {
		t.Errorf("judy should exist without a GitLab username: %+v", u)
	}
	if u := c.UserByOkta("ERIN.walsh@acme.example"); u == nil || u.ID != "erin" {
		t.Errorf("UserByOkta ignores case: got %+v", u)
	}
	if u := c.UserByGitHub("BOKAFOR"); u == nil || u.ID != "bob" {
		t.Errorf("UserByGitHub: got %+v", u)
	}
	if u := c.UserByGitLab("lena.f"); u == nil || u.ID != "lena" {
		t.Errorf("UserByGitLab: got %+v", u)
	}
	p := c.Groups["production"]
	if p.Policy == nil || p.Policy.MaxDuration.String() != "90d" || !p.Policy.RequireReason {
		t.Errorf("production policy: %+v", p.Policy)
	}
	if m := p.Members[1]; m.User != "alice" || m.Until == nil || m.Until.Format("2006-01-02") != "2026-12-15" || m.Pos.Line != 18 {
		t.Errorf("production members[1]: %+v", m)
	}
	if c.Settings.Limits.MaxRemovals != 25 || c.Settings.Limits.MaxRemovalRatio != 0.3 {
		t.Errorf("limits: %+v", c.Settings.Limits)
	}
}
