package github_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	rgh "github.com/access-as-code/access/reconcile/github"
	"github.com/access-as-code/access/schema/request"
)

// The issue form, the parser and the workflow agree: field ids are what the
// catalog's link prefills, labels are the headings ParseForm reads, the
// label is the one the workflow and the command filter on.
func TestIssueFormMatchesTheParserAndTheWorkflow(t *testing.T) {
	data, err := os.ReadFile("../../.github/ISSUE_TEMPLATE/access-request.yml")
	if err != nil {
		t.Fatal(err)
	}
	var form struct {
		Labels []string `yaml:"labels"`
		Body   []struct {
			Type       string          `yaml:"type"`
			ID         string          `yaml:"id"`
			Attributes map[string]any  `yaml:"attributes"`
			Valid      map[string]bool `yaml:"validations"`
		} `yaml:"body"`
	}
	if err := yaml.Unmarshal(data, &form); err != nil {
		t.Fatal(err)
	}
	if len(form.Labels) != 1 || form.Labels[0] != rgh.RequestLabel {
		t.Errorf("labels %v, want [%s]", form.Labels, rgh.RequestLabel)
	}
	seen := map[string]bool{}
	for _, f := range form.Body {
		if f.Type == "markdown" {
			continue
		}
		if f.Type != "input" {
			t.Errorf("field %s is a %s: every field is one line", f.ID, f.Type)
		}
		if want := request.FormLabels[f.ID]; want == "" || f.Attributes["label"] != want {
			t.Errorf("field %s has label %v, want %q", f.ID, f.Attributes["label"], want)
		}
		seen[f.ID] = true
	}
	for id := range request.FormLabels {
		if !seen[id] {
			t.Errorf("the form has no field %s", id)
		}
	}

	w, text := loadWorkflow(t, filepath.Join(workflowDir, "access-request.yml"))
	if !strings.Contains(text, "contains(github.event.issue.labels.*.name, '"+rgh.RequestLabel+"')") {
		t.Error("the workflow does not filter on the request label")
	}
	if _, ok := w.On["issues"]; !ok || len(w.On) != 1 {
		t.Errorf("triggers %v, want only issues", w.On)
	}
	for name, job := range w.Jobs {
		for _, s := range job.Steps {
			if strings.Contains(s.Run, "${{") {
				t.Errorf("%s: an expression in run: %q (pass it through env)", name, s.Run)
			}
		}
		want := map[string]string{"contents": "write", "pull-requests": "write", "issues": "write"}
		if len(job.Permissions) != len(want) {
			t.Errorf("%s: permissions %v, want %v", name, job.Permissions, want)
		}
		for k, v := range job.Permissions {
			if want[k] != v {
				t.Errorf("%s: permission %s: %s, want only %v", name, k, v, want)
			}
		}
	}
}
