package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/access-as-code/access/schema"
)

// exitError carries a process exit code without printing anything more.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// app holds what every subcommand shares: streams, environment, global flags.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	log            *slog.Logger

	configDir string
	format    string
	nowFlag   string
}

// now is --now when given, else the current time.
func (a *app) now() (time.Time, error) {
	if a.nowFlag == "" {
		return time.Now().UTC(), nil
	}
	t, err := schema.ParseTime(a.nowFlag)
	if err != nil {
		return time.Time{}, fmt.Errorf("--now: %w", err)
	}
	return t, nil
}

// run builds the command tree and executes it; it returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv,
		log: slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	root := newRootCmd(a)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	fmt.Fprintf(stderr, "reconcile: %v\n", err)
	return 1
}

func newRootCmd(a *app) *cobra.Command {
	root := newPlanCmd(a)
	root.PersistentFlags().StringVar(&a.configDir, "config", "access-config", "the access-config directory")
	root.PersistentFlags().StringVar(&a.format, "format", "text", "output format: text, markdown or json")
	root.PersistentFlags().StringVar(&a.nowFlag, "now", "", "evaluate expiry and policies at this date or RFC 3339 time instead of now")
	root.SilenceUsage = true
	root.SilenceErrors = true
	// One constructor per subcommand, each in its own file.
	root.AddCommand(
		// subcommands are registered here
		newValidateCmd(a),
		newWhoHasCmd(a),
		newAccessOfCmd(a),
		newCompareCmd(a),
		newListCmd(a),
		newOwnedByCmd(a),
		newDumpCmd(a),
		newDiffCmd(a),
		newApprovalsCmd(a),
		newCommentCmd(a),
		newCodeownersCmd(a),
		newHistoryCmd(a),
		newExpiringCmd(a),
		newPruneExpiredCmd(a),
		newMediatorConfigCmd(a),
		newSiteCmd(a),
		newRequestCmd(a),
		newImportCmd(a),
	)
	return root
}
