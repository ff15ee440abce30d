package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestImportPeribolosWritesAValidConfig runs the command on the committed
// kubernetes/org excerpt, then validates and queries what it wrote.
func TestImportPeribolosWritesAValidConfig(t *testing.T) {
	out := filepath.Join(t.TempDir(), "cfg")
	code, stdout, stderr := runCLI(t, nil, "import", "peribolos", "../../schema/peribolos/testdata/kubernetes-org/config", "--orgs", "kubernetes-nightly", "--out", out, "--now", "2026-12-01")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "wrote "+out+": ") || !strings.Contains(stderr, "not imported: kubernetes-nightly/org.yaml:7: org kubernetes-nightly setting billing_email") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
	if code, o, e := runCLI(t, nil, "validate", "--config", out, "--now", "2026-12-01"); code != 0 {
		t.Fatalf("validate: exit %d\n%s%s", code, o, e)
	}
	code, o, e := runCLI(t, nil, "who-has", "kubernetes-nightly/publishing-bot-maintainers", "--config", out, "--now", "2026-12-01")
	if code != 0 || !strings.Contains(o, "maintainer") || !strings.Contains(o, "xmudrii") {
		t.Errorf("who-has: exit %d\n%s%s", code, o, e)
	}
	if code, _, e := runCLI(t, nil, "import", "peribolos", "../../schema/peribolos/testdata/kubernetes-org/config", "--out", out); code == 0 || !strings.Contains(e, "not empty") {
		t.Errorf("import over a config: exit %d, %s", code, e)
	}
}
