package accessdiff

import (
	"encoding/json"
	"testing"

	"github.com/access-as-code/access/schema"
)

// CompileChanged must give exactly the report a full compile gives.
func TestCompileChangedReportsWhatAFullCompileReports(t *testing.T) {
	for name, edit := range map[string]func(*schema.Config){
		"role split": func(c *schema.Config) {
			c.Roles["eng"].Members = []schema.Member{u("bob")}
			c.Roles["eng-new"] = &schema.Role{Name: "eng-new", Members: []schema.Member{u("carol")}}
			c.Groups["backend"].Members = []schema.Member{r("eng"), r("eng-new")}
		},
		"person leaves users.yaml": func(c *schema.Config) { c.Users = c.Users[:2] }, // carol (in role eng), dave
		"gitlab username renamed": func(c *schema.Config) {
			c.Users[1] = &schema.User{ID: "bob", Email: "bob@example.com", GitLab: "bob2"}
		},
		"new group shares a GitLab path": func(c *schema.Config) {
			c.Groups["readers"] = &schema.Group{Name: "readers", Owners: []schema.Ref{owner("dave")},
				GitLab:  []schema.GitLabTarget{{Group: "platform/backend", Access: schema.Maintainer}},
				Members: []schema.Member{u("dave"), u("bob")}}
		},
		"group deleted": func(c *schema.Config) { delete(c.Groups, "ops") },
		"untouched groups are left out": func(c *schema.Config) {
			c.Groups["ops"].Members = append(c.Groups["ops"].Members, u("carol"))
		},
		"role member added": func(c *schema.Config) {
			c.Roles["eng"].Members = append(c.Roles["eng"].Members, u("dave"))
		},
	} {
		t.Run(name, func(t *testing.T) {
			base := baseConfig()
			head := clone(base)
			head.Users = append([]*schema.User(nil), base.Users...)
			edit(head)
			full := Compute(side(base), side(head))
			b, h := CompileChanged(base, head, now)
			fast := Compute(b, h)
			fj, _ := json.Marshal(full)
			sj, _ := json.Marshal(fast)
			if string(fj) != string(sj) {
				t.Errorf("restricted compile differs:\nfull %s\nfast %s", fj, sj)
			}
			if len(full.People) == 0 && len(full.Items) == 0 {
				t.Errorf("scenario changes nothing: %s", fj)
			}
		})
	}
}

func TestCompileChangedLeavesUntouchedGroupsOut(t *testing.T) {
	base := baseConfig()
	head := clone(base)
	head.Groups["ops"].Members = append(head.Groups["ops"].Members, u("carol"))
	_, h := CompileChanged(base, head, now)
	if _, ok := h.Desired.Groups["backend"]; ok || h.Desired.Groups["ops"]["carol"] == nil {
		t.Errorf("compiled groups = %v, want only ops", h.Desired.Groups)
	}
}
