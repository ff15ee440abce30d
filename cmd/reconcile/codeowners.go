package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/access-as-code/access/schema/codeowners"
)

func newCodeownersCmd(a *app) *cobra.Command {
	var check bool
	var output string
	cmd := &cobra.Command{
		Use:   "codeowners [--check]",
		Short: "Write .github/CODEOWNERS from group, role and app owners",
		Long: `codeowners writes .github/CODEOWNERS at the root of the git repository that
holds --config, so that GitHub requests reviews from the people who may
approve a change: each group, role and app file is owned by its owners' GitHub
logins (owning roles stand for their members; app owners co-own the app's
groups); access.yaml, users.yaml, .github/ and new files by the admins.
With --check nothing is written: it exits 1 and prints the difference when
the committed file is stale.`,
		Example: `  # write .github/CODEOWNERS after changing owners
  reconcile codeowners --config access-config

  # in CI: fail when the committed file is stale
  reconcile codeowners --config access-config --check`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			now, err := a.now()
			if err != nil {
				return err
			}
			cfg, d, err := loadQueryState(a, now)
			if err != nil {
				return err
			}
			output, prefix, err := codeowners.Place(a.configDir, output)
			if err != nil {
				return err
			}
			want := codeowners.Generate(cfg, d, prefix)
			have, err := os.ReadFile(output)
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("read %s: %w", output, err)
			}
			if check {
				if diff := codeowners.Diff(have, want); diff != "" {
					fmt.Fprintf(a.stdout, "%s is stale; run `reconcile codeowners` and commit the result:\n%s", output, diff)
					return exitError{code: 1}
				}
				fmt.Fprintf(a.stdout, "%s is up to date\n", output)
				return nil
			}
			if err := os.MkdirAll(filepath.Dir(output), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(output, want, 0o644); err != nil {
				return fmt.Errorf("write %s: %w", output, err)
			}
			fmt.Fprintf(a.stdout, "wrote %s\n", output)
			return nil
		},
	}
	cmd.Flags().BoolVar(&check, "check", false, "fail (exit 1) when the file is stale, printing the difference; write nothing")
	cmd.Flags().StringVar(&output, "output", "", "the CODEOWNERS path (default: .github/CODEOWNERS at the repository root)")
	return cmd
}
