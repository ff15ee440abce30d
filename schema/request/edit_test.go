package request

import (
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func date(s string) *time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return &t
}

const groupFile = `# the backend team
description: Backend   # trailing comment
owners: [alice]
members:
  # the team
  - role: backend-engineers
  - user: frank
    until: 2026-11-27   # migration
    reason: 'INC-2207 db'

# a comment that belongs to okta
okta:
  group: Eng-Backend
`

func TestEditAppendsAnEntryAndKeepsEveryOtherByte(t *testing.T) {
	out, op, err := Edit("groups/backend.yaml", []byte(groupFile), Entry{User: "bob", Until: date("2026-12-31"), Reason: "INC-1 on call"})
	if err != nil || op != OpAdded {
		t.Fatalf("Edit: %q %v", op, err)
	}
	want := strings.Replace(groupFile, "    reason: 'INC-2207 db'\n",
		"    reason: 'INC-2207 db'\n  - user: bob\n    until: 2026-12-31\n    reason: INC-1 on call\n", 1)
	if string(out) != want {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}
}

func TestEditExtendsAnExistingEntryInPlace(t *testing.T) {
	out, op, err := Edit("groups/backend.yaml", []byte(groupFile), Entry{User: "frank", Until: date("2027-01-15"), Reason: "INC-9 more"})
	if err != nil || op != OpExtended {
		t.Fatalf("Edit: %q %v", op, err)
	}
	want := strings.Replace(groupFile, "until: 2026-11-27   # migration\n    reason: 'INC-2207 db'",
		"until: 2027-01-15   # migration\n    reason: INC-9 more", 1)
	if string(out) != want {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}
}

func TestEditExtendAddsAMissingReasonLine(t *testing.T) {
	in := "members:\n  - user: frank\n    until: 2026-11-27\nokta:\n  group: X\n"
	out, _, err := Edit("g.yaml", []byte(in), Entry{User: "frank", Until: date("2027-01-15"), Reason: "why"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "members:\n  - user: frank\n    until: 2027-01-15\n    reason: why\nokta:\n  group: X\n"; string(out) != want {
		t.Errorf("got:\n%s", out)
	}
}

func TestEditHandlesMissingEmptyAndNullMembers(t *testing.T) {
	e := Entry{User: "bob", Until: date("2026-12-31")}
	for _, c := range []struct{ in, want string }{
		{"owners: [alice]", "owners: [alice]\nmembers:\n  - user: bob\n    until: 2026-12-31\n"},
		{"members: []  # none yet\nowners: [alice]\n", "members:  # none yet\n  - user: bob\n    until: 2026-12-31\nowners: [alice]\n"},
		{"members:\nowners: [alice]\n", "members:\n  - user: bob\n    until: 2026-12-31\nowners: [alice]\n"},
		{"members:\n- user: a\nowners: [alice]\n", "members:\n- user: a\n- user: bob\n  until: 2026-12-31\nowners: [alice]\n"},
	} {
		out, _, err := Edit("g.yaml", []byte(c.in), e)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if string(out) != c.want {
			t.Errorf("%q:\ngot  %q\nwant %q", c.in, out, c.want)
		}
	}
}

func TestEditRefusesFormsItCannotEditSafely(t *testing.T) {
	for _, in := range []string{
		"members: [{user: a}]\n",
		"members:\n  - {user: frank, until: 2026-01-01}\n",
		"members:\n  - user: frank\n    until: >\n      2026-01-01\n",
		"- a\n- b\n",
	} {
		if _, _, err := Edit("g.yaml", []byte(in), Entry{User: "frank", Until: date("2027-01-01")}); err == nil {
			t.Errorf("%q: edited, want a refusal", in)
		}
	}
}

// A reason is one string value whatever it holds: it cannot close its
// quotes, start a key, add a list entry or carry a tag.
func TestReasonCannotInjectYAML(t *testing.T) {
	for _, reason := range []string{
		"x\"\n  - user: mallory\n    until: 2999-01-01",
		"ok\nowners: [mallory]",
		"'; admins: [mallory] #",
		"!!binary aGk=",
		"&a *a",
		"\\\" \u2028 \x00 \x1b[31m",
		"- user: mallory",
		"true", "null", "2026-01-01", "0x10",
	} {
		out, _, err := Edit("g.yaml", []byte(groupFile), Entry{User: "bob", Until: date("2026-12-31"), Reason: reason})
		if err != nil {
			t.Errorf("%q: %v", reason, err)
			continue
		}
		var doc struct {
			Owners  []string            `yaml:"owners"`
			Members []map[string]string `yaml:"members"`
		}
		if err := yaml.Unmarshal(out, &doc); err != nil {
			t.Errorf("%q: edited file does not parse: %v", reason, err)
			continue
		}
		if len(doc.Members) != 3 || len(doc.Owners) != 1 {
			t.Errorf("%q: members %v owners %v", reason, doc.Members, doc.Owners)
			continue
		}
		if got := doc.Members[2]["reason"]; got != reason {
			t.Errorf("reason %q read back as %q", reason, got)
		}
		if len(doc.Members[2]) != 3 {
			t.Errorf("%q: entry has keys %v", reason, doc.Members[2])
		}
	}
}

func TestQuoteRoundTrips(t *testing.T) {
	for _, s := range []string{"plain", "with space", "a: b", "#x", "-", "yes", "~", "é ü 日本", "\t\r\n", "\U0001F600",
		"INC-1 (db), see ops/42", "2026-01-01", "0x10", "1e3", " lead", "trail ", "a  b"} {
		var got string
		if err := yaml.Unmarshal([]byte("v: "+quote(s)), &struct {
			V *string `yaml:"v"`
		}{&got}); err != nil || got != s {
			t.Errorf("quote(%q) = %s reads back %q (%v)", s, quote(s), got, err)
		}
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(quote(s)), &n); err != nil || n.Content[0].ShortTag() != "!!str" {
			t.Errorf("quote(%q) = %s is not a plain string to the loader", s, quote(s))
		}
	}
}

// Whatever the reason holds, the edit adds exactly one entry whose reason
// reads back unchanged, and leaves the other keys alone.
func FuzzEditReason(f *testing.F) {
	f.Add("INC-1 on call")
	f.Add("x\"\n  - user: mallory")
	f.Add("\u2028'; admins: [m] #")
	f.Fuzz(func(t *testing.T, reason string) {
		out, _, err := Edit("g.yaml", []byte(groupFile), Entry{User: "bob", Until: date("2026-12-31"), Reason: reason})
		if err != nil {
			return // too long or not UTF-8
		}
		var doc struct {
			Description string              `yaml:"description"`
			Owners      []string            `yaml:"owners"`
			Members     []map[string]string `yaml:"members"`
			Okta        map[string]string   `yaml:"okta"`
		}
		if err := yaml.Unmarshal(out, &doc); err != nil {
			t.Fatalf("edited file does not parse: %v\n%s", err, out)
		}
		if len(doc.Members) != 3 || doc.Members[2]["reason"] != reason || doc.Members[2]["user"] != "bob" ||
			len(doc.Owners) != 1 || doc.Okta["group"] != "Eng-Backend" || doc.Description != "Backend" {
			t.Fatalf("reason %q gave:\n%s", reason, out)
		}
	})
}

func TestEditKeepsCRLFLineEndings(t *testing.T) {
	in := "owners: [alice]\r\nmembers:\r\n  - user: a\r\n"
	out, _, err := Edit("g.yaml", []byte(in), Entry{User: "bob", Until: date("2026-12-31")})
	if err != nil {
		t.Fatal(err)
	}
	if want := in + "  - user: bob\r\n    until: 2026-12-31\r\n"; string(out) != want {
		t.Errorf("got %q", out)
	}
}
