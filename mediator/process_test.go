package mediator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/access-as-code/access/internal/graphfake"
)

// The mediator binary, built once per test run from cmd/mediator, for the
// tests that need real processes (SIGTERM, SIGKILL).
var mediatorBin struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if mediatorBin.dir != "" {
		_ = os.RemoveAll(mediatorBin.dir)
	}
	os.Exit(code)
}

func buildMediator(t *testing.T) string {
	t.Helper()
	mediatorBin.once.Do(func() {
		goBin, err := exec.LookPath("go")
		if err != nil {
			goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		mediatorBin.dir, mediatorBin.err = os.MkdirTemp("", "mediator-bin-")
		if mediatorBin.err != nil {
			return
		}
		mediatorBin.path = filepath.Join(mediatorBin.dir, "mediator")
		out, err := exec.Command(goBin, "build", "-o", mediatorBin.path, "github.com/access-as-code/access/cmd/mediator").CombinedOutput()
		if err != nil {
			mediatorBin.err = fmt.Errorf("go build ./cmd/mediator: %w\n%s", err, out)
		}
	})
	if mediatorBin.err != nil {
		t.Fatal(mediatorBin.err)
	}
	return mediatorBin.path
}

// proc is one mediator process.
type proc struct {
	cmd    *exec.Cmd
	url    string
	stderr *syncBuffer
	done   chan struct{}
	err    error
}

// startProc runs the mediator with env (plus a free port) and waits until
// /healthz answers.
func startProc(t *testing.T, env map[string]string) *proc {
	t.Helper()
	port := freePort(t)
	p := &proc{url: "http://127.0.0.1:" + strconv.Itoa(port), stderr: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(buildMediator(t))
	p.cmd.Env = []string{"AUTHZ_MEDIATOR_PORT=" + strconv.Itoa(port)}
	for k, v := range env {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(p.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			return p
		}
		select {
		case <-p.done:
			t.Fatalf("mediator exited at start: %v\n%s", p.err, p.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("mediator did not answer within 10s:\n%s", p.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// holdsLease reads the process's lease gauge from /metrics.
func (p *proc) holdsLease() bool {
	resp, err := http.Get(p.url + "/metrics")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return bytes.Contains(b, []byte("\nauthz_mediator_enforcement_lease_held 1\n"))
}

// procEnv is the environment of a mediator process between e's provider
// and GitLab fake, sharing r, behind e's proxy.
func procEnv(e *env, r *redisServer) map[string]string {
	return map[string]string{
		"AUTHZ_MEDIATOR_PROVIDER": e.op.issuer, "AUTHZ_MEDIATOR_SELF": e.medURL, "AUTHZ_MEDIATOR_REDIRECT": rpCallback,
		"AUTHZ_MEDIATOR_BACKEND": "gitlab", "AUTHZ_MEDIATOR_SECRET": testSecret,
		"GITLAB_SECRET": e.gl.Token(), "GITLAB_URL": e.gl.URL(), "AUTHZ_MEDIATOR_STORE": r.URL(),
	}
}

// A replica killed while it holds the enforcement lease: another takes the
// lease over within its TTL (plus one renewal tick).
func TestReplicaKilledHoldingTheLeaseIsReplacedWithinTTL(t *testing.T) {
	e := newEnv(t, nil, "alice")
	r := startRedis(t)
	g := graphfake.New()
	t.Cleanup(g.Close)
	env := procEnv(e, r)
	for k, v := range map[string]string{"AUTHZ_MEDIATOR_ENFORCE_GROUPS": "yes", "AUTHZ_MEDIATOR_ENFORCE_GROUPS_SOURCE": "graph",
		"AUTHZ_MEDIATOR_ENFORCE_GROUPS_LEASE": "1s", "AUTHZ_MEDIATOR_REQUIRED_GROUPS": "eng", "AUTHZ_MEDIATOR_GROUPS": "yes",
		"AUTHZ_MEDIATOR_GRAPH_URL": g.URL(), "AUTHZ_MEDIATOR_GRAPH_TOKEN_URL": g.TokenURL("tenant"),
		"AUTHZ_MEDIATOR_GRAPH_CLIENT_ID": g.ClientID(), "AUTHZ_MEDIATOR_GRAPH_SECRET": g.ClientSecret()} {
		env[k] = v
	}
	procs := []*proc{startProc(t, env), startProc(t, env), startProc(t, env)}
	e.mux.h = roundRobin([]string{procs[0].url, procs[1].url, procs[2].url})
	g.AddUser("alice@example.com", "alice@example.com")
	e.op.storage.SetGroups("alice", "eng")
	e.login("alice") // through the processes: now enforcement checks alice
	holders := func() (out []*proc) {
		for _, p := range procs {
			if p.holdsLease() {
				out = append(out, p)
			}
		}
		return out
	}
	var holder *proc
	for deadline := time.Now().Add(5 * time.Second); holder == nil; {
		if h := holders(); len(h) == 1 {
			holder = h[0]
		} else if len(h) > 1 {
			t.Fatalf("%d replicas hold the lease at once", len(h))
		}
		if time.Now().After(deadline) {
			t.Fatal("no replica took the enforcement lease")
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	before := g.Requests()
	_ = holder.cmd.Process.Signal(syscall.SIGKILL)
	<-holder.done
	killed := time.Now()
	for {
		var alive []*proc
		for _, p := range procs {
			if p != holder {
				alive = append(alive, p)
			}
		}
		procs = alive
		if h := holders(); len(h) == 1 {
			break
		} else if len(h) > 1 {
			t.Fatalf("%d replicas hold the lease at once", len(h))
		}
		if time.Since(killed) > 4*time.Second { // TTL, a renewal tick, and slack for a loaded host
			t.Fatalf("no replica took the lease over within 4s of the holder's death (TTL 1s)")
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("lease taken over %s after the holder was killed (TTL 1s)", time.Since(killed).Round(10*time.Millisecond))
	deadline := time.Now().Add(3 * time.Second)
	for g.Requests() == before && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if g.Requests() == before {
		t.Error("the new holder made no enforcement pass")
	}
}

// SIGTERM while a token exchange waits on a slow provider: the request
// completes, the process exits 0, and new connections are refused.
func TestSIGTERMFinishesTheSlowTokenExchangeAndExitsZero(t *testing.T) {
	e := newEnv(t, nil, "alice")
	r := startRedis(t)
	p := startProc(t, procEnv(e, r))
	e.mux.h = roundRobin([]string{p.url})
	f := e.browse("alice", true) // PKCE: the provider's code is redeemed at /token
	if f.back.Query().Get("code") == "" {
		t.Fatalf("login: %s\n%s", f.back.RawQuery, p.stderr.String())
	}
	e.op.SlowTokens(2 * time.Second)
	seen := e.op.tokens.Load()
	errc := make(chan error, 1)
	go func() {
		// The exchange only: the keys at /keys are gone with the process.
		tok, err := e.rp.Exchange(context.Background(), f.back.Query().Get("code"), oauth2.VerifierOption(f.verifier))
		if err == nil && tok.Extra("id_token") == nil {
			err = errors.New("no id_token")
		}
		errc <- err
	}()
	for deadline := time.Now().Add(10 * time.Second); e.op.tokens.Load() == seen; { // then the mediator waits on the provider
		if time.Now().After(deadline) {
			t.Fatalf("the token request never reached the provider:\n%s", p.stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	refused := false
	for deadline := time.Now().Add(1500 * time.Millisecond); !refused && time.Now().Before(deadline); {
		resp, err := http.Get(p.url + "/healthz")
		if err != nil {
			refused = true
		} else {
			resp.Body.Close()
			time.Sleep(20 * time.Millisecond)
		}
	}
	if !refused {
		t.Error("new requests were still accepted 1.5s after SIGTERM")
	}
	if err := <-errc; err != nil {
		t.Errorf("the token exchange in flight at SIGTERM failed: %v", err)
	}
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the mediator did not exit after SIGTERM")
	}
	if p.err != nil {
		t.Errorf("exit: %v, want 0\n%s", p.err, p.stderr.String())
	}
	logs := p.stderr.String()
	for _, s := range append(e.secrets, testSecret) {
		if s != "" && strings.Contains(logs, s) {
			t.Errorf("the process logged a secret value %.6s…", s)
		}
	}
}
