package reconcile

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func samplePlan() *Plan {
	p := &Plan{Changes: []Change{
		{Op: OpAdd, Target: "gitlab", Group: "platform/backend", User: "alice", ConfigGroup: "backend", Access: "developer", Login: "alice", AccountID: "1"},
		{Op: OpUpdate, Target: "gitlab", Group: "platform/backend", User: "bob", ConfigGroup: "backend", Access: "maintainer", From: "developer", Login: "bob", AccountID: "2"},
		{Op: OpRemove, Target: "okta", Group: "Eng-Backend", User: "mallory@example.com", Login: "mallory@example.com", AccountID: "00u9", Reason: "not in config"},
		{Op: OpCreateGroup, Target: "okta", Group: "Eng-New", ConfigGroup: "new"},
		{Op: OpAdd, Target: "okta", Group: "Eng-New", User: "carol", ConfigGroup: "new", Reason: "INC-1 | help", Login: "carol@example.com"},
	}, Warnings: []Warning{{Kind: WarnPendingUser, Target: "gitlab", User: "dave", Message: "dave (dave) has no gitlab account yet"}}}
	p.systems, p.order = map[string]*Capabilities{"okta": &oktaLike, "gitlab": &gitlabLike}, []string{"okta", "gitlab"}
	p.finish()
	return p
}

func TestRenderTextGroupsByTargetWithSigns(t *testing.T) {
	var b bytes.Buffer
	if err := RenderText(&b, samplePlan()); err != nil {
		t.Fatal(err)
	}
	want := `gitlab platform/backend
  ~ bob developer -> maintainer  (groups/backend.yaml)
  + alice as developer  (groups/backend.yaml)

okta Eng-Backend
  - mallory@example.com  (not in config)

okta Eng-New
  + create group Eng-New
  + carol (carol@example.com)  (groups/new.yaml: INC-1 | help)

warning: pending_user: dave (dave) has no gitlab account yet

Plan: 2 to add, 1 to remove, 1 to update, 1 groups to create.
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestRenderTextSaysNoChanges(t *testing.T) {
	p := &Plan{}
	p.finish()
	var b bytes.Buffer
	_ = RenderText(&b, p)
	if !strings.Contains(b.String(), "No changes.") {
		t.Errorf("got %q", b.String())
	}
}

func TestRenderMarkdownEscapesTableCellsAndShowsHash(t *testing.T) {
	var b bytes.Buffer
	p := samplePlan()
	_ = RenderMarkdown(&b, p)
	s := b.String()
	if !strings.Contains(s, `INC-1 \| help`) {
		t.Errorf("a pipe in a reason must be escaped:\n%s", s)
	}
	if !strings.Contains(s, p.Hash) || !strings.Contains(s, "#### GitLab group `platform/backend`") {
		t.Errorf("markdown lacks hash or headings:\n%s", s)
	}
}

func TestRenderJSONKeepsTheStableFieldNames(t *testing.T) {
	var b bytes.Buffer
	_ = RenderJSON(&b, samplePlan())
	var got map[string]any
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"plan_hash", "summary", "changes", "warnings"} {
		if _, ok := got[k]; !ok {
			t.Errorf("missing %q", k)
		}
	}
	sum := got["summary"].(map[string]any)
	for _, k := range []string{"add", "remove", "update", "create_group"} {
		if _, ok := sum[k]; !ok {
			t.Errorf("summary missing %q", k)
		}
	}
	c := got["changes"].([]any)[0].(map[string]any)
	for _, k := range []string{"op", "target", "group", "user", "config_group", "access", "reason"} {
		if _, ok := c[k]; !ok {
			t.Errorf("change missing %q", k)
		}
	}
	w := got["warnings"].([]any)[0].(map[string]any)
	for _, k := range []string{"kind", "target", "user", "message"} {
		if _, ok := w[k]; !ok {
			t.Errorf("warning missing %q", k)
		}
	}
}

func TestPlanHashReadsBackTheRenderedPlan(t *testing.T) {
	p := samplePlan()
	var b bytes.Buffer
	if err := RenderJSON(&b, p); err != nil {
		t.Fatal(err)
	}
	if h, err := PlanHash(b.Bytes()); err != nil || h != p.Hash {
		t.Errorf("PlanHash = %q, %v; want %q", h, err, p.Hash)
	}
	for _, bad := range []string{"", "{}", `{"plan_hash": "md5:x"}`, "### Plan (markdown)"} {
		if h, err := PlanHash([]byte(bad)); err == nil {
			t.Errorf("%q: read hash %q from something that is not a plan JSON", bad, h)
		}
	}
}
