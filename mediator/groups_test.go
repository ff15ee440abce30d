package mediator

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestGroupRulesMapIncludeAndRequire(t *testing.T) {
	g := GroupRules{
		Map:      map[string]string{"Eng-Backend": "platform/backend", "Ops": "infra"},
		Included: []string{"platform/*", "infra"},
		Required: []string{"platform/*"},
	}
	cases := []struct {
		name     string
		in       []string
		mapped   []string
		included []string
		admitted bool
	}{
		{"mapped into a required group", []string{"Eng-Backend", "Staff"}, []string{"Staff", "platform/backend"}, []string{"platform/backend"}, true},
		{"required glob does not cross /", []string{"platform/a/b", "Ops"}, []string{"infra", "platform/a/b"}, []string{"infra"}, false},
		{"unmapped name can match directly", []string{"platform/web"}, []string{"platform/web"}, []string{"platform/web"}, true},
		{"two names mapping to one group", []string{"Eng-Backend", "platform/backend"}, []string{"platform/backend"}, []string{"platform/backend"}, true},
		{"no groups", nil, []string{}, nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := g.Mapped(tc.in)
			if !reflect.DeepEqual(m, tc.mapped) {
				t.Errorf("mapped %v, want %v", m, tc.mapped)
			}
			if inc := g.IncludedOf(m); !reflect.DeepEqual(inc, tc.included) {
				t.Errorf("included %v, want %v", inc, tc.included)
			}
			if a := g.Admitted(m); a != tc.admitted {
				t.Errorf("admitted %v, want %v", a, tc.admitted)
			}
		})
	}
	if !(GroupRules{}).Admitted(nil) {
		t.Error("without required_groups everyone is admitted")
	}
	if (GroupRules{}).IsIncluded("anything") {
		t.Error("without included_groups nothing is included")
	}
}

func TestGroupsClaimMayBeASingleString(t *testing.T) {
	var c idClaims
	if err := json.Unmarshal([]byte(`{"groups":"eng"}`), &c); err != nil || len(c.Groups) != 1 || c.Groups[0] != "eng" {
		t.Errorf("%v %v", c.Groups, err)
	}
	if err := json.Unmarshal([]byte(`{"groups":["a","b"]}`), &c); err != nil || len(c.Groups) != 2 {
		t.Errorf("%v %v", c.Groups, err)
	}
}
