package mediator

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const baseFile = `provider: http://file-idp:5556/dex
mediator: http://file-mediator:5555
redirect: http://gitlab/users/auth/openid_connect/callback
backend: gitlab
gitlab_url: http://file-gitlab
`

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "mediator.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

var secrets = map[string]string{"AUTHZ_MEDIATOR_SECRET": "s", "GITLAB_SECRET": "g"}

func withSecrets(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range secrets {
		out[k] = v
	}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func TestConfigPrecedenceFileThenEnvironmentThenFlag(t *testing.T) {
	yes, no := true, false
	cases := []struct {
		name  string
		file  string
		env   map[string]string
		flag  *bool
		check func(*Config) any
		want  any
	}{
		{"provider from file", "", nil, nil, func(c *Config) any { return c.Provider }, "http://file-idp:5556/dex"},
		{"provider env over file", "", map[string]string{"AUTHZ_MEDIATOR_PROVIDER": "http://env-idp/dex"}, nil, func(c *Config) any { return c.Provider }, "http://env-idp/dex"},
		{"self env over file", "", map[string]string{"AUTHZ_MEDIATOR_SELF": "http://env-med:7000"}, nil, func(c *Config) any { return c.Self }, "http://env-med:7000"},
		{"port follows self when unset", "", nil, nil, func(c *Config) any { return c.Port }, 5555},
		{"port from file", "port: 8080\n", nil, nil, func(c *Config) any { return c.Port }, 8080},
		{"port env over file", "port: 8080\n", map[string]string{"AUTHZ_MEDIATOR_PORT": "9090"}, nil, func(c *Config) any { return c.Port }, 9090},
		{"id default", "", nil, nil, func(c *Config) any { return c.ID }, "authz-mediator"},
		{"id env over file", "id: file-id\n", map[string]string{"AUTHZ_MEDIATOR_ID": "env-id"}, nil, func(c *Config) any { return c.ID }, "env-id"},
		{"groups file yes", "groups: yes\n", nil, nil, func(c *Config) any { return c.Groups }, true},
		{"groups env over file", "groups: yes\n", map[string]string{"AUTHZ_MEDIATOR_GROUPS": "no"}, nil, func(c *Config) any { return c.Groups }, false},
		{"groups flag over env and file", "groups: no\n", map[string]string{"AUTHZ_MEDIATOR_GROUPS": "false"}, &yes, func(c *Config) any { return c.Groups }, true},
		{"groups flag false over env true", "", map[string]string{"AUTHZ_MEDIATOR_GROUPS": "true"}, &no, func(c *Config) any { return c.Groups }, false},
		{"retries env", "retries: 3\n", map[string]string{"AUTHZ_MEDIATOR_RETRIES": "7"}, nil, func(c *Config) any { return c.Retries }, 7},
		{"backoff is milliseconds", "backoff: 250\n", nil, nil, func(c *Config) any { return c.Backoff }, 250 * time.Millisecond},
		{"backoff env", "backoff: 250\n", map[string]string{"AUTHZ_MEDIATOR_BACKOFF": "40"}, nil, func(c *Config) any { return c.Backoff }, 40 * time.Millisecond},
		{"group map from file", "group_map:\n  a: b\n", nil, nil, func(c *Config) any { return c.GroupMap }, map[string]string{"a": "b"}},
		{"group map env JSON over file", "group_map:\n  a: b\n", map[string]string{"AUTHZ_MEDIATOR_GROUP_MAP": `{"x": "y/z"}`}, nil, func(c *Config) any { return c.GroupMap }, map[string]string{"x": "y/z"}},
		{"group map env YAML", "", map[string]string{"AUTHZ_MEDIATOR_GROUP_MAP": "x: y\nu: v"}, nil, func(c *Config) any { return c.GroupMap }, map[string]string{"x": "y", "u": "v"}},
		{"included list from file", "included_groups: [a, 'b/*']\n", nil, nil, func(c *Config) any { return c.IncludedGroups }, []string{"a", "b/*"}},
		{"included env space-separated", "included_groups: [a]\n", map[string]string{"AUTHZ_MEDIATOR_INCLUDED_GROUPS": "x  y/*"}, nil, func(c *Config) any { return c.IncludedGroups }, []string{"x", "y/*"}},
		{"required env", "", map[string]string{"AUTHZ_MEDIATOR_REQUIRED_GROUPS": "staff"}, nil, func(c *Config) any { return c.RequiredGroups }, []string{"staff"}},
		{"interval env", "enforce_groups_interval: 10m\n", map[string]string{"AUTHZ_MEDIATOR_ENFORCE_GROUPS_INTERVAL": "3h"}, nil, func(c *Config) any { return c.EnforceGroupsInterval }, 3 * time.Hour},
		{"ignore users env", "", map[string]string{"AUTHZ_MEDIATOR_ENFORCE_GROUPS_IGNORE_USERS": "root ci-bot"}, nil, func(c *Config) any { return c.EnforceGroupsIgnoreUsers }, []string{"root", "ci-bot"}},
		{"audit only env", "enforce_groups_audit_only: no\n", map[string]string{"AUTHZ_MEDIATOR_ENFORCE_GROUPS_AUDIT_ONLY": "yes"}, nil, func(c *Config) any { return c.EnforceGroupsAuditOnly }, true},
		{"mediator username default", "", nil, nil, func(c *Config) any { return c.MediatorUsername }, "mediator"},
		{"mediator username file only", "mediator_username: bot\n", map[string]string{"AUTHZ_MEDIATOR_USERNAME": "env-bot"}, nil, func(c *Config) any { return c.MediatorUsername }, "bot"},
		{"gitlab url AUTHZ env over file", "", map[string]string{"AUTHZ_MEDIATOR_GITLAB_URL": "http://a", "GITLAB_URL": "http://b"}, nil, func(c *Config) any { return c.GitLabURL }, "http://a"},
		{"gitlab url GITLAB_URL fallback over file", "", map[string]string{"GITLAB_URL": "http://b"}, nil, func(c *Config) any { return c.GitLabURL }, "http://b"},
		{"secret from env", "", nil, nil, func(c *Config) any { return c.Secret + "/" + c.GitLabSecret }, "s/g"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := LoadConfig(writeConfig(t, baseFile+tc.file), envOf(withSecrets(tc.env)), tc.flag)
			if err != nil {
				t.Fatal(err)
			}
			if got := tc.check(c); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestConfigFromEnvironmentAloneAsTheApertisMediatorDeploys(t *testing.T) {
	env := withSecrets(map[string]string{
		"AUTHZ_MEDIATOR_SELF": "http://mediator:5555", "AUTHZ_MEDIATOR_PROVIDER": "http://dex:5556/dex",
		"AUTHZ_MEDIATOR_REDIRECT": "http://gitlab/users/auth/openid_connect/callback",
		"AUTHZ_MEDIATOR_BACKEND":  "gitlab", "GITLAB_URL": "http://gitlab"})
	c, err := LoadConfig("", envOf(env), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 5555 || c.Provider != "http://dex:5556/dex" {
		t.Errorf("port %d provider %s", c.Port, c.Provider)
	}
}

func TestConfigReportsEveryInvalidValueWithItsSource(t *testing.T) {
	file := writeConfig(t, `provider: not-a-url
retries: many
groups: perhaps
enforce_groups_interval: 30s
included_groups: ['[']
secret: oops
colour: blue
`)
	env := map[string]string{"AUTHZ_MEDIATOR_PORT": "seventy", "AUTHZ_MEDIATOR_GROUP_MAP": "[1, 2", "AUTHZ_MEDIATOR_BACKEND": "svn"}
	_, err := LoadConfig(file, envOf(env), nil)
	if err == nil {
		t.Fatal("invalid configuration accepted")
	}
	msg := err.Error()
	for _, want := range []string{
		file + ":1: provider", file + ":2: retries", file + ":3: groups",
		"enforce_groups_interval: 30s is shorter than the minimum of 1m",
		`included_groups: "[" is not a valid glob`,
		file + ":6: secret: secrets are not read from the file; set AUTHZ_MEDIATOR_SECRET",
		file + ":7: colour: unknown key",
		"AUTHZ_MEDIATOR_PORT:", "AUTHZ_MEDIATOR_GROUP_MAP:", `backend: "svn" is not a supported backend`,
		"AUTHZ_MEDIATOR_SECRET is required", "mediator is required", "redirect is required",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not mention %q:\n%s", want, msg)
		}
	}
}

func TestConfigEnforcementSourceSettings(t *testing.T) {
	file := writeConfig(t, baseFile+"enforce_groups: yes\nenforce_groups_source: okta\n")
	if _, err := LoadConfig(file, envOf(secrets), nil); err == nil || !strings.Contains(err.Error(), "OKTA_API_TOKEN") {
		t.Errorf("okta source without token: %v", err)
	}
	c, err := LoadConfig(file, envOf(withSecrets(map[string]string{"OKTA_ORG_URL": "https://acme.okta.com", "OKTA_API_TOKEN": "t"})), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.OktaOrgURL != "https://acme.okta.com" {
		t.Errorf("okta org %q", c.OktaOrgURL)
	}
	entra := writeConfig(t, strings.Replace(baseFile, "http://file-idp:5556/dex", "https://login.microsoftonline.com/tenant-1/v2.0", 1)+"enforce_groups: yes\n")
	c, err = LoadConfig(entra, envOf(secrets), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.EnforceGroupsSource != "graph" || c.GraphTokenURL != "https://login.microsoftonline.com/tenant-1/oauth2/v2.0/token" || c.GraphSecret != "s" || c.GraphClientID != "authz-mediator" {
		t.Errorf("graph defaults: %+v", c)
	}
}

func TestSampleConfigurationLoads(t *testing.T) {
	c, err := LoadConfig("mediator.yaml.sample", envOf(secrets), nil)
	if err != nil {
		t.Fatalf("mediator.yaml.sample does not load: %v", err)
	}
	if c.GroupMap["Eng-Backend"] != "platform/backend" || c.Port != 5555 || !c.Groups {
		t.Errorf("sample read as %+v", c)
	}
}
