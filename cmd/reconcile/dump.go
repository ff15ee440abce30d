package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/spf13/cobra"

	"github.com/access-as-code/access/reconcile"
	rgh "github.com/access-as-code/access/reconcile/github"
	"github.com/access-as-code/access/schema"
)

type dumpFlags struct {
	only         string
	oktaGroups   []string
	gitlabGroups []string
	githubOrgs   []string
	owners       []string
	out          string
	sandbox      bool
}

func newDumpCmd(a *app) *cobra.Command {
	f := &dumpFlags{}
	cmd := &cobra.Command{
		Use:   "dump",
		Short: "Write the live state of Okta and GitLab groups as access-config YAML (import)",
		Long: `dump reads Okta and GitLab groups and writes them as a new access-config
directory: users.yaml (people joined across Okta and GitLab, with okta_id and
gitlab_id pinned) and one group file per Okta group and per GitLab group and
access level. Run validate and a plan on the result: the plan is empty.

The groups dumped are those named with --okta-group/--gitlab-group plus those the
existing config (--config, if it exists) already manages. People already in its
users.yaml keep their ids. It only reads; it never writes to Okta or GitLab.
GitLab-only people get a placeholder email marked with a comment: fix those.`,
		Example: `  # Adopt: import two groups, then check that nothing would change
  reconcile dump --okta-group Eng-Backend --gitlab-group platform/backend \
      --owner alice --out imported
  reconcile validate --config imported
  reconcile --config imported            # "No changes."`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runDump(cmd, a, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.only, "only", "okta,gitlab", "targets to read, comma-separated (okta, gitlab, github)")
	fl.StringSliceVar(&f.oktaGroups, "okta-group", nil, "an Okta group name to dump (repeatable)")
	fl.StringSliceVar(&f.gitlabGroups, "gitlab-group", nil, "a GitLab group full path to dump (repeatable)")
	fl.StringSliceVar(&f.githubOrgs, "github-org", nil, "a GitHub organization to dump whole, its teams included (repeatable; default: github.orgs of access.yaml)")
	fl.StringSliceVar(&f.owners, "owner", nil, "user id owning the dumped group files (default: admins of access.yaml)")
	fl.StringVar(&f.out, "out", "", "directory to write (must not exist or be empty)")
	fl.BoolVar(&f.sandbox, "sandbox", false, "read the in-process fakes seeded from --config instead of real systems")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

func runDump(cmd *cobra.Command, a *app, f *dumpFlags) error {
	ctx := cmd.Context()
	only, err := parseOnly(f.only)
	if err != nil {
		return err
	}
	if entries, err := os.ReadDir(f.out); err == nil && len(entries) > 0 {
		return fmt.Errorf("--out %s is not empty: dump writes a fresh config", f.out)
	}
	now, err := a.now()
	if err != nil {
		return err
	}
	cfg := &schema.Config{}
	if _, statErr := os.Stat(a.configDir); statErr == nil {
		if cfg, err = schema.CheckDir(a.configDir, now); err != nil {
			printConfigErrors(a, err)
			return exitError{1}
		}
	}
	d := schema.Compile(cfg, now)
	groups := map[string][]string{"okta": f.oktaGroups, "gitlab": f.gitlabGroups}
	for g := range d.Okta {
		groups["okta"] = append(groups["okta"], g)
	}
	for g := range d.GitLab {
		groups["gitlab"] = append(groups["gitlab"], g)
	}
	owners := f.owners
	if len(owners) == 0 {
		owners = cfg.Settings.Admins
	}
	var eps map[string]endpoint
	if f.sandbox {
		var closeSandbox func()
		eps, closeSandbox = startSandbox(a, cfg, d)
		defer closeSandbox()
	} else {
		eps = endpoints(trustedSource(a, cfg), a.getenv)
	}
	observed := map[string]*reconcile.Observed{}
	for _, target := range []string{"okta", "gitlab"} {
		if !only[target] || len(groups[target]) == 0 {
			continue
		}
		p, err := newProvider(ctx, a, target, eps[target], 8, setup{cfg: cfg}, "dumping "+target)
		if err != nil {
			return err
		}
		o, err := p.Observe(ctx, reconcile.Query{Groups: slices.Compact(slices.Sorted(slices.Values(groups[target])))})
		if err != nil {
			return fmt.Errorf("reading %s: %w", target, err)
		}
		observed[target] = o
	}
	opts := reconcile.DumpOptions{Existing: cfg, Owners: owners,
		Protected: map[string][]string{"okta": cfg.Settings.Protected.Okta, "gitlab": cfg.Settings.Protected.GitLab, "github": cfg.Settings.Protected.GitHub}}
	orgs := f.githubOrgs
	if len(orgs) == 0 {
		orgs = cfg.Settings.GitHub.Orgs
	}
	if only["github"] && len(orgs) > 0 {
		if err := dumpGitHubOrgs(ctx, a, cfg, eps["github"], orgs, &opts); err != nil {
			return err
		}
	}
	if len(observed) == 0 && opts.GitHub == nil {
		return fmt.Errorf("nothing to dump: name groups with --okta-group or --gitlab-group, or orgs with --github-org")
	}
	files, warns, err := reconcile.Dump(observed["okta"], observed["gitlab"], opts)
	if err != nil {
		return err
	}
	for _, file := range files {
		p := filepath.Join(f.out, filepath.FromSlash(file.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, file.Content, 0o644); err != nil {
			return err
		}
	}
	for _, w := range warns {
		fmt.Fprintf(a.stderr, "warning: %s: %s\n", w.Kind, w.Message)
	}
	fmt.Fprintf(a.stdout, "wrote %d files to %s\n", len(files), f.out)
	return nil
}

// dumpGitHubOrgs reads whole GitHub orgs, every team included, into opts.
func dumpGitHubOrgs(ctx context.Context, a *app, cfg *schema.Config, ep endpoint, orgs []string, opts *reconcile.DumpOptions) error {
	p, err := newProvider(ctx, a, "github", ep, 8, setup{cfg: cfg}, "dumping github")
	if err != nil {
		return err
	}
	gp := p.(*rgh.Provider)
	q := reconcile.Query{}
	opts.GitHubParents = map[string]string{}
	for _, org := range orgs {
		teams, err := gp.Teams(ctx, org)
		if err != nil {
			return fmt.Errorf("reading github: %w", err)
		}
		q.Groups = append(q.Groups, org)
		for slug, parent := range teams {
			q.Groups = append(q.Groups, org+"/"+slug)
			if parent != "" {
				opts.GitHubParents[org+"/"+slug] = parent
			}
		}
	}
	slices.Sort(q.Groups)
	o, err := gp.Observe(ctx, q)
	if err != nil {
		return fmt.Errorf("reading github: %w", err)
	}
	opts.GitHub, opts.GitHubCaps = o, rgh.Capabilities()
	return nil
}
