package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/access-as-code/access/internal/gitlabfake"
	"github.com/access-as-code/access/internal/oktafake"
)

// cliBinary builds cmd/reconcile once per process.
var cliBinary = struct {
	once sync.Once
	path string
	err  error
}{}

func buildCLI(b *testing.B) string {
	cliBinary.once.Do(func() {
		dir, err := os.MkdirTemp("", "e2e-bin-")
		if err != nil {
			cliBinary.err = err
			return
		}
		orgs.Lock()
		orgs.dirs = append(orgs.dirs, dir)
		orgs.Unlock()
		goBin, err := exec.LookPath("go")
		if err != nil {
			goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		cliBinary.path = filepath.Join(dir, "reconcile")
		out, err := exec.Command(goBin, "build", "-o", cliBinary.path, "../../cmd/reconcile").CombinedOutput()
		if err != nil {
			cliBinary.err = &buildError{err, out}
		}
	})
	if cliBinary.err != nil {
		b.Fatal(cliBinary.err)
	}
	return cliBinary.path
}

type buildError struct {
	err error
	out []byte
}

func (e *buildError) Error() string { return "go build: " + e.err.Error() + "\n" + string(e.out) }

// benchCLIPlan runs the built `reconcile` binary, as CI does, for a no-op
// plan of the org against HTTPS fakes (2ms latency; no rate limit: the
// figure here is memory) and reports the child process's max RSS. This is
// the memory figure of reconcile itself: in noop-plan the fakes and the
// org share the test process. E2E_CHILD_GOMEMLIMIT, when set, is passed to
// the child as GOMEMLIMIT, to see what a soft memory limit does to it.
func benchCLIPlan(b *testing.B, p preset) {
	bin := buildCLI(b)
	o := synthOrg(b, p)
	w := seedWorld(b, &world{cfg: o.cfg, d: o.d,
		okta:   oktafake.New(oktafake.WithTLS(), oktafake.WithLatency(latency)),
		gitlab: gitlabfake.New(gitlabfake.WithTLS(), gitlabfake.WithLatency(latency)),
	})
	ca := filepath.Join(filepath.Dir(o.dir), "ca-"+p.name+".pem")
	if err := os.WriteFile(ca, append(w.okta.CertPEM(), w.gitlab.CACertPEM()...), 0o600); err != nil {
		b.Fatal(err)
	}
	var rssMB float64
	var wall time.Duration
	b.ResetTimer()
	for range b.N {
		cmd := exec.Command(bin, "--config", o.dir, "--now", exampleNow.Format("2006-01-02"), "--format", "json", "--detailed-exitcode")
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir(), "SSL_CERT_FILE=" + ca,
			"OKTA_ORG_URL=" + w.okta.URL(), "OKTA_API_TOKEN=" + w.okta.Token(),
			"GITLAB_URL=" + w.gitlab.URL(), "GITLAB_TOKEN=" + w.gitlab.Token()}
		if v := os.Getenv("E2E_CHILD_GOMEMLIMIT"); v != "" {
			cmd.Env = append(cmd.Env, "GOMEMLIMIT="+v)
		}
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = nil, &stderr
		start := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		hwm := watchHWM(cmd.Process.Pid)
		err := cmd.Wait()
		wall = time.Since(start)
		rssMB = hwm()
		if err != nil {
			b.Fatalf("reconcile plan: %v (exit 2 would mean changes)\n%s", err, stderr.String())
		}
	}
	b.ReportMetric(rssMB, "max_rss_MB")
	b.ReportMetric(wall.Seconds(), "wall_s")
	if rssMB >= 500 {
		b.Logf("TARGET MISSED: reconcile's max RSS %.0f MB >= 500", rssMB)
	}
}

// watchHWM polls the child's VmHWM (its peak RSS, in /proc/PID/status)
// until it exits; the returned func gives the last value seen, in MB. The
// rusage of wait4 is no use here: Go starts children with CLONE_VM, and
// Linux then counts the parent's peak RSS as the child's ru_maxrss.
func watchHWM(pid int) func() float64 {
	var peak atomic.Int64 // KiB
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
				for _, line := range strings.Split(string(b), "\n") {
					if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
						if kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64); err == nil && kb > peak.Load() {
							peak.Store(kb)
						}
					}
				}
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() float64 {
		close(stop)
		<-done
		return float64(peak.Load()) / 1024
	}
}
