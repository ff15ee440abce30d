package reconcile

import (
	"strings"
	"testing"

	"github.com/access-as-code/access/schema"
)

func dumpFixture() (okta, gitlab *Observed) {
	okta = obs(map[string]map[string]string{
		"Eng-Backend": {"00u1": "alice@acme.example", "00u2": "bob@acme.example"},
		"Ops":         {"00u2": "bob@acme.example", "00u3": "carol.x@acme.example"},
		"Missing":     nil,
	})
	gitlab = obs(map[string]map[string]string{
		"platform/backend": {"11": "alice:developer", "12": "bob:maintainer", "13": "zed:developer", "14": "parent:owner:inherited", "15": "min:guest"},
	})
	gitlab.Groups["platform/backend"].Members["15"].Level = 5 // minimal access
	return okta, gitlab
}

func TestDumpKeepsExistingIDsAndNeedsOwners(t *testing.T) {
	okta, _ := dumpFixture()
	if _, _, err := Dump(okta, nil, DumpOptions{}); err == nil {
		t.Fatal("dump without owners must fail: group files need owners")
	}
	existing := &schema.Config{Users: []*schema.User{{ID: "bobby", Email: "bob@acme.example"}}}
	files, _, err := Dump(okta, nil, DumpOptions{Existing: existing, Owners: []string{"bobby"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(files[0].Content), "id: bobby") || strings.Contains(string(files[0].Content), "id: bob\n") {
		t.Errorf("bob should keep his existing id:\n%s", files[0].Content)
	}
}
