package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"testing"
	"time"

	"github.com/access-as-code/access/internal/synth"
)

// realOrgRepo writes synth.RealOrgHistory into a new repository under
// access-config/, streaming the commits into `git fast-import` (the
// history's file versions would take half a gigabyte in memory), and
// repacks it as a server does for a clone.
func realOrgRepo(b *testing.B) (string, synth.HistoryNames) {
	b.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		b.Skip("git not installed: needed to build the benchmark repository quickly")
	}
	dir := b.TempDir()
	gitRun(b, dir, nil, "init", "-q", "-b", "main")
	cmd := exec.Command("git", "-C", dir, "fast-import", "--quiet")
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(in, 1<<20)
	mark := 0
	names, err := synth.GenerateHistory(synth.RealOrgHistory, func(c synth.Commit) error {
		mark++
		fmt.Fprintf(w, "commit refs/heads/main\nmark :%d\ncommitter %s <%s@example.com> %d +0000\ndata %d\n%s\n",
			mark, c.Author, c.Author, c.When.Unix(), len(c.Message), c.Message)
		if mark > 1 {
			fmt.Fprintf(w, "from :%d\n", mark-1)
		}
		paths := make([]string, 0, len(c.Files))
		for p := range c.Files {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		for _, p := range paths {
			fmt.Fprintf(w, "M 100644 inline access-config/%s\ndata %d\n", p, len(c.Files[p]))
			w.Write(c.Files[p])
			w.WriteString("\n")
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	in.Close()
	if err := cmd.Wait(); err != nil {
		b.Fatalf("git fast-import: %v", err)
	}
	gitRun(b, dir, nil, "repack", "-a", "-d", "-f", "-q")
	gitRun(b, dir, nil, "checkout", "-q", "-f", "main")
	if out := os.Getenv("ACCESS_BENCH_KEEP_REPO"); out != "" {
		// for timing the built CLI on the same repository
		gitRun(b, dir, nil, "clone", "-q", "--no-hardlinks", dir, out)
		b.Logf("real-org repository cloned to %s: veteran %s, departed %s, group %s, %d people", out, names.Veteran, names.Departed, names.Group, names.People)
	}
	return dir, names
}

// BenchmarkHistoryRealOrg: `reconcile history` and `access-of --at` on a
// repository shaped like a large open-source org's membership history
// (synth.RealOrgHistory): 2,800 commits over 8 years, users.yaml changing
// in most of them, one person in 100+ groups over time, one who left.
// Goals: under 1 s and 150 MB for any person, 0.5 s for a group, 0.3 s
// for access-of --at.
func BenchmarkHistoryRealOrg(b *testing.B) {
	dir, names := realOrgRepo(b)
	cfg := filepath.Join(dir, "access-config")
	runtime.GC()
	b.Run("veteran", func(b *testing.B) {
		for b.Loop() {
			benchCLI(b, "history", "--config", cfg, names.Veteran, "--format", "json")
		}
	})
	b.Run("departed", func(b *testing.B) {
		for b.Loop() {
			benchCLI(b, "history", "--config", cfg, "user/"+names.Departed, "--format", "json")
		}
	})
	b.Run("departed-bare-name", func(b *testing.B) { // found in the history first
		for b.Loop() {
			benchCLI(b, "history", "--config", cfg, names.Departed, "--format", "json")
		}
	})
	b.Run("group", func(b *testing.B) {
		for b.Loop() {
			benchCLI(b, "history", "--config", cfg, "group/"+names.Group, "--format", "json")
		}
	})
	b.Run("everyone", func(b *testing.B) {
		for b.Loop() {
			benchCLI(b, "history", "--config", cfg, "group/"+names.Everyone, "--format", "json")
		}
	})
	b.Run("access-of-at", func(b *testing.B) {
		at := synth.RealOrgHistory.Start.Add(2 * 365 * 24 * time.Hour).Format(time.RFC3339)
		for b.Loop() {
			benchCLI(b, "access-of", "--config", cfg, names.Veteran, "--at", at, "--format", "json")
		}
	})
}
