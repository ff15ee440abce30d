package codeowners_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/access-as-code/access/schema/codeowners"
	"github.com/access-as-code/access/schema/gitrev/gitrevtest"
)

func TestPlaceIsAtTheRepositoryRootWithTheConfigPrefix(t *testing.T) {
	b := gitrevtest.New(t)
	b.Write("org/access-config/users.yaml", "users: []\n")
	b.Commit("config", "alice", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	dir := filepath.Join(b.Dir, "org", "access-config")

	path, prefix, err := codeowners.Place(dir, "")
	if err != nil || path != filepath.Join(b.Dir, ".github", "CODEOWNERS") || prefix != "org/access-config" {
		t.Errorf("in a repository: %q %q %v", path, prefix, err)
	}
	if path, prefix, err = codeowners.Place(dir, "/tmp/elsewhere"); err != nil || path != "/tmp/elsewhere" || prefix != "org/access-config" {
		t.Errorf("--output keeps the prefix (patterns are relative to the root): %q %q %v", path, prefix, err)
	}

	outside := t.TempDir()
	if _, _, err := codeowners.Place(outside, ""); err == nil {
		t.Error("outside a repository without --output there is nowhere to write")
	}
	if path, prefix, err = codeowners.Place(outside, "CODEOWNERS"); err != nil || path != "CODEOWNERS" || prefix != "" {
		t.Errorf("outside a repository with --output: %q %q %v", path, prefix, err)
	}
}
