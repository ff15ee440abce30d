package mediator

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the mediator's configuration, as the Apertis AuthZ mediator reads
// it: a YAML file (-config), overridden by AUTHZ_MEDIATOR_* variables,
// overridden for `groups` by the -groups flag. Secrets come only from the
// environment.
type Config struct {
	Provider string // provider: OIDC provider (issuer) URL
	Self     string // mediator: the mediator's own external base URL
	Redirect string // redirect: the relying party's callback URL
	Backend  string // backend: membership mapping backend ("gitlab")

	ID      string        // id: OIDC client id at the provider (and the RP's client id here)
	Groups  bool          // groups: add the `groups` scope to authorization requests
	Retries int           // retries: attempts to find a user not yet created by the backend
	Backoff time.Duration // backoff: pause between those attempts (milliseconds in config)
	Port    int           // port: listen port

	GroupMap       map[string]string // group_map: rename provider groups
	IncludedGroups []string          // included_groups: globs of (mapped) groups to synchronise
	RequiredGroups []string          // required_groups: globs, after mapping; one must match

	EnforceGroups            bool          // enforce_groups
	EnforceGroupsInterval    time.Duration // enforce_groups_interval (>= 1m)
	EnforceGroupsIgnoreUsers []string      // enforce_groups_ignore_users
	EnforceGroupsAuditOnly   bool          // enforce_groups_audit_only
	EnforceGroupsSource      string        // enforce_groups_source: "graph" or "okta"
	MediatorUsername         string        // mediator_username (file only)

	GitLabURL         string // gitlab_url / AUTHZ_MEDIATOR_GITLAB_URL / GITLAB_URL
	GitLabAccessLevel string // gitlab_access_level: level given to added members

	OktaOrgURL string // okta_org_url / AUTHZ_MEDIATOR_OKTA_ORG_URL / OKTA_ORG_URL

	GraphURL      string // graph_url: Microsoft Graph base URL
	GraphTokenURL string // graph_token_url: client-credentials token endpoint
	GraphTenant   string // graph_tenant: Entra ID tenant, used to build GraphTokenURL
	GraphClientID string // graph_client_id: defaults to id

	// Secrets: environment only.
	Secret       string // AUTHZ_MEDIATOR_SECRET: OIDC client secret
	GitLabSecret string // GITLAB_SECRET: GitLab API token
	OktaToken    string // OKTA_API_TOKEN
	GraphSecret  string // AUTHZ_MEDIATOR_GRAPH_SECRET, defaults to AUTHZ_MEDIATOR_SECRET

	// Warnings are settings that were accepted but ignored; the caller logs them.
	Warnings []string
}

// Defaults for optional settings.
const (
	DefaultID               = "authz-mediator"
	DefaultRetries          = 10
	DefaultBackoff          = time.Second
	DefaultPort             = 5555
	DefaultEnforceInterval  = 15 * time.Minute
	MinEnforceInterval      = time.Minute
	DefaultMediatorUsername = "mediator"
	DefaultGraphURL         = "https://graph.microsoft.com"
	DefaultAccessLevel      = "developer"
)

type kind int

const (
	kString kind = iota
	kURL
	kBool
	kInt
	kMillis
	kDuration
	kList
	kMap
)

// setting ties a file key to its environment variable and its field.
type setting struct {
	key      string   // key in the configuration file; "" = environment only
	env      []string // variables, first set wins; empty = file only
	kind     kind
	set      func(c *Config, v any)
	isSecret bool
}

var settings = []setting{
	{key: "provider", env: []string{"AUTHZ_MEDIATOR_PROVIDER"}, kind: kURL, set: func(c *Config, v any) { c.Provider = v.(string) }},
	{key: "mediator", env: []string{"AUTHZ_MEDIATOR_SELF"}, kind: kURL, set: func(c *Config, v any) { c.Self = v.(string) }},
	{key: "redirect", env: []string{"AUTHZ_MEDIATOR_REDIRECT"}, kind: kURL, set: func(c *Config, v any) { c.Redirect = v.(string) }},
	{key: "backend", env: []string{"AUTHZ_MEDIATOR_BACKEND"}, kind: kString, set: func(c *Config, v any) { c.Backend = v.(string) }},
	{key: "id", env: []string{"AUTHZ_MEDIATOR_ID"}, kind: kString, set: func(c *Config, v any) { c.ID = v.(string) }},
	{key: "groups", env: []string{"AUTHZ_MEDIATOR_GROUPS"}, kind: kBool, set: func(c *Config, v any) { c.Groups = v.(bool) }},
	{key: "retries", env: []string{"AUTHZ_MEDIATOR_RETRIES"}, kind: kInt, set: func(c *Config, v any) { c.Retries = v.(int) }},
	{key: "backoff", env: []string{"AUTHZ_MEDIATOR_BACKOFF"}, kind: kMillis, set: func(c *Config, v any) { c.Backoff = v.(time.Duration) }},
	{key: "port", env: []string{"AUTHZ_MEDIATOR_PORT"}, kind: kInt, set: func(c *Config, v any) { c.Port = v.(int) }},
	{key: "group_map", env: []string{"AUTHZ_MEDIATOR_GROUP_MAP"}, kind: kMap, set: func(c *Config, v any) { c.GroupMap = v.(map[string]string) }},
	{key: "included_groups", env: []string{"AUTHZ_MEDIATOR_INCLUDED_GROUPS"}, kind: kList, set: func(c *Config, v any) { c.IncludedGroups = v.([]string) }},
	{key: "required_groups", env: []string{"AUTHZ_MEDIATOR_REQUIRED_GROUPS"}, kind: kList, set: func(c *Config, v any) { c.RequiredGroups = v.([]string) }},
	{key: "enforce_groups", env: []string{"AUTHZ_MEDIATOR_ENFORCE_GROUPS"}, kind: kBool, set: func(c *Config, v any) { c.EnforceGroups = v.(bool) }},
	{key: "enforce_groups_interval", env: []string{"AUTHZ_MEDIATOR_ENFORCE_GROUPS_INTERVAL"}, kind: kDuration, set: func(c *Config, v any) { c.EnforceGroupsInterval = v.(time.Duration) }},
	{key: "enforce_groups_ignore_users", env: []string{"AUTHZ_MEDIATOR_ENFORCE_GROUPS_IGNORE_USERS"}, kind: kList, set: func(c *Config, v any) { c.EnforceGroupsIgnoreUsers = v.([]string) }},
	{key: "enforce_groups_audit_only", env: []string{"AUTHZ_MEDIATOR_ENFORCE_GROUPS_AUDIT_ONLY"}, kind: kBool, set: func(c *Config, v any) { c.EnforceGroupsAuditOnly = v.(bool) }},
	{key: "enforce_groups_source", env: []string{"AUTHZ_MEDIATOR_ENFORCE_GROUPS_SOURCE"}, kind: kString, set: func(c *Config, v any) { c.EnforceGroupsSource = v.(string) }},
	// The mediator username is read from the file only, as the Apertis AuthZ
	// mediator's README has it.
	{key: "mediator_username", kind: kString, set: func(c *Config, v any) { c.MediatorUsername = v.(string) }},
	{key: "gitlab_url", env: []string{"AUTHZ_MEDIATOR_GITLAB_URL", "GITLAB_URL"}, kind: kURL, set: func(c *Config, v any) { c.GitLabURL = v.(string) }},
	{key: "gitlab_access_level", env: []string{"AUTHZ_MEDIATOR_GITLAB_ACCESS_LEVEL"}, kind: kString, set: func(c *Config, v any) { c.GitLabAccessLevel = v.(string) }},
	{key: "okta_org_url", env: []string{"AUTHZ_MEDIATOR_OKTA_ORG_URL", "OKTA_ORG_URL"}, kind: kURL, set: func(c *Config, v any) { c.OktaOrgURL = v.(string) }},
	{key: "graph_url", env: []string{"AUTHZ_MEDIATOR_GRAPH_URL"}, kind: kURL, set: func(c *Config, v any) { c.GraphURL = v.(string) }},
	{key: "graph_token_url", env: []string{"AUTHZ_MEDIATOR_GRAPH_TOKEN_URL"}, kind: kURL, set: func(c *Config, v any) { c.GraphTokenURL = v.(string) }},
	{key: "graph_tenant", env: []string{"AUTHZ_MEDIATOR_GRAPH_TENANT"}, kind: kString, set: func(c *Config, v any) { c.GraphTenant = v.(string) }},
	{key: "graph_client_id", env: []string{"AUTHZ_MEDIATOR_GRAPH_CLIENT_ID"}, kind: kString, set: func(c *Config, v any) { c.GraphClientID = v.(string) }},
	{env: []string{"AUTHZ_MEDIATOR_SECRET"}, kind: kString, isSecret: true, set: func(c *Config, v any) { c.Secret = v.(string) }},
	{env: []string{"GITLAB_SECRET"}, kind: kString, isSecret: true, set: func(c *Config, v any) { c.GitLabSecret = v.(string) }},
	{env: []string{"OKTA_API_TOKEN"}, kind: kString, isSecret: true, set: func(c *Config, v any) { c.OktaToken = v.(string) }},
	{env: []string{"AUTHZ_MEDIATOR_GRAPH_SECRET"}, kind: kString, isSecret: true, set: func(c *Config, v any) { c.GraphSecret = v.(string) }},
}

// secretKeys are file keys that are refused: secrets belong in the environment.
var secretKeys = map[string]string{
	"secret": "AUTHZ_MEDIATOR_SECRET", "gitlab_secret": "GITLAB_SECRET",
	"okta_api_token": "OKTA_API_TOKEN", "graph_secret": "AUTHZ_MEDIATOR_GRAPH_SECRET",
}

// LoadConfig reads the file at path (none when path is ""), then the
// environment through getenv, then groupsFlag (nil when -groups was not
// given). Every invalid value is reported, each naming its source.
func LoadConfig(path string, getenv func(string) string, groupsFlag *bool) (*Config, error) {
	c := &Config{ID: DefaultID, Retries: DefaultRetries, Backoff: DefaultBackoff,
		EnforceGroupsInterval: DefaultEnforceInterval, MediatorUsername: DefaultMediatorUsername,
		GraphURL: DefaultGraphURL, GitLabAccessLevel: DefaultAccessLevel}
	var errs []error
	portSet := false
	if path != "" {
		set, err := c.loadFile(path)
		errs = append(errs, err)
		portSet = set["port"]
	}
	for _, s := range settings {
		for _, name := range s.env {
			raw := getenv(name)
			if raw == "" {
				continue
			}
			v, err := parseEnv(s.kind, raw)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			} else {
				s.set(c, v)
				portSet = portSet || s.key == "port"
			}
			break
		}
	}
	if getenv("AUTHZ_MEDIATOR_USERNAME") != "" {
		// Listed among the Apertis mediator's variables, but read from the file only.
		c.Warnings = append(c.Warnings, "AUTHZ_MEDIATOR_USERNAME is ignored: the mediator username is read from the configuration file only (mediator_username)")
	}
	if groupsFlag != nil {
		c.Groups = *groupsFlag
	}
	if !portSet {
		c.Port = defaultPort(c.Self)
	}
	errs = append(errs, c.validate(path))
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if c.EnforceGroups && len(c.RequiredGroups) == 0 {
		c.Warnings = append(c.Warnings, "enforce_groups is on but required_groups is empty: nobody can fall out of a required group, so nobody is blocked")
	}
	if c.EnforceGroups && c.EnforceGroupsSource == "" {
		c.EnforceGroupsSource = "graph"
	}
	if c.GraphClientID == "" {
		c.GraphClientID = c.ID
	}
	if c.GraphSecret == "" {
		c.GraphSecret = c.Secret
	}
	if c.GraphTenant == "" {
		c.GraphTenant = entraTenant(c.Provider)
	}
	if c.GraphTokenURL == "" && c.GraphTenant != "" {
		c.GraphTokenURL = "https://login.microsoftonline.com/" + url.PathEscape(c.GraphTenant) + "/oauth2/v2.0/token"
	}
	return c, nil
}

// loadFile applies the file's values and returns the keys it set.
func (c *Config) loadFile(path string) (map[string]bool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(doc.Content) == 0 {
		return nil, nil // an empty file sets nothing
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: the configuration must be a mapping of keys to values", path, root.Line)
	}
	byKey := map[string]setting{}
	for _, s := range settings {
		if s.key != "" {
			byKey[s.key] = s
		}
	}
	set := map[string]bool{}
	var errs []error
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		where := fmt.Sprintf("%s:%d: %s", path, k.Line, k.Value)
		if env, ok := secretKeys[k.Value]; ok {
			errs = append(errs, fmt.Errorf("%s: secrets are not read from the file; set %s in the environment", where, env))
			continue
		}
		s, ok := byKey[k.Value]
		if !ok {
			errs = append(errs, fmt.Errorf("%s: unknown key", where))
			continue
		}
		val, err := parseNode(s.kind, v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
			continue
		}
		s.set(c, val)
		set[k.Value] = true
	}
	return set, errors.Join(errs...)
}

func parseNode(k kind, n *yaml.Node) (any, error) {
	switch k {
	case kList:
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			return []string(nil), nil
		}
		if n.Kind == yaml.ScalarNode { // a lone string, as the environment would give it
			return strings.Fields(n.Value), nil
		}
		var l []string
		if err := n.Decode(&l); err != nil {
			return nil, fmt.Errorf("want a list of strings: %w", err)
		}
		return l, nil
	case kMap:
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			return map[string]string(nil), nil
		}
		var m map[string]string
		if err := n.Decode(&m); err != nil {
			return nil, fmt.Errorf("want a mapping of group to group: %w", err)
		}
		return m, nil
	}
	if n.Kind != yaml.ScalarNode {
		return nil, errors.New("want a single value")
	}
	return parseScalar(k, n.Value)
}

func parseEnv(k kind, raw string) (any, error) {
	switch k {
	case kList:
		return strings.Fields(raw), nil
	case kMap:
		var m map[string]string // JSON is YAML, so one decoder takes both
		if err := yaml.Unmarshal([]byte(raw), &m); err != nil {
			return nil, fmt.Errorf("want a YAML or JSON mapping of group to group: %w", err)
		}
		return m, nil
	}
	return parseScalar(k, strings.TrimSpace(raw))
}

func parseScalar(k kind, s string) (any, error) {
	switch k {
	case kBool:
		switch strings.ToLower(s) {
		case "yes", "true", "y", "on", "1":
			return true, nil
		case "no", "false", "n", "off", "0":
			return false, nil
		}
		return nil, fmt.Errorf("%q is not a boolean (yes/true or no/false)", s)
	case kInt:
		n, err := strconv.Atoi(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer", s)
		}
		return n, nil
	case kMillis:
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%q is not a number of milliseconds", s)
		}
		return time.Duration(n) * time.Millisecond, nil
	case kDuration:
		d, err := time.ParseDuration(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not a duration such as 10s, 15m or 3h", s)
		}
		return d, nil
	case kURL:
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("%q is not an absolute http(s) URL", s)
		}
		return strings.TrimRight(s, "/"), nil
	}
	return s, nil
}

// entraTenant is the tenant of a Microsoft Entra ID issuer URL
// (https://login.microsoftonline.com/TENANT/v2.0), else "".
func entraTenant(provider string) string {
	u, err := url.Parse(provider)
	if err != nil || u.Host != "login.microsoftonline.com" {
		return ""
	}
	tenant, _, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
	return tenant
}

func defaultPort(self string) int {
	if u, err := url.Parse(self); err == nil {
		if p, err := strconv.Atoi(u.Port()); err == nil {
			return p
		}
	}
	return DefaultPort
}

// validate checks what no single value can: presence and ranges.
func (c *Config) validate(path string) error {
	file := "the configuration file"
	if path != "" {
		file = path
	}
	var errs []error
	need := func(v, key, env string) {
		if v == "" {
			errs = append(errs, fmt.Errorf("%s is required: set %s in %s or %s", key, key, file, env))
		}
	}
	need(c.Provider, "provider", "AUTHZ_MEDIATOR_PROVIDER")
	need(c.Self, "mediator", "AUTHZ_MEDIATOR_SELF")
	need(c.Redirect, "redirect", "AUTHZ_MEDIATOR_REDIRECT")
	need(c.Backend, "backend", "AUTHZ_MEDIATOR_BACKEND")
	if c.ID == "" {
		errs = append(errs, errors.New("id: must not be empty"))
	}
	if c.Secret == "" {
		errs = append(errs, errors.New("AUTHZ_MEDIATOR_SECRET is required: the OIDC client secret registered at the provider"))
	}
	switch c.Backend {
	case "", "gitlab":
	default:
		errs = append(errs, fmt.Errorf("backend: %q is not a supported backend (gitlab)", c.Backend))
	}
	if c.Backend == "gitlab" {
		if c.GitLabSecret == "" {
			errs = append(errs, errors.New("GITLAB_SECRET is required with backend gitlab: a GitLab API token"))
		}
		if c.GitLabURL == "" {
			errs = append(errs, fmt.Errorf("gitlab_url is required with backend gitlab: set gitlab_url in %s, AUTHZ_MEDIATOR_GITLAB_URL or GITLAB_URL", file))
		}
		if _, err := accessLevel(c.GitLabAccessLevel); err != nil {
			errs = append(errs, fmt.Errorf("gitlab_access_level: %w", err))
		}
	}
	if c.Retries < 0 {
		errs = append(errs, fmt.Errorf("retries: %d is negative", c.Retries))
	}
	if c.Port < 1 || c.Port > 65535 {
		errs = append(errs, fmt.Errorf("port: %d is not a TCP port (1-65535)", c.Port))
	}
	if c.EnforceGroupsInterval < MinEnforceInterval {
		errs = append(errs, fmt.Errorf("enforce_groups_interval: %s is shorter than the minimum of 1m", c.EnforceGroupsInterval))
	}
	errs = append(errs, validGlobs("included_groups", c.IncludedGroups), validGlobs("required_groups", c.RequiredGroups))
	if c.EnforceGroups {
		errs = append(errs, c.validateEnforcement())
	}
	return errors.Join(errs...)
}

func (c *Config) validateEnforcement() error {
	var errs []error
	if c.Backend != "gitlab" {
		errs = append(errs, errors.New("enforce_groups: needs backend gitlab, where users are blocked"))
	}
	switch c.EnforceGroupsSource {
	case "graph", "": // the default, as in the Apertis AuthZ mediator (Graph only)
		if c.GraphTokenURL == "" && c.GraphTenant == "" && entraTenant(c.Provider) == "" {
			errs = append(errs, errors.New("enforce_groups_source graph: set graph_tenant (AUTHZ_MEDIATOR_GRAPH_TENANT) or graph_token_url"))
		}
	case "okta":
		if c.OktaOrgURL == "" {
			errs = append(errs, errors.New("enforce_groups_source okta: set okta_org_url, AUTHZ_MEDIATOR_OKTA_ORG_URL or OKTA_ORG_URL"))
		}
		if c.OktaToken == "" {
			errs = append(errs, errors.New("enforce_groups_source okta: OKTA_API_TOKEN is required"))
		}
	default:
		errs = append(errs, fmt.Errorf("enforce_groups_source: %q is not graph or okta", c.EnforceGroupsSource))
	}
	return errors.Join(errs...)
}
