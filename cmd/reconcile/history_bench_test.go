package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/access-as-code/access/internal/synth"
)

var benchStart = time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)

// synthFiles generates the 10,000-user, 2,000-group synthetic org and
// returns its files by path under access-config/.
func synthFiles(b *testing.B) (map[string][]byte, *synth.Org) {
	b.Helper()
	o := synth.Large
	o.Now = benchStart
	org, err := synth.Build(o)
	if err != nil {
		b.Fatal(err)
	}
	dir := filepath.Join(b.TempDir(), "gen")
	if err := org.Write(dir); err != nil {
		b.Fatal(err)
	}
	files := map[string][]byte{}
	err = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		data, err := os.ReadFile(p)
		files["access-config/"+filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return files, org
}

// fastImport writes commits with `git fast-import` (real packed git objects,
// as a clone has them) and checks out main.
type fastImport struct {
	w     *bufio.Writer
	mark  int
	files map[string][]byte
}

func (f *fastImport) commit(msg, author string, when time.Time, changed []string) {
	f.mark++
	fmt.Fprintf(f.w, "commit refs/heads/main\nmark :%d\ncommitter %s <%s@example.com> %d +0000\ndata %d\n%s\n",
		f.mark, author, author, when.Unix(), len(msg), msg)
	if f.mark > 1 {
		fmt.Fprintf(f.w, "from :%d\n", f.mark-1)
	}
	for _, p := range changed {
		fmt.Fprintf(f.w, "M 100644 inline %s\ndata %d\n", p, len(f.files[p]))
		f.w.Write(f.files[p])
		f.w.WriteString("\n")
	}
}

func gitRun(b *testing.B, dir string, stdin io.Reader, args ...string) {
	b.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Stdin = stdin
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// historyRepo builds a repository of n commits over the synthetic org:
// the first adds it, each later one (15 minutes apart, squash-merge style
// "(#N)") adds a temporary member to a group (80%), a member to a role
// (10%) or a person to users.yaml (10%).
func historyRepo(b *testing.B, n int) (dir, user, group string) {
	b.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		b.Skip("git not installed: needed to build the benchmark repository quickly")
	}
	files, org := synthFiles(b)
	var groups, roles []string
	for p := range files {
		switch {
		case strings.HasPrefix(p, "access-config/groups/"):
			groups = append(groups, p)
		case strings.HasPrefix(p, "access-config/roles/"):
			roles = append(roles, p)
		}
	}
	sort.Strings(groups)
	sort.Strings(roles)
	all := slices.Sorted(maps.Keys(files))

	var stream bytes.Buffer
	fi := &fastImport{w: bufio.NewWriter(&stream), files: files}
	fi.commit("Initial access config", "admin", benchStart, all)
	r := rand.New(rand.NewPCG(7, 7))
	appendMember := func(p, entry, id string) bool {
		data := files[p]
		if bytes.Contains(data, []byte("- "+id+"\n")) || bytes.Contains(data, []byte("user: "+id+"\n")) {
			return false
		}
		data = bytes.Replace(data, []byte("members: []\n"), []byte("members:\n"), 1)
		files[p] = append(data, entry...)
		return true
	}
	for i := 1; i < n; i++ {
		when := benchStart.Add(time.Duration(i) * 15 * time.Minute)
		u := org.Users[r.IntN(len(org.Users))].ID
		var p string
		switch x := r.IntN(10); {
		case x < 8:
			p = groups[r.IntN(len(groups))]
			until := when.Add(30 * 24 * time.Hour).Format(time.DateOnly)
			if !appendMember(p, fmt.Sprintf("  - user: %s\n    until: %s\n    reason: REQ-%d\n", u, until, i), u) {
				continue
			}
		case x < 9:
			p = roles[r.IntN(len(roles))]
			if !appendMember(p, "  - "+u+"\n", u) {
				continue
			}
		default:
			p = "access-config/users.yaml"
			files[p] = append(files[p], fmt.Sprintf("  - id: new%d\n    name: New %d\n    email: new%d@example.com\n", i, i, i)...)
		}
		fi.commit(fmt.Sprintf("Access change %d (#%d)", i, i), u, when, []string{p})
	}
	fi.w.Flush()
	dir = b.TempDir()
	gitRun(b, dir, nil, "init", "-q", "-b", "main")
	gitRun(b, dir, &stream, "fast-import", "--quiet")
	// fast-import deltifies every blob against the previous one, whatever its
	// path; repack as a server does for a clone.
	gitRun(b, dir, nil, "repack", "-a", "-d", "-f", "-q")
	gitRun(b, dir, nil, "checkout", "-q", "-f", "main")
	return dir, org.Users[0].ID, org.Groups[0].Name
}

// cpuTime is this process's user+system CPU time: the machine running the
// benchmarks is shared, so CPU per operation is reported beside wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchCLI(b *testing.B, args ...string) {
	b.Helper()
	var out, errb bytes.Buffer
	start := cpuTime()
	defer func() { b.ReportMetric(float64((cpuTime() - start).Milliseconds()), "cpu-ms/op") }()
	if code := run(context.Background(), args, strings.NewReader(""), &out, &errb, func(string) string { return "" }); code != 0 {
		b.Fatalf("reconcile %v: exit %d\n%s", args, code, errb.String())
	}
	b.ReportMetric(float64(out.Len()), "out-bytes")
}

// BenchmarkHistory: `reconcile history USER` and `history GROUP` on a
// repository of 5,000 commits over the 2,000-group, 10,000-user org.
func BenchmarkHistory(b *testing.B) {
	dir, user, group := historyRepo(b, 5000)
	cfg := filepath.Join(dir, "access-config")
	runtime.GC() // the generator's garbage is not the command's cost
	b.Run("user", func(b *testing.B) {
		for b.Loop() {
			benchCLI(b, "history", "--config", cfg, user, "--format", "json")
		}
	})
	b.Run("group", func(b *testing.B) {
		for b.Loop() {
			benchCLI(b, "history", "--config", cfg, "group/"+group, "--format", "json")
		}
	})
	b.Run("access-of-at", func(b *testing.B) {
		at := benchStart.Add(2500 * 15 * time.Minute).Format(time.RFC3339)
		for b.Loop() {
			benchCLI(b, "access-of", "--config", cfg, user, "--at", at, "--format", "json")
		}
	})
}

// BenchmarkDiff: `reconcile diff` between two revisions of the 10,000-user
// org; the head splits the largest role in two, adds 200 temporary members
// across groups and deletes a group file.
func BenchmarkDiff(b *testing.B) {
	if _, err := exec.LookPath("git"); err != nil {
		b.Skip("git not installed")
	}
	files, org := synthFiles(b)
	all := slices.Sorted(maps.Keys(files))
	var stream bytes.Buffer
	fi := &fastImport{w: bufio.NewWriter(&stream), files: files}
	fi.commit("Initial access config", "admin", benchStart, all)

	var changed []string
	big := 0
	for i, ro := range org.Roles {
		if len(ro.Members) > len(org.Roles[big].Members) {
			big = i
		}
	}
	role := org.Roles[big]
	half := len(role.Members) / 2
	var keep, moved bytes.Buffer
	for i, m := range role.Members {
		w := &keep
		if i >= half {
			w = &moved
		}
		if m.Until.IsZero() {
			fmt.Fprintf(w, "  - %s\n", org.Users[m.User].ID)
		} else {
			fmt.Fprintf(w, "  - user: %s\n    until: %s\n    reason: %s\n", org.Users[m.User].ID, m.Until.Format(time.DateOnly), m.Reason)
		}
	}
	head := fmt.Sprintf("description: split\nowners: [%s]\nmembers:\n", org.Users[org.Admins[0]].ID)
	files["access-config/roles/"+role.Name+".yaml"] = []byte(head + keep.String())
	files["access-config/roles/"+role.Name+"-b.yaml"] = []byte(head + moved.String())
	changed = append(changed, "access-config/roles/"+role.Name+".yaml", "access-config/roles/"+role.Name+"-b.yaml")
	for i := range org.Groups {
		p := "access-config/groups/" + org.Groups[i].Name + ".yaml"
		if bytes.Contains(files[p], []byte("  - role: "+role.Name+"\n")) {
			files[p] = bytes.Replace(files[p], []byte("  - role: "+role.Name+"\n"), []byte("  - role: "+role.Name+"\n  - role: "+role.Name+"-b\n"), 1)
			changed = append(changed, p)
		}
	}
	r := rand.New(rand.NewPCG(3, 3))
	for i := 0; i < 200; i++ {
		g := org.Groups[r.IntN(len(org.Groups))]
		p := "access-config/groups/" + g.Name + ".yaml"
		u := fmt.Sprintf("new%d", i)
		files["access-config/users.yaml"] = append(files["access-config/users.yaml"], fmt.Sprintf("  - id: %s\n    name: N %d\n    email: %s@example.com\n", u, i, u)...)
		data := bytes.Replace(files[p], []byte("members: []\n"), []byte("members:\n"), 1)
		files[p] = append(data, fmt.Sprintf("  - user: %s\n    until: 2026-10-15\n    reason: REQ-%d\n", u, i)...)
		changed = append(changed, p)
	}
	changed = append(changed, "access-config/users.yaml")
	fi.commit("Split a role, add 200 people (#2)", "admin", benchStart.Add(time.Hour), changed)
	fmt.Fprintf(fi.w, "D access-config/groups/%s.yaml\n", org.Groups[len(org.Groups)-1].Name)
	fi.w.Flush()
	dir := b.TempDir()
	gitRun(b, dir, nil, "init", "-q", "-b", "main")
	gitRun(b, dir, &stream, "fast-import", "--quiet")
	gitRun(b, dir, nil, "repack", "-a", "-d", "-f", "-q")
	gitRun(b, dir, nil, "checkout", "-q", "-f", "main")
	cfg := filepath.Join(dir, "access-config")
	now := benchStart.Add(2 * time.Hour).Format(time.RFC3339)
	files, org, stream = nil, nil, bytes.Buffer{}
	runtime.GC()
	for b.Loop() {
		benchCLI(b, "diff", "--config", cfg, "--base", "HEAD~1", "--head", "HEAD", "--format", "json", "--now", now)
	}
}
