package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/access-as-code/access/reconcile"
	"github.com/access-as-code/access/schema"
)

// planFlags are the flags of the root command: plan, and apply with --apply.
type planFlags struct {
	apply            bool
	planFile         string
	only             string
	maxRemovals      int
	maxRemovalRatio  float64
	allowMass        bool
	detailedExitcode bool
	sandbox          bool
	concurrency      int
}

func newPlanCmd(a *app) *cobra.Command {
	f := &planFlags{}
	cmd := &cobra.Command{
		Use:   "reconcile",
		Short: "Make Okta, GitLab and GitHub match access-config",
		Long: `reconcile reads access-config (YAML in git: who may use what), compiles the
effective access of every person, reads the managed Okta and GitLab groups and
GitHub orgs and teams, and shows the difference as a plan. With --apply it makes the difference.

Without --apply nothing is ever written. Only the groups named in group files are
read or changed. Removals are guarded: more than max_removals in one run, or
more than max_removal_ratio of a group's members, stops the run before any
write unless --allow-mass-removal.

Credentials come from the environment only: OKTA_ORG_URL, OKTA_API_TOKEN,
GITLAB_URL, GITLAB_TOKEN, GITHUB_API_URL, GITHUB_GRAPHQL_URL, GITHUB_TOKEN. URLs
may also be set in access.yaml, but in a pull request (GITHUB_BASE_REF or a
pull-request GITHUB_EVENT_NAME) only the base branch's access.yaml counts: the
pull request's own never chooses where a token goes.

Exit codes: 0 success; 1 error (invalid config, failed read, guard, a change
that failed); with --detailed-exitcode, 2 when the plan has changes.`,
		Example: `  # See it work with no credentials: fake Okta, GitLab and GitHub seeded with drift
  reconcile --sandbox --config access-config
  reconcile --sandbox --apply --config access-config

  # Plan against the real systems (read-only tokens are enough)
  reconcile --config access-config --format markdown > plan.md

  # Apply exactly what was reviewed
  reconcile --config access-config --format json > plan.json
  reconcile --config access-config --apply --plan-file plan.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runPlan(cmd, a, f) },
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.apply, "apply", false, "write the changes (default: plan only)")
	fl.StringVar(&f.planFile, "plan-file", "", "with --apply: a plan JSON from an earlier run; apply only if the fresh plan has the same plan_hash")
	fl.StringVar(&f.only, "only", strings.Join(targetNames(), ","), "targets to reconcile, comma-separated")
	fl.IntVar(&f.maxRemovals, "max-removals", schema.DefaultMaxRemovals, "most removals in one run; 0 allows none, -1 no limit (default: access.yaml limits.max_removals, else 100)")
	fl.Float64Var(&f.maxRemovalRatio, "max-removal-ratio", schema.DefaultMaxRemovalRatio, "largest share of a group's members removed in one run; -1 no limit (default: access.yaml, else 0.5)")
	fl.BoolVar(&f.allowMass, "allow-mass-removal", false, "apply even when a removal guard trips")
	fl.BoolVar(&f.detailedExitcode, "detailed-exitcode", false, "exit 2 when the plan has changes")
	fl.BoolVar(&f.sandbox, "sandbox", false, "run against in-process fake Okta and GitLab seeded from the config with drift")
	fl.IntVar(&f.concurrency, "concurrency", 8, "writes in flight per target (providers also slow down on rate-limit headers)")
	return cmd
}

func runPlan(cmd *cobra.Command, a *app, f *planFlags) error {
	ctx := cmd.Context()
	now, err := a.now()
	if err != nil {
		return err
	}
	cfg, err := schema.CheckDir(a.configDir, now)
	if err != nil {
		printConfigErrors(a, err)
		return exitError{1}
	}
	only, err := parseOnly(f.only)
	if err != nil {
		return err
	}
	desired := schema.Compile(cfg, now)
	var eps map[string]endpoint
	if f.sandbox {
		var closeSandbox func()
		eps, closeSandbox = startSandbox(a, cfg, desired)
		defer closeSandbox()
	} else {
		eps = endpoints(trustedSource(a, cfg), a.getenv)
	}
	targets, err := buildTargets(ctx, a, cfg, desired, only, eps, f.concurrency)
	if err != nil {
		return err
	}
	reviewed := ""
	if f.planFile != "" {
		if !f.apply {
			return fmt.Errorf("--plan-file is only used with --apply")
		}
		if reviewed, err = readPlanHash(f.planFile); err != nil {
			return err
		}
	}
	opts := reconcile.RunOptions{Targets: targets, Apply: f.apply, ReviewedHash: reviewed,
		Limits: limits(cmd, cfg, f), Format: a.format, Out: a.stdout,
		ApplyOptions: reconcile.ApplyOptions{Concurrency: f.concurrency, Commit: commitOf(a), Log: a.log, Progress: progressWriter(a)}}
	out, err := reconcile.Run(ctx, opts)
	if err != nil {
		return err
	}
	code := 0
	if len(out.Plan.Errors) > 0 {
		code = 1
	}
	if out.Report != nil {
		_ = reconcile.RenderReport(a.stderr, out.Report, out.Plan.PendingCount())
		if !out.Report.OK() {
			code = 1
		}
		if f.sandbox {
			fmt.Fprintln(a.stderr, "\nPlanning again after apply:")
			again, err := reconcile.Run(ctx, reconcile.RunOptions{Targets: targets, Format: "text", Out: a.stderr})
			if err != nil {
				return err
			}
			if !again.Plan.Empty() {
				code = 1
			}
		}
	} else if f.detailedExitcode && !out.Plan.Empty() && code == 0 {
		code = 2
	}
	if code != 0 {
		return exitError{code}
	}
	return nil
}

func parseOnly(s string) (map[string]bool, error) {
	m := map[string]bool{}
	for _, t := range strings.Split(s, ",") {
		t = strings.TrimSpace(t)
		switch _, known := kindOf(t); {
		case known:
			m[t] = true
		case t == "":
		default:
			return nil, fmt.Errorf("--only: unknown target %q (want one or more of %s)", t, strings.Join(targetNames(), ", "))
		}
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("--only: name at least one target")
	}
	return m, nil
}

// limits are access.yaml's (the loader fills in the defaults), each
// overridden by its flag when the flag is given.
func limits(cmd *cobra.Command, cfg *schema.Config, f *planFlags) reconcile.Limits {
	l := reconcile.Limits{MaxRemovals: cfg.Settings.Limits.MaxRemovals,
		MaxRemovalRatio: cfg.Settings.Limits.MaxRemovalRatio, AllowMass: f.allowMass}
	if cmd.Flags().Changed("max-removals") {
		l.MaxRemovals = f.maxRemovals
	}
	if cmd.Flags().Changed("max-removal-ratio") {
		l.MaxRemovalRatio = f.maxRemovalRatio
	}
	return l
}

// readPlanHash reads the plan_hash of a plan JSON written by --format json.
func readPlanHash(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("--plan-file: %w", err)
	}
	h, err := reconcile.PlanHash(b)
	if err != nil {
		return "", fmt.Errorf("--plan-file %s: %w", path, err)
	}
	return h, nil
}

// printConfigErrors prints every config error, one per line, and a count.
func printConfigErrors(a *app, err error) {
	errs := schema.Errors(err)
	for _, e := range errs {
		fmt.Fprintln(a.stderr, e.Error())
	}
	fmt.Fprintf(a.stderr, "%d errors in %s; nothing was read or applied\n", len(errs), a.configDir)
}
