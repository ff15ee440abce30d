package main

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/access-as-code/access/schema"
	"github.com/access-as-code/access/schema/query"
)

func TestMediatorConfigPrintsJSONAndEnv(t *testing.T) {
	cfg := &schema.Config{Groups: map[string]*schema.Group{
		"backend":  {Name: "backend", Okta: &schema.OktaTarget{Group: "Eng-Backend"}, GitLab: []schema.GitLabTarget{{Group: "platform/backend"}}},
		"security": {Name: "security", Okta: &schema.OktaTarget{Group: "It's-Security"}, GitLab: []schema.GitLabTarget{{Group: "infra"}}},
	}}
	mc := query.Mediator(cfg)
	var buf bytes.Buffer
	if err := writeMediatorConfig(&buf, "json", mc); err != nil {
		t.Fatal(err)
	}
	var back query.MediatorGroups
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil || !reflect.DeepEqual(back.GroupMap, mc.GroupMap) {
		t.Errorf("json round trip: %v %v", err, back)
	}
	buf.Reset()
	if err := writeMediatorConfig(&buf, "env", mc); err != nil {
		t.Fatal(err)
	}
	if s := buf.String(); !strings.Contains(s, "AUTHZ_MEDIATOR_INCLUDED_GROUPS='infra platform/backend'") || !strings.Contains(s, `It'\''s-Security`) {
		t.Errorf("env output (a quote in a name is escaped for the shell):\n%s", s)
	}
	buf.Reset()
	if err := writeMediatorConfig(&buf, "text", mc); err != nil || !strings.Contains(buf.String(), "group_map:") || strings.Contains(buf.String(), "warnings") {
		t.Errorf("yaml output: %v\n%s", err, buf.String())
	}
}
