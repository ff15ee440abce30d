package mediator

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// deploy/docker-compose.yaml is the README's example; it must say what
// TestApertisREADMEGitLabConfigurationLogsIn runs: the same omniauth arguments, the
// provider's client registered for the mediator's /callback only, and the
// mediator's environment of the README.
func TestDeployComposeAgreesWithTheApertisGitLabTest(t *testing.T) {
	raw, err := os.ReadFile("deploy/docker-compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Environment map[string]string `yaml:"environment"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(raw, &compose); err != nil {
		t.Fatal(err)
	}
	omnibus := compose.Services["gitlab"].Environment["GITLAB_OMNIBUS_CONFIG"]
	args := map[string]string{}
	for _, m := range regexp.MustCompile(`'(\w+)' => ('[^']*'|true|false|\[[^\]]*\])`).FindAllStringSubmatch(omnibus, -1) {
		args[m[1]] = strings.Trim(m[2], "'")
	}
	want := apertisGitLab("http://dex:5556/dex", "http://mediator:5555", "${MEDIATOR_SECRET}")
	got := &omniauthOIDC{Name: args["name"], ResponseType: args["response_type"], Issuer: args["issuer"],
		Discovery: args["discovery"] == "true", UIDField: args["uid_field"], ClientAuthMethod: args["client_auth_method"]}
	for _, s := range regexp.MustCompile(`'(\w+)'`).FindAllStringSubmatch(args["scope"], -1) {
		got.Scope = append(got.Scope, s[1])
	}
	co := &got.ClientOptions
	co.Identifier, co.Secret, co.RedirectURI = args["identifier"], args["secret"], args["redirect_uri"]
	co.AuthorizationEndpoint, co.TokenEndpoint = args["authorization_endpoint"], args["token_endpoint"]
	co.UserinfoEndpoint, co.JwksURI = args["userinfo_endpoint"], args["jwks_uri"]
	if !reflect.DeepEqual(got, want) {
		t.Errorf("compose's omniauth block:\n%+v\nthe test's:\n%+v", got, want)
	}
	dex := compose.Services["dex"].Environment
	if dex["DEX_STATIC_CLIENT_REDIRECT_URI"] != "http://mediator:5555/callback" || dex["DEX_ISSUER"] != want.Issuer ||
		dex["DEX_STATIC_CLIENT_ID"] != want.ClientOptions.Identifier {
		t.Errorf("dex environment %v disagrees with the omniauth block", dex)
	}
	tmpl, err := os.ReadFile("deploy/dex.config.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"DEX_ISSUER", "DEX_STATIC_CLIENT_ID", "DEX_STATIC_CLIENT_REDIRECT_URI", "DEX_STATIC_CLIENT_NAME", "DEX_STATIC_CLIENT_SECRET"} {
		if !strings.Contains(string(tmpl), `getenv "`+v+`"`) {
			t.Errorf("dex.config.tmpl does not read %s", v)
		}
	}
	med := compose.Services["mediator"].Environment
	env := apertisEnv("http://dex:5556/dex", "http://mediator:5555", "http://gitlab", "${GITLAB_API_TOKEN:-}")
	env["AUTHZ_MEDIATOR_SECRET"] = "${MEDIATOR_SECRET}"
	env["AUTHZ_MEDIATOR_REDIRECT"] = "http://gitlab/users/auth/openid_connect/callback"
	env["AUTHZ_MEDIATOR_STORE"] = "redis://redis:6379/0"
	if !reflect.DeepEqual(med, env) {
		t.Errorf("mediator environment:\n%v\nwant:\n%v", med, env)
	}
	if !strings.HasPrefix(want.ClientOptions.RedirectURI, med["AUTHZ_MEDIATOR_SELF"]) {
		t.Error("GitLab's redirect_uri is not the mediator's own /callback")
	}
}
