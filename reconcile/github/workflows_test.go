package github_test

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"gopkg.in/yaml.v3"
)

// The adopters' workflow templates live at the repository root.
const workflowDir = "../../.github/workflows"

func workflowFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(workflowDir, "*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no workflow templates in %s (%v)", workflowDir, err)
	}
	return files
}

func TestWorkflowTemplatesAreActionlintClean(t *testing.T) {
	opts := &actionlint.LinterOptions{LogWriter: io.Discard}
	linter, err := actionlint.NewLinter(io.Discard, opts)
	if err != nil {
		t.Fatal(err)
	}
	errs, err := linter.LintFiles(workflowFiles(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range errs {
		t.Errorf("%s:%d:%d: %s [%s]", e.Filepath, e.Line, e.Column, e.Message, e.Kind)
	}
}

type workflow struct {
	On          map[string]any `yaml:"on"`
	Permissions map[string]string
	Concurrency struct {
		Group            string `yaml:"group"`
		CancelInProgress bool   `yaml:"cancel-in-progress"`
	}
	Jobs map[string]struct {
		Environment any
		Permissions map[string]string
		Steps       []struct {
			Env map[string]string
			Run string
		}
	}
}

func loadWorkflow(t *testing.T, path string) (workflow, string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var w workflow
	if err := yaml.Unmarshal(data, &w); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return w, string(data)
}

// The workflows' security rules: no pull_request_target; a read-only
// default token; write tokens never in a workflow run by pull requests and
// only in the protected access-apply environment; applies serialised in the
// access-apply concurrency group and always of a reviewed --plan-file.
func TestWorkflowTemplatesKeepWriteTokensAwayFromPullRequests(t *testing.T) {
	applies := 0
	for _, f := range workflowFiles(t) {
		w, text := loadWorkflow(t, f)
		name := filepath.Base(f)
		if _, ok := w.On["pull_request_target"]; ok {
			t.Errorf("%s: uses pull_request_target", name)
		}
		if len(w.Permissions) != 1 || w.Permissions["contents"] != "read" {
			t.Errorf("%s: top-level permissions = %v, want only contents: read", name, w.Permissions)
		}
		_, onPR := w.On["pull_request"]
		for jobName, job := range w.Jobs {
			for _, s := range job.Steps {
				for k, v := range s.Env {
					if strings.Contains(v, "WRITE_TOKEN") {
						if onPR {
							t.Errorf("%s/%s: write token %s in a workflow that runs on pull requests", name, jobName, k)
						}
						if job.Environment != "access-apply" {
							t.Errorf("%s/%s: write token outside the protected access-apply environment", name, jobName)
						}
					}
				}
				if strings.Contains(s.Run, "--apply") {
					applies++
					if onPR || w.Concurrency.Group != "access-apply" || w.Concurrency.CancelInProgress {
						t.Errorf("%s/%s: applies outside the access-apply concurrency group (or cancellable)", name, jobName)
					}
					if !strings.Contains(s.Run, "--plan-file") {
						t.Errorf("%s/%s: applies without --plan-file", name, jobName)
					}
				}
			}
		}
		if strings.Contains(text, "secrets.GITHUB_TOKEN") {
			t.Errorf("%s: use github.token with job permissions, not secrets.GITHUB_TOKEN", name)
		}
	}
	if applies == 0 {
		t.Error("no workflow applies the config")
	}
}

// A token's destination never comes from the config under review: every
// step that holds a provider token also takes the provider's URL from a
// repository variable, which wins over access.yaml (see schema/trusted).
func TestWorkflowTemplatesTakeProviderURLsFromVariables(t *testing.T) {
	urlOf := map[string]string{"OKTA_API_TOKEN": "OKTA_ORG_URL", "GITLAB_TOKEN": "GITLAB_URL"}
	for _, f := range workflowFiles(t) {
		w, _ := loadWorkflow(t, f)
		for jobName, job := range w.Jobs {
			for _, s := range job.Steps {
				for tok, url := range urlOf {
					if _, ok := s.Env[tok]; !ok {
						continue
					}
					if want := "${{ vars." + url + " }}"; s.Env[url] != want {
						t.Errorf("%s/%s: a step with %s sets %s=%q, want %s", filepath.Base(f), jobName, tok, url, s.Env[url], want)
					}
				}
			}
		}
	}
}
