package schema

import (
	"encoding/json"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// schemaTables ties each object of the JSON Schema files to the loader's
// table of accepted keys.
var schemaTables = []struct {
	file, pointer string
	keys          []string
}{
	{"group", "", groupKeys},
	{"group", "/properties/okta", oktaTargetKeys},
	{"group", "/$defs/gitlabTarget", gitlabTargetKeys},
	{"group", "/$defs/githubTarget", githubTargetKeys},
	{"group", "/$defs/member/oneOf/1", memberKeys},
	{"group", "/$defs/owner/oneOf/1", ownerKeys},
	{"group", "/$defs/policy", policyKeys},
	{"role", "", roleKeys},
	{"role", "/$defs/member/oneOf/1", roleMemberKeys},
	{"role", "/$defs/owner/oneOf/1", ownerKeys},
	{"app", "", appKeys},
	{"app", "/$defs/owner/oneOf/1", ownerKeys},
	{"users", "", usersFileKeys},
	{"users", "/$defs/user", userKeys},
	{"access", "", settingsKeys},
	{"access", "/properties/okta", oktaSettingsKeys},
	{"access", "/properties/gitlab", gitlabSettingsKeys},
	{"access", "/properties/github", githubSettingsKeys},
	{"access", "/properties/protected", protectedKeys},
	{"access", "/properties/limits", limitsKeys},
	{"access", "/properties/policies", policiesKeys},
	{"access", "/$defs/policy", policyKeys},
	{"access", "/$defs/autoApprove", autoApproveKeys},
}

func loadSchema(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("jsonschema", name+".schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// at follows a JSON pointer through decoded JSON.
func at(v any, pointer string) any {
	for _, p := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		if p == "" {
			continue
		}
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			i := 0
			for _, c := range p {
				i = i*10 + int(c-'0')
			}
			if i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func TestJSONSchemaPropertiesMatchLoaderKeys(t *testing.T) {
	for _, tc := range schemaTables {
		obj, _ := at(loadSchema(t, tc.file), tc.pointer).(map[string]any)
		props, _ := obj["properties"].(map[string]any)
		if props == nil {
			t.Errorf("%s.schema.json#%s: no properties", tc.file, tc.pointer)
			continue
		}
		if got, want := slices.Sorted(maps.Keys(props)), slices.Sorted(slices.Values(tc.keys)); !slices.Equal(got, want) {
			t.Errorf("%s.schema.json#%s: properties %v, loader accepts %v", tc.file, tc.pointer, got, want)
		}
		if obj["additionalProperties"] != false {
			t.Errorf("%s.schema.json#%s: additionalProperties must be false, as the loader rejects unknown keys", tc.file, tc.pointer)
		}
	}
}

// TestJSONSchemaObjectsAreAllChecked fails when a schema gains an object
// that no loader table covers.
func TestJSONSchemaObjectsAreAllChecked(t *testing.T) {
	covered := map[string]bool{}
	for _, tc := range schemaTables {
		covered[tc.file+"#"+tc.pointer] = true
	}
	for _, name := range []string{"access", "users", "group", "role", "app"} {
		var walk func(v any, ptr string)
		walk = func(v any, ptr string) {
			switch x := v.(type) {
			case map[string]any:
				if _, ok := x["properties"]; ok && !covered[name+"#"+ptr] {
					t.Errorf("%s.schema.json#%s has properties that no loader key table checks", name, ptr)
				}
				for k, c := range x {
					walk(c, ptr+"/"+k)
				}
			case []any:
				for i, c := range x {
					walk(c, ptr+"/"+string(rune('0'+i)))
				}
			}
		}
		walk(loadSchema(t, name), "")
	}
}

// TestLoaderKeysMatchGoYAMLTags keeps the loader's access.yaml tables equal
// to the yaml tags of the Settings types.
func TestLoaderKeysMatchGoYAMLTags(t *testing.T) {
	for _, tc := range []struct {
		typ  any
		keys []string
	}{
		{Settings{}, settingsKeys},
		{OktaSettings{}, oktaSettingsKeys},
		{GitLabSettings{}, gitlabSettingsKeys},
		{GitHubSettings{}, githubSettingsKeys},
		{Protected{}, protectedKeys},
		{Limits{}, limitsKeys},
		{Policies{}, policiesKeys},
		{Policy{}, policyKeys},
		{AutoApprove{}, autoApproveKeys},
	} {
		rt := reflect.TypeOf(tc.typ)
		var tags []string
		for i := range rt.NumField() {
			if tag := strings.Split(rt.Field(i).Tag.Get("yaml"), ",")[0]; tag != "" && tag != "-" {
				tags = append(tags, tag)
			}
		}
		if got, want := slices.Sorted(slices.Values(tags)), slices.Sorted(slices.Values(tc.keys)); !slices.Equal(got, want) {
			t.Errorf("%s: yaml tags %v, loader accepts %v", rt.Name(), got, want)
		}
	}
}

// TestExampleFilesReferenceTheirSchema: every example file names the JSON
// Schema of its kind with a path that exists.
func TestExampleFilesReferenceTheirSchema(t *testing.T) {
	root := "../access-config"
	kinds := map[string]string{"access.yaml": "access", "users.yaml": "users", "groups": "group", "roles": "role", "apps": "app"}
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yaml") {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		kind := kinds[strings.Split(filepath.ToSlash(rel), "/")[0]]
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		first, _, _ := strings.Cut(string(b), "\n")
		ref, ok := strings.CutPrefix(first, "# yaml-language-server: $schema=")
		if !ok || !strings.HasSuffix(ref, "/"+kind+".schema.json") {
			t.Errorf("%s: first line %q should reference %s.schema.json", rel, first, kind)
			return nil
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(p), ref)); err != nil {
			t.Errorf("%s: schema path %s: %v", rel, ref, err)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Errorf("only %d example files checked", n)
	}
}
