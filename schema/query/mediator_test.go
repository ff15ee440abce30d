package query_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/access-as-code/access/schema"
	"github.com/access-as-code/access/schema/query"
)

func TestMediatorMapsOktaGroupsToGitLabPaths(t *testing.T) {
	cfg := &schema.Config{Groups: map[string]*schema.Group{
		"backend":     {Name: "backend", Okta: &schema.OktaTarget{Group: "Eng-Backend"}, GitLab: []schema.GitLabTarget{{Group: "platform/backend"}}},
		"support":     {Name: "support", Okta: &schema.OktaTarget{Group: "Support"}, GitLab: []schema.GitLabTarget{{Group: "platform/backend"}}},
		"security":    {Name: "security", Okta: &schema.OktaTarget{Group: "Security"}, GitLab: []schema.GitLabTarget{{Group: "platform"}, {Group: "infra"}}},
		"okta-only":   {Name: "okta-only", Okta: &schema.OktaTarget{Group: "Everyone"}},
		"gitlab-only": {Name: "gitlab-only", GitLab: []schema.GitLabTarget{{Group: "tools"}}},
	}}
	mc := query.Mediator(cfg)
	wantMap := map[string]string{"Eng-Backend": "platform/backend", "Support": "platform/backend", "Security": "infra"}
	if !reflect.DeepEqual(mc.GroupMap, wantMap) {
		t.Errorf("group_map %v, want %v", mc.GroupMap, wantMap)
	}
	if want := []string{"infra", "platform/backend"}; !reflect.DeepEqual(mc.IncludedGroups, want) {
		t.Errorf("included_groups %v, want %v (tools has no Okta group; platform is not mapped)", mc.IncludedGroups, want)
	}
	if len(mc.Warnings) != 1 || !strings.Contains(mc.Warnings[0], "platform") {
		t.Errorf("warnings %v, want one about security's second target", mc.Warnings)
	}
	if empty := query.Mediator(&schema.Config{}); empty.IncludedGroups == nil || len(empty.GroupMap) != 0 {
		t.Errorf("an empty config gives empty settings, not null: %+v", empty)
	}
}
