// Command mediator is the OIDC relay between an identity provider and
// GitLab (see package mediator). Flags: -config FILE, -groups.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/access-as-code/access/mediator"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stderr))
}

// drainTimeout bounds how long requests in flight may finish after SIGTERM
// (a token exchange waits at most for the provider's client timeout).
const drainTimeout = 20 * time.Second

// run serves until stop ends (SIGTERM, SIGINT): then it stops accepting,
// lets requests in flight finish (bounded), hands over the enforcement
// lease, and returns 0.
func run(stop context.Context, args []string, getenv func(string) string, stderr io.Writer) int {
	fs := flag.NewFlagSet("mediator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "configuration file (YAML)")
	groups := fs.Bool("groups", false, "request the groups scope (overrides the file and AUTHZ_MEDIATOR_GROUPS)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var groupsFlag *bool
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "groups" {
			groupsFlag = groups
		}
	})
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	cfg, err := mediator.LoadConfig(*configPath, getenv, groupsFlag)
	if err != nil {
		fmt.Fprintf(stderr, "mediator: invalid configuration:\n%v\n", err)
		return 1
	}
	for _, w := range cfg.Warnings {
		log.Warn(w)
	}
	// Background work (key fetches, membership syncs) outlives the signal
	// until requests in flight are done: its context ends after them.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Every outbound call (provider, GitLab) is bounded; a login never hangs on them.
	// Connections to the provider stay open under load (the default
	// transport keeps two idle ones per host: each login beyond would dial).
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 64
	client := &http.Client{Timeout: 15 * time.Second, Transport: transport}
	opts := []mediator.Option{mediator.WithHTTPClient(client)}
	if cfg.Store != "" {
		store, err := mediator.OpenRedisStore(cfg.Store, cfg.StorePassword)
		if err != nil {
			fmt.Fprintf(stderr, "mediator: %v\n", err)
			return 1
		}
		defer store.Close()
		opts = append(opts, mediator.WithStore(store))
	}
	m, err := mediator.New(ctx, cfg, log, opts...)
	if err != nil {
		fmt.Fprintf(stderr, "mediator: %v\n", err)
		return 1
	}
	if cfg.EnforceGroups {
		src, err := source(ctx, cfg)
		if err != nil {
			fmt.Fprintf(stderr, "mediator: %v\n", err)
			return 1
		}
		enf, err := m.NewEnforcer(src, nil)
		if err != nil {
			fmt.Fprintf(stderr, "mediator: %v\n", err)
			return 1
		}
		enforcing := make(chan struct{})
		enfCtx, stopEnf := context.WithCancel(ctx)
		go func() { defer close(enforcing); enf.Run(enfCtx) }()
		defer func() { stopEnf(); <-enforcing }() // releases the lease
	}
	srv := &http.Server{Addr: net.JoinHostPort("", strconv.Itoa(cfg.Port)), Handler: m.Handler(),
		ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	ln, err := net.Listen("tcp", srv.Addr)
	if err != nil {
		fmt.Fprintf(stderr, "mediator: %v\n", err)
		return 1
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	store := "memory"
	if cfg.Store != "" {
		store = mediator.RedactURL(cfg.Store)
	}
	log.Info("mediator listening", "port", cfg.Port, "provider", cfg.Provider, "self", cfg.Self, "store", store)
	select {
	case err := <-errc:
		fmt.Fprintf(stderr, "mediator: %v\n", err)
		return 1
	case <-stop.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	m.Drain()
	shut, done := context.WithTimeout(context.Background(), drainTimeout)
	defer done()
	if err := srv.Shutdown(shut); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("shutdown: requests still in flight were cut", "err", err)
	}
	cancel()
	m.Wait()
	log.Info("stopped")
	return 0
}

func source(ctx context.Context, cfg *mediator.Config) (mediator.Source, error) {
	if cfg.EnforceGroupsSource == "okta" {
		return mediator.NewOktaSource(ctx, cfg.OktaOrgURL, cfg.OktaToken, nil)
	}
	return mediator.NewGraphSource(ctx, cfg.GraphURL, cfg.GraphTokenURL, cfg.GraphClientID, cfg.GraphSecret, nil), nil
}
