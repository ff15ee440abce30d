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

func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) int {
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
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Every outbound call (provider, GitLab) is bounded; a login never hangs on them.
	client := &http.Client{Timeout: 30 * time.Second}
	m, err := mediator.New(ctx, cfg, log, mediator.WithHTTPClient(client))
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
		go enf.Run(ctx)
	}
	srv := &http.Server{Addr: net.JoinHostPort("", strconv.Itoa(cfg.Port)), Handler: m.Handler(),
		ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Info("mediator listening", "port", cfg.Port, "provider", cfg.Provider, "self", cfg.Self)
	select {
	case err := <-errc:
		fmt.Fprintf(stderr, "mediator: %v\n", err)
		return 1
	case <-ctx.Done():
	}
	shut, done := context.WithTimeout(context.Background(), 10*time.Second)
	defer done()
	if err := srv.Shutdown(shut); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("shutdown", "err", err)
	}
	cancel()
	m.Wait()
	return 0
}

func source(ctx context.Context, cfg *mediator.Config) (mediator.Source, error) {
	if cfg.EnforceGroupsSource == "okta" {
		return mediator.NewOktaSource(ctx, cfg.OktaOrgURL, cfg.OktaToken, nil)
	}
	return mediator.NewGraphSource(ctx, cfg.GraphURL, cfg.GraphTokenURL, cfg.GraphClientID, cfg.GraphSecret, nil), nil
}
