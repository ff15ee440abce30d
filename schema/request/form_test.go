package request

import (
	"strings"
	"testing"
)

const formBody = "### Group\n\nbackend\n\n### Person\n\n_No response_\n\n### Until\n\n2026-12-31\n\n### Reason\n\nINC-42: debug the queue\n"

func TestParseFormReadsGitHubsRendering(t *testing.T) {
	f, err := ParseForm(formBody)
	if err != nil {
		t.Fatal(err)
	}
	want := Form{Group: "backend", User: "", Until: "2026-12-31", Reason: "INC-42: debug the queue"}
	if f != want {
		t.Errorf("got %+v, want %+v", f, want)
	}
}

func TestParseFormRejectsShadowedFieldsAndMultiLineNames(t *testing.T) {
	for _, body := range []string{
		formBody + "\n### Group\n\nadmins\n",
		"### Group\n\nbackend\nadmins\n",
		"### Group\n\nbackend\n### Reason\n\nx\"\n  - user: mallory\n",
		"### Until\n\n2026-01-01\n",
		strings.Repeat("x", MaxFormBody+1),
		"### Group\n\n\xff\n",
	} {
		if f, err := ParseForm(body); err == nil {
			t.Errorf("%.40q parsed as %+v", body, f)
		}
	}
}

func FuzzParseForm(f *testing.F) {
	f.Add(formBody)
	f.Add("### Group\r\n\r\nx\r\n### Reason\r\n\r\n_No response_")
	f.Add("### group\n\n../../access\n### Person\n\n\n")
	f.Fuzz(func(t *testing.T, body string) {
		form, err := ParseForm(body)
		if err != nil {
			return
		}
		for _, v := range []string{form.Group, form.User, form.Until, form.Reason} {
			if strings.ContainsAny(v, "\r\n") || v != strings.TrimSpace(v) {
				t.Fatalf("one-line field %q", v)
			}
		}
		if !strings.Contains(body, form.Reason) {
			t.Fatalf("reason %q not from the body", form.Reason)
		}
	})
}
