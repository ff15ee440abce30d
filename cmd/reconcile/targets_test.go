package main

import (
	"strings"
	"testing"

	"github.com/access-as-code/access/schema"
	"github.com/access-as-code/access/schema/trusted"
)

func TestEveryTargetKindIsComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range targetKinds() {
		if seen[k.name] {
			t.Errorf("target %q registered twice", k.name)
		}
		seen[k.name] = true
		if k.url.Env == "" || k.url.Key == "" || k.url.Field == nil || k.caps == nil || k.want == nil || k.known == nil || k.protected == nil || k.provider == nil || k.sandbox == nil {
			t.Errorf("target %q lacks a part of its wiring", k.name)
		}
		if c := k.caps(); c.System == "" || c.GroupTitle == "" || !strings.Contains(systemsSentence(), c.System) {
			t.Errorf("target %q: its Capabilities do not name it for readers (%q)", k.name, systemsSentence())
		}
		if only, err := parseOnly(k.name); err != nil || !only[k.name] || len(only) != 1 {
			t.Errorf("--only %s: %v %v", k.name, only, err)
		}
	}
	if _, err := parseOnly("okta,nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("an unknown target must be refused by name: %v", err)
	}
}

func TestEndpointsPreferTheEnvironmentAndTakeTokensOnlyFromIt(t *testing.T) {
	cfg := &schema.Config{}
	cfg.Settings.Okta.OrgURL = "https://file.okta.com"
	cfg.Settings.GitLab.URL = "https://gitlab.file"
	env := map[string]string{"GITLAB_URL": "https://gitlab.env", "GITLAB_TOKEN": "t"}
	getenv := func(k string) string { return env[k] }
	eps := endpoints(trusted.New(trusted.Options{Getenv: getenv, Checked: cfg}), getenv)
	if eps["okta"].URL != "https://file.okta.com" || eps["okta"].Token != "" {
		t.Errorf("okta: %+v", eps["okta"])
	}
	if eps["gitlab"].URL != "https://gitlab.env" || eps["gitlab"].Token != "t" {
		t.Errorf("gitlab: %+v", eps["gitlab"])
	}
	_, err := newProvider(t.Context(), &app{}, "okta", eps["okta"], 1, setup{}, "planning")
	if err == nil || !strings.Contains(err.Error(), "OKTA_API_TOKEN") || !strings.Contains(err.Error(), "--only gitlab") {
		t.Errorf("a missing token names the variable and the way around it: %v", err)
	}
}
