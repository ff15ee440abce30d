package main

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/access-as-code/access/schema"
)

func TestMediatorConfigMapsOktaGroupsToGitLabPaths(t *testing.T) {
	cfg := &schema.Config{Groups: map[string]*schema.Group{
		"backend":     {Name: "backend", Okta: &schema.OktaTarget{Group: "Eng-Backend"}, GitLab: []schema.GitLabTarget{{Group: "platform/backend"}}},
		"support":     {Name: "support", Okta: &schema.OktaTarget{Group: "Support"}, GitLab: []schema.GitLabTarget{{Group: "platform/backend"}}},
		"security":    {Name: "security", Okta: &schema.OktaTarget{Group: "Security"}, GitLab: []schema.GitLabTarget{{Group: "platform"}, {Group: "infra"}}},
		"okta-only":   {Name: "okta-only", Okta: &schema.OktaTarget{Group: "Everyone"}},
		"gitlab-only": {Name: "gitlab-only", GitLab: []schema.GitLabTarget{{Group: "tools"}}},
	}}
	mc := mediatorConfig(cfg)
	wantMap := map[string]string{"Eng-Backend": "platform/backend", "Support": "platform/backend", "Security": "infra"}
	if !reflect.DeepEqual(mc.GroupMap, wantMap) {
		t.Errorf("group_map %v, want %v", mc.GroupMap, wantMap)
	}
	if want := []string{"infra", "platform/backend"}; !reflect.DeepEqual(mc.IncludedGroups, want) {
		t.Errorf("included_groups %v, want %v (tools has no Okta group; platform is not mapped)", mc.IncludedGroups, want)
	}
	if len(mc.warnings) != 1 || !strings.Contains(mc.warnings[0], "platform") {
		t.Errorf("warnings %v, want one about security's second target", mc.warnings)
	}
	var buf bytes.Buffer
	if err := writeMediatorConfig(&buf, "json", mc); err != nil {
		t.Fatal(err)
	}
	var back mediatorSettings
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil || !reflect.DeepEqual(back.GroupMap, wantMap) {
		t.Errorf("json round trip: %v %v", err, back)
	}
	buf.Reset()
	if err := writeMediatorConfig(&buf, "env", mc); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "AUTHZ_MEDIATOR_INCLUDED_GROUPS='infra platform/backend'") {
		t.Errorf("env output:\n%s", buf.String())
	}
}
