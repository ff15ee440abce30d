package gitlab_test

import (
	"testing"

	"github.com/access-as-code/access/reconcile/gitlab"
	"github.com/access-as-code/access/schema"
)

func TestWantCarriesLevelAndPinnedID(t *testing.T) {
	d := &schema.Desired{GitLab: map[string]map[string]schema.GitLabGrant{
		"platform/backend": {
			"alice": {User: "alice", GitLabID: 11, Level: schema.Maintainer, ConfigGroup: "backend"},
			"bob":   {User: "bob", Level: schema.Guest, ConfigGroup: "backend"},
		},
	}}
	w := gitlab.Want(d)["platform/backend"]
	if a := w["alice"]; a.Level != "maintainer" || a.PinnedID != "11" || a.Login != "alice" {
		t.Errorf("alice: %+v", a)
	}
	if b := w["bob"]; b.Level != "guest" || b.PinnedID != "" {
		t.Errorf("bob: no gitlab_id pins nothing: %+v", b)
	}
	known := gitlab.Known(&schema.Config{Users: []*schema.User{{ID: "alice", GitLab: "Alice"}, {ID: "carol"}}})
	if known["Alice"] != "alice" || len(known) != 1 {
		t.Errorf("Known = %v: GitLab usernames as written, people without one left out", known)
	}
}
